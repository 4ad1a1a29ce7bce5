import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * NAB scoring (Lavin & Ahmad 2015), re-implemented after numenta/NAB `nab/sweeper.py`:
 * windows, scaled sigmoid, probationary period (15% of a file, at most 750 rows), one
 * threshold swept over all files jointly per profile, normalised between the null detector
 * (every window missed) and the perfect one (every window detected at its start).
 */

/** A NAB cost matrix. */
export interface NabProfile {
  tpWeight: number;
  fnWeight: number;
  fpWeight: number;
  tnWeight: number;
}

/** One file's rows (parsed timestamps in ms, in file order) with the detector's scores. */
export interface NabFileScores {
  name: string;
  timestamps: number[];
  scores: number[];
  /** Windows as [start, end] timestamps in ms (inclusive). */
  windows: Array<[number, number]>;
}

/** A scored row after the probationary period. */
interface ScoredPoint {
  score: number;
  sweepScore: number;
  /** `<file>#<window index>` or undefined outside windows. */
  window: string | undefined;
}

/** NAB's scaled sigmoid: 2·σ(−5x) − 1, and −1 for rows far (> 3 window widths) after a window. */
export function scaledSigmoid(relativePosition: number): number {
  if (relativePosition > 3) return -1;
  return 2 / (1 + Math.exp(5 * relativePosition)) - 1;
}

/** NAB's probationary length: 15% of the file, at most 750 rows. */
export function probationaryLength(rows: number): number {
  return Math.min(Math.floor(0.15 * rows), 0.15 * 5000);
}

/** NAB's `calcSweepScore`: every post-probation row with the score it would earn if flagged. */
function sweepPoints(file: NabFileScores, profile: NabProfile): ScoredPoint[] {
  const maxTp = scaledSigmoid(-1);
  const probation = probationaryLength(file.timestamps.length);
  const pending = [...file.windows];
  const points: ScoredPoint[] = [];
  let windowNumber = -1;
  let current: [number, number] | undefined;
  let currentRight = 0;
  let currentWidth = 0;
  let previousRight: number | undefined;
  let previousWidth = 0;
  for (let i = 0; i < file.timestamps.length; i += 1) {
    const time = file.timestamps[i] as number;
    const next = pending[0];
    if (next && time === next[0]) {
      current = pending.shift();
      windowNumber += 1;
      currentRight = file.timestamps.indexOf((current as [number, number])[1]);
      currentWidth = currentRight - i + 1;
    }
    let weighted: number;
    if (current) {
      const position = -(currentRight - i + 1) / currentWidth;
      weighted = (scaledSigmoid(position) * profile.tpWeight) / maxTp;
    } else {
      const unweighted =
        previousRight === undefined ? -1 : scaledSigmoid(Math.abs(previousRight - i) / (previousWidth - 1));
      weighted = unweighted * profile.fpWeight;
    }
    if (i >= probation) {
      points.push({
        score: file.scores[i] as number,
        sweepScore: weighted,
        window: current ? `${file.name}#${windowNumber}` : undefined,
      });
    }
    if (current && time === current[1]) {
      previousRight = i;
      previousWidth = currentWidth;
      current = undefined;
    }
  }
  return points;
}

/** Result of scoring one detector on a corpus for one profile. */
export interface NabProfileResult {
  threshold: number;
  rawScore: number;
  normalizedScore: number;
  tp: number;
  fp: number;
  fn: number;
  windows: number;
}

/**
 * NAB's `calcScoreByThreshold` over every file jointly: sorts all post-probation rows by score,
 * lowers the threshold through each distinct score, counts a window once (its earliest, i.e.
 * best, detection) and keeps the best total; then normalises with the null and perfect scores.
 */
