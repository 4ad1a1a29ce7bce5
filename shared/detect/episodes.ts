import type { IsoDay } from '#shared/cost/cost-point';
import type { SeriesRef } from '#shared/cost/series-key';
import {
  type CostDayEvaluation,
  epochDay,
  SEVERITY_ORDER,
  type Severity,
} from '#shared/detect/cost-detector';
import type { Money } from '#shared/money';

/** One incident on one series: consecutive anomalous days (short normal gaps bridged). */
export interface Episode {
  /** `<currency>|<seriesKey>|<startDay>`: deterministic, so re-runs find the same episode. */
  anomalyId: string;
  seriesKey: string;
  currency: string;
  monitor: string;
  /** First anomalous day (inclusive). */
  startDay: IsoDay;
  /** Latest evaluated day that belongs to the episode (inclusive). */
  lastDay: IsoDay;
  /** Latest anomalous day (inclusive). */
  lastAnomalousDay: IsoDay;
  status: 'open' | 'closed';
  /** Days from startDay to lastDay inclusive. */
  durationDays: number;
  /** Sum of the impacts of the anomalous days. */
  cumulativeImpact: Money;
  /** Largest single-day impact. */
  peakImpact: Money;
  maxScore: number;
  /** Highest severity reached. */
  severity: Severity;
  /** The evaluation of lastAnomalousDay (what the alert shows). */
  latest: CostDayEvaluation;
}

/** Episode segmentation settings. */
export interface EpisodeOptions {
  monitor: string;
  /** Final non-anomalous days after which an episode closes (shorter gaps stay one episode). */
  closeAfterNormalDays: number;
}

/** Default: three normal final days close an episode, so a weekend dip does not split an incident. */
export const DEFAULT_CLOSE_AFTER_NORMAL_DAYS = 3;

/** Deterministic anomaly id of an episode. */
export function anomalyIdOf(ref: SeriesRef, startDay: IsoDay): string {
  return `${ref.currency}|${ref.seriesKey}|${startDay}`;
}

/** Splits an anomaly id back into series and start day (the series key may contain `|`). */
export function parseAnomalyId(anomalyId: string): { ref: SeriesRef; startDay: IsoDay } {
  const first = anomalyId.indexOf('|');
  const last = anomalyId.lastIndexOf('|');
  const startDay = anomalyId.slice(last + 1);
  if (first <= 0 || last <= first || !/^\d{4}-\d{2}-\d{2}$/.test(startDay)) {
    throw new RangeError(
      `not an anomaly id (<currency>|<seriesKey>|<startDay>): ${JSON.stringify(anomalyId)}`,
    );
  }
  return {
    ref: { currency: anomalyId.slice(0, first), seriesKey: anomalyId.slice(first + 1, last) },
    startDay,
  };
}

/** True when `a` is a strictly higher severity than `b` (undefined counts as below low). */
export function severityAbove(a: Severity, b: Severity | undefined): boolean {
  return SEVERITY_ORDER.indexOf(a) > (b === undefined ? -1 : SEVERITY_ORDER.indexOf(b));
}

/**
 * Groups a series' evaluated days (ascending, consecutive) into episodes. Pure and
 * deterministic: the same evaluations give the same episodes and ids, which is what makes
 * detection idempotent. An episode stays open while fewer than `closeAfterNormalDays` final
 * normal days follow its last anomalous day.
 */
export function segmentEpisodes(
  ref: SeriesRef,
  days: readonly CostDayEvaluation[],
  options: EpisodeOptions,
): Episode[] {
  const episodes: Episode[] = [];
  let current: Episode | undefined;
  let normalSince = 0;
  for (const day of days) {
    if (day.isAnomaly) {
      const impact = day.impact;
      if (!current) {
        current = {
          anomalyId: anomalyIdOf(ref, day.day),
          seriesKey: ref.seriesKey,
          currency: ref.currency,
          monitor: options.monitor,
          startDay: day.day,
          lastDay: day.day,
          lastAnomalousDay: day.day,
          status: 'open',
          durationDays: 1,
          cumulativeImpact: impact,
          peakImpact: impact,
          maxScore: day.score,
          severity: day.severity,
          latest: day,
        };
        episodes.push(current);
      } else {
        current.lastDay = day.day;
        current.lastAnomalousDay = day.day;
        current.cumulativeImpact += impact;
        if (impact > current.peakImpact) current.peakImpact = impact;
        current.maxScore = Math.max(current.maxScore, day.score);
        if (severityAbove(day.severity, current.severity)) current.severity = day.severity;
        current.latest = day;
        current.durationDays = epochDay(day.day) - epochDay(current.startDay) + 1;
      }
      normalSince = 0;
      continue;
    }
    if (!current) continue;
    current.lastDay = day.day;
    current.durationDays = epochDay(day.day) - epochDay(current.startDay) + 1;
    // A provisional day may still turn anomalous when final: it neither extends nor closes.
    if (day.provisional) continue;
    normalSince += 1;
    if (normalSince >= options.closeAfterNormalDays) {
      current.status = 'closed';
      current.lastDay = current.lastAnomalousDay;
      current.durationDays = epochDay(current.lastAnomalousDay) - epochDay(current.startDay) + 1;
      current = undefined;
      normalSince = 0;
    }
  }
  return episodes;
}
