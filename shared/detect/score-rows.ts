import {
  type CostDetectorConfig,
  DAY_VERDICTS,
  DEFAULT_COST_DETECTOR_CONFIG,
  evaluateDailyValues,
} from '#shared/detect/cost-detector';
import { GenericDetector, type GenericDetectorOptions } from '#shared/detect/generic-detector';
import { InvalidInputError } from '#shared/errors';

/** Which detector scores a `timestamp,value` series. */
export type ScoreProfile = 'cost' | 'generic';

/** One input row: its timestamp (ms since epoch) and value. */
export interface ScoreRow {
  timestampMs: number;
  value: number;
}

/** Spacing from which a series is treated as daily cost data (20 hours). */
const DAILY_SPACING_MS = 20 * 3_600_000;

/**
 * The profile for a series from the spacing of its first two rows: daily or slower is `cost`,
 * anything faster `generic`. Only the first two rows decide, so a prefix of a file (two rows or
 * more) always gets the same profile as the whole file.
 */
export function detectProfile(rows: readonly ScoreRow[]): ScoreProfile {
  const [first, second] = rows;
  if (!first || !second) return 'generic';
  return Math.abs(second.timestampMs - first.timestampMs) >= DAILY_SPACING_MS ? 'cost' : 'generic';
}

/** Parses `2026-05-01`, `2026-05-01 10:00:00`, ISO 8601, or epoch seconds/milliseconds. */
export function parseTimestamp(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const number = Number(trimmed);
    return number < 1e11 ? number * 1000 : number;
  }
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(trimmed)
    ? `${trimmed}T00:00:00Z`
    : /[zZ]|[+-]\d{2}:?\d{2}$/.test(trimmed)
      ? trimmed.replace(' ', 'T')
      : `${trimmed.replace(' ', 'T')}Z`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new InvalidInputError(`not a timestamp: ${JSON.stringify(text)}`);
  return ms;
}

/** Score and decision for each row, index-aligned with the input. */
export interface RowScore {
  score: number;
  isAnomaly: boolean;
}

/**
 * Scores rows in order with the chosen profile. Causal for both: row t's result depends only
 * on rows 0..t. `cost` maps rows to consecutive days (gaps are zero-cost days when days
 * increase; otherwise rows are taken as consecutive days) and applies the cost detector with
 * its materiality rule; `generic` streams rows through the generic detector.
 */
export function scoreRows(
  rows: readonly ScoreRow[],
  profile: ScoreProfile,
  options: { cost?: Partial<CostDetectorConfig>; generic?: Partial<GenericDetectorOptions> } = {},
): RowScore[] {
  if (profile === 'generic') {
    const detector = new GenericDetector(options.generic);
    return rows.map((row) => detector.push(row.value));
  }
  const config = { ...DEFAULT_COST_DETECTOR_CONFIG, ...options.cost };
  const days = rows.map((row) => Math.floor(row.timestampMs / 86_400_000));
  const increasing = days.every((day, i) => i === 0 || day > (days[i - 1] as number));
  const first = days[0] ?? 0;
  const indexOf = increasing ? days.map((day) => day - first) : rows.map((_row, i) => i);
  const length = (indexOf[indexOf.length - 1] ?? -1) + 1;
  const values = new Float64Array(length);
  rows.forEach((row, i) => {
    values[indexOf[i] as number] = Number.isFinite(row.value) ? row.value : 0;
  });
  const result = evaluateDailyValues(first, values, undefined, config);
  return indexOf.map((index) => ({
    score: Math.min(1, Math.max(0, result.score[index] as number)),
    isAnomaly: DAY_VERDICTS[result.verdict[index] as number] === 'anomaly',
  }));
}