export function scoreCorpus(files: readonly NabFileScores[], profile: NabProfile): NabProfileResult {
  const points = files.flatMap((file) => sweepPoints(file, profile));
  const windows = new Set<string>();
  for (const point of points) if (point.window) windows.add(point.window);
  const sorted = [...points].sort((a, b) => b.score - a.score);
  let fn = windows.size;
  let tp = 0;
  let fp = 0;
  let current = -fn * profile.fnWeight;
  let threshold = 1.1;
  let best = { threshold, rawScore: current, tp, fp, fn };
  const windowScores = new Map<string, number>();
  for (const point of sorted) {
    if (point.score !== threshold) {
      if (current > best.rawScore) best = { threshold, rawScore: current, tp, fp, fn };
      threshold = point.score;
    }
    if (point.window === undefined) {
      fp += 1;
      current += point.sweepScore;
    } else {
      const previous = windowScores.get(point.window);
      if (previous === undefined) {
        tp += 1;
        fn -= 1;
        current += point.sweepScore + profile.fnWeight;
        windowScores.set(point.window, point.sweepScore);
      } else if (point.sweepScore > previous) {
        current += point.sweepScore - previous;
        windowScores.set(point.window, point.sweepScore);
      }
    }
  }
  if (current > best.rawScore) best = { threshold, rawScore: current, tp, fp, fn };
  const nullScore = -windows.size * profile.fnWeight;
  const perfectScore = windows.size * profile.tpWeight;
  return {
    ...best,
    windows: windows.size,
    normalizedScore: (100 * (best.rawScore - nullScore)) / (perfectScore - nullScore),
  };
}

/** NAB's timestamp text (`2014-04-10 07:15:00[.000000]`) as UTC milliseconds. */
export function parseNabTimestamp(text: string): number {
  const ms = Date.parse(
    `${text
      .trim()
      .replace(' ', 'T')
      .replace(/\.\d+$/, '')}Z`,
  );
  if (Number.isNaN(ms)) throw new RangeError(`not a NAB timestamp: ${JSON.stringify(text)}`);
  return ms;
}

/** A NAB data directory: `data/`, `labels/combined_windows.json`, `profiles.json`, `results/`. */
export interface NabCorpus {
  root: string;
  /** Relative file names (`realTweets/Twitter_volume_AAPL.csv`), sorted. */
  files: string[];
  windows: Record<string, Array<[number, number]>>;
  profiles: Record<string, NabProfile>;
}

/** Reads the corpus description (not the series) from a NAB share. */
export function loadNabCorpus(root: string): NabCorpus {
  const rawWindows = JSON.parse(
    readFileSync(path.join(root, 'labels', 'combined_windows.json'), 'utf8'),
  ) as Record<string, Array<[string, string]>>;
  const rawProfiles = JSON.parse(readFileSync(path.join(root, 'profiles.json'), 'utf8')) as Record<
    string,
    { CostMatrix: NabProfile }
  >;
  const windows: NabCorpus['windows'] = {};
  for (const [file, list] of Object.entries(rawWindows)) {
    windows[file] = list.map(([start, end]) => [parseNabTimestamp(start), parseNabTimestamp(end)]);
  }
  const profiles: NabCorpus['profiles'] = {};
  for (const [name, profile] of Object.entries(rawProfiles)) profiles[name] = profile.CostMatrix;
  return { root, files: Object.keys(windows).sort(), windows, profiles };
}

/** A NAB csv (`timestamp,value[,anomaly_score,...]`) as columns. */
export function readNabCsv(file: string): {
  timestampText: string[];
  timestamps: number[];
  values: number[];
  scores: number[];
} {
  const lines = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '');
  const header = (lines[0] ?? '').split(',');
  const scoreColumn = header.indexOf('anomaly_score');
  const timestampText: string[] = [];
  const timestamps: number[] = [];
  const values: number[] = [];
  const scores: number[] = [];
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    timestampText.push(cells[0] ?? '');
    timestamps.push(parseNabTimestamp(cells[0] ?? ''));
    values.push(Number(cells[1]));
    if (scoreColumn >= 0) scores.push(Number(cells[scoreColumn]));
  }
  return { timestampText, timestamps, values, scores };
}

/** Scores a published detector's result files (`results/<detector>/<file>` with `anomaly_score`). */
export function scorePublishedDetector(
  corpus: NabCorpus,
  detector: string,
): Record<string, NabProfileResult> {
  const files = corpus.files.map((name) => {
    const csv = readNabCsv(path.join(corpus.root, 'results', detector, name));
    return { name, timestamps: csv.timestamps, scores: csv.scores, windows: corpus.windows[name] ?? [] };
  });
  return scoreAllProfiles(corpus, files);
}

/** Scores per-file scores for every profile of the corpus. */
export function scoreAllProfiles(
  corpus: NabCorpus,
  files: readonly NabFileScores[],
): Record<string, NabProfileResult> {
  const results: Record<string, NabProfileResult> = {};
  for (const [name, profile] of Object.entries(corpus.profiles)) results[name] = scoreCorpus(files, profile);
  return results;
}

/** Detector folders present under `results/`. */
export function publishedDetectors(corpus: NabCorpus): string[] {
  return readdirSync(path.join(corpus.root, 'results')).sort();
}
