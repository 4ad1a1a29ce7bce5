import { sampleCorrelation } from 'simple-statistics';
import { MAD_TO_SIGMA, RobustScratch } from '#shared/detect/robust-stats';

/**
 * Streaming anomaly detector for regular high-frequency metrics (utilisation, request counts).
 * Strictly online: the output for row t depends only on rows ≤ t. Tunables are documented
 * with their defaults; none were fitted on labels (NAB's threshold sweep is part of scoring).
 */
export interface GenericDetectorOptions {
  /** Recent rows the local level and spread are estimated from. */
  localWindow: number;
  /** Rows of raw scores averaged for the short-term view of the anomaly likelihood. */
  shortWindow: number;
  /** Rows of raw-score history the likelihood distribution is estimated from. */
  longWindow: number;
  /** Rows before any score is emitted (the model only learns). */
  warmupRows: number;
  /** Rows during which scores are damped after a reported anomaly (one alert per incident). */
  quietRows: number;
  /** Score at or above which `isAnomaly` is true. */
  threshold: number;
  /** How raw scores become scores: ratio to the recent record, or HTM-style likelihood. */
  scoring: 'record' | 'likelihood';
  /** Raw score below which a record is not trusted fully. */
  minRaw: number;
  /** Candidate periods are searched up to this many rows. */
  maxPeriod: number;
}

/** Defaults chosen from first principles (a day of 5-minute rows is 288). */
export const DEFAULT_GENERIC_OPTIONS: GenericDetectorOptions = {
  localWindow: 64,
  shortWindow: 8,
  longWindow: 1000,
  warmupRows: 150,
  quietRows: 300,
  threshold: 0.9,
  maxPeriod: 1500,
  scoring: 'record',
  minRaw: 2,
};

/** One scored row. */
export interface GenericScore {
  score: number;
  isAnomaly: boolean;
}

/**
 * Autocorrelation period detection over `values`: the lag in [2, maxPeriod] with the highest
 * autocorrelation that is a local peak and above 0.3, or undefined when none is.
 */
export function detectPeriod(values: ArrayLike<number>, maxPeriod: number): number | undefined {
  const n = values.length;
  const limit = Math.min(maxPeriod, Math.floor(n / 3));
  if (limit < 4) return undefined;
  const series = Array.from(values);
  const correlations: number[] = [0, 0];
  for (let lag = 2; lag <= limit + 1; lag += 1) {
    const head = series.slice(0, n - lag);
    const tail = series.slice(lag);
    const r = sampleCorrelation(head, tail);
    correlations.push(Number.isFinite(r) ? r : 0);
  }
  // A real period is a peak preceded by a trough at least 0.15 lower (noise makes tiny local
  // peaks at small lags); multiples of the period are peaks too, so the smallest lag within
  // 90% of the best peak wins.
  const peaks: Array<{ lag: number; r: number }> = [];
  let trough = 1;
  for (let lag = 3; lag <= limit; lag += 1) {
    const r = correlations[lag] as number;
    trough = Math.min(trough, r);
    if (
      r > 0.3 &&
      r >= (correlations[lag - 1] as number) &&
      r >= (correlations[lag + 1] as number) &&
      r - trough >= 0.15
    ) {
      peaks.push({ lag, r });
    }
  }
  const top = Math.max(0, ...peaks.map((peak) => peak.r));
  const best = peaks.find((peak) => peak.r >= 0.9 * top)?.lag;
  return best;
}

/** The online detector: push rows in order, read each row's score. */
export class GenericDetector {
  private readonly options: GenericDetectorOptions;
  private readonly values: number[] = [];
  private readonly raw: number[] = [];
  private readonly averages: number[] = [];
  private readonly scratch = new RobustScratch(128);
  private period: number | undefined;
  private nextPeriodCheck = 500;
  private lastAlert = Number.NEGATIVE_INFINITY;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;

  constructor(options: Partial<GenericDetectorOptions> = {}) {
    this.options = { ...DEFAULT_GENERIC_OPTIONS, ...options };
  }

  /** Scores the next row; its output never changes once returned. */
  push(value: number): GenericScore {
    const o = this.options;
    const t = this.values.length;
    const x = Number.isFinite(value) ? value : (this.values[t - 1] ?? 0);
    const range = this.max - this.min;
    // Novelty: how far outside everything seen so far the value lies, relative to the seen range.
    let novelty = 0;
    if (t > 0 && range > 0) {
      const outside = x > this.max ? x - this.max : x < this.min ? this.min - x : 0;
      novelty = Math.min(1, outside / range);
    }
    // Local deviation: robust z against the recent window, bounded.
    let local = 0;
    if (t >= 8) {
      const from = Math.max(0, t - o.localWindow);
      const center = this.scratch.median(this.values, from, t);
      const spread = MAD_TO_SIGMA * this.scratch.mad(this.values, from, t, center);
      const floor = range > 0 ? 0.01 * range : Math.abs(center) * 0.01 + 1e-9;
      local = Math.abs(x - center) / Math.max(spread, floor);
    }
    // Seasonal deviation: against the same phase one period ago, when a period is known.
    let seasonal = local;
    if (this.period !== undefined && t >= this.period + 8) {
      const p = this.period;
      const from = Math.max(p, t - o.localWindow);
      const diffs = (k: number) => (this.values[from + k] as number) - (this.values[from + k - p] as number);
      const count = t - from;
      const sortedDiffs = this.scratch.sorted(count, diffs);
      const center = sortedDiffs[count >> 1] as number;
      const spread = MAD_TO_SIGMA * this.scratch.mad(Array.from(sortedDiffs), 0, count, center);
      const floor = range > 0 ? 0.01 * range : 1e-9;
      seasonal = Math.abs(x - (this.values[t - p] as number) - center) / Math.max(spread, floor);
    }
    const deviation = Math.min(local, seasonal);
    const rawScore = Math.max(novelty * 10, Math.log1p(deviation));
    this.values.push(x);
    this.raw.push(rawScore);
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    if (t + 1 >= this.nextPeriodCheck) {
      this.period = detectPeriod(
        this.values.slice(-Math.min(this.values.length, 3 * o.maxPeriod)),
        o.maxPeriod,
      );
      this.nextPeriodCheck *= 2;
    }
    if (t < o.warmupRows) return { score: 0, isAnomaly: false };
    const score =
      (this.options.scoring === 'likelihood' ? this.likelihood(t) : this.recordRatio(t)) *
      this.quietFactor(t);
    const isAnomaly = score >= o.threshold;
    if (isAnomaly) this.lastAlert = t;
    return { score, isAnomaly };
  }

  /**
   * HTM-style anomaly likelihood: the short-term mean of raw scores against the Gaussian fitted
   * to the previous short-term means (over longWindow rows), as a tail probability.
   */
  private likelihood(t: number): number {
    const o = this.options;
    let short = 0;
    const shortFrom = Math.max(0, t + 1 - o.shortWindow);
    for (let k = shortFrom; k <= t; k += 1) short += this.raw[k] as number;
    short /= t + 1 - shortFrom;
    this.averages.push(short);
    const from = Math.max(0, this.averages.length - 1 - o.longWindow);
    const to = this.averages.length - 1;
    let sum = 0;
    let sumSq = 0;
    for (let k = from; k < to; k += 1) {
      const a = this.averages[k] as number;
      sum += a;
      sumSq += a * a;
    }
    const count = Math.max(1, to - from);
    const mean = sum / count;
    const sd = Math.sqrt(Math.max(sumSq / count - mean * mean, 0));
    const z = (short - mean) / Math.max(sd, 1e-3);
    return normalCdf(z);
  }

  /** How far the raw score exceeds the largest of the previous longWindow rows (scale-free). */
  private recordRatio(t: number): number {
    const from = Math.max(0, t - this.options.longWindow);
    let peak = 0;
    for (let k = from; k < t; k += 1) peak = Math.max(peak, this.raw[k] as number);
    const r = this.raw[t] as number;
    const ratio = r / Math.max(peak, 1e-9);
    const strength = Math.min(1, r / this.options.minRaw);
    return (strength * ratio * ratio) / (1 + ratio * ratio);
  }

  private quietFactor(t: number): number {
    const since = t - this.lastAlert;
    return since >= this.options.quietRows ? 1 : since / this.options.quietRows;
  }
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(z)) / Math.SQRT2);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Scores a whole series with a fresh detector (same as pushing row by row). */
export function scoreGenericSeries(
  values: ArrayLike<number>,
  options: Partial<GenericDetectorOptions> = {},
): GenericScore[] {
  const detector = new GenericDetector(options);
  const out: GenericScore[] = [];
  for (let i = 0; i < values.length; i += 1) out.push(detector.push(values[i] as number));
  return out;
}
