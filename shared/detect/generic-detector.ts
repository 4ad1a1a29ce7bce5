import { MAD_TO_SIGMA, RobustScratch } from '#shared/detect/robust-stats';

/**
 * Streaming anomaly detector for regular high-frequency metrics (utilisation, request counts).
 * Strictly online: the output for row t depends only on rows ≤ t. Each row gets a surprise
 * (robust deviation from the recent level, or from the same phase one period ago when a period
 * is detected, plus novelty beyond the range seen so far); the score is how rare that surprise
 * is in the row's own history, from a peaks-over-threshold (generalised Pareto) fit, so one
 * threshold means the same false-alarm rate on every series. A second, contextual view adds a
 * fixed bonus when the move from the previous quantised level to the current one has never been
 * seen (a first-order transition model over a few levels of the range seen so far). After a
 * row scores high, the next few rows are muted (one alert per incident). The detector never
 * sees labels; its defaults were chosen on the NAB subset (see BENCHMARKS.md).
 */
export interface GenericDetectorOptions {
  /** Recent rows the local level and spread are estimated from. */
  localWindow: number;
  /** Rows averaged for the sustained-change view of the surprise. */
  shortWindow: number;
  /** Rows of surprise history the tail is fitted on. */
  longWindow: number;
  /** Rows before any score is emitted (the model only learns). */
  warmupRows: number;
  /** Rows a surprise must be a record over (× recordRatio) to keep its full score (one alert per incident). */
  quietRows: number;
  /**
   * Score at or above which `isAnomaly` is true: 0.5 ≈ a surprise fitted as rarer than 1 in
   * 100,000 rows, or 1 in 1,000 with a never-seen level transition. Tail fits extrapolate: on
   * Gaussian white noise about 1 row in 4,000 (values beyond ~4σ) still reaches 0.5.
   */
  threshold: number;
  /** Candidate periods are searched up to this many rows. */
  maxPeriod: number;
  /** Quantile of the surprise history above which the Pareto tail is fitted. */
  tailQuantile: number;
  /** Factor applied to a surprise that is not a new record within quietRows. */
  repeatFactor: number;
  /** How fast a value beyond the seen range becomes rare (per range width); 0 disables novelty. */
  noveltyRate: number;
  /** A surprise keeps its full score only when it exceeds the recent maximum by this ratio. */
  recordRatio: number;
  /** Score added when the transition between quantised levels was never seen; 0 disables it. */
  transitionWeight: number;
  /** Levels the range seen so far is cut into for the transition model. */
  transitionLevels: number;
  /** Recent rows the transition model is rebuilt from when the range grows. */
  transitionHistory: number;
  /** The transition model is requantised when the range exceeds the quantised range by this factor. */
  transitionRegrowth: number;
  /** Rows muted (score 0) after a row whose score reached restLevel; 0 disables muting. */
  restRows: number;
  /** Score from which the following restRows rows are muted. */
  restLevel: number;
}

/**
 * Defaults. Window sizes come from first principles (a day of 5-minute rows is 288); the tail
 * quantile, novelty rate, record ratio, transition weight/levels/history and the mute were chosen
 * by comparing about 160 settings on the NAB subset (see BENCHMARKS.md and
 * bench/detect-nab-tune.ts), so that score is optimistic for unseen data.
 */
export const DEFAULT_GENERIC_OPTIONS: GenericDetectorOptions = {
  localWindow: 200,
  shortWindow: 2,
  longWindow: 3000,
  warmupRows: 150,
  quietRows: 100,
  threshold: 0.5,
  maxPeriod: 600,
  tailQuantile: 0.8,
  repeatFactor: 0.5,
  noveltyRate: 100,
  recordRatio: 3,
  transitionWeight: 0.2,
  transitionLevels: 8,
  transitionHistory: 10_000,
  transitionRegrowth: 1.2,
  restRows: 20,
  restLevel: 0.3,
};

/** Rows of raw values kept (period detection looks at the last 4000; seasonal at 3 periods). */
const KEPT_VALUES = 4096;

/**
 * Drops the oldest entries once `array` holds more than twice `keep` (amortised O(1) per row),
 * so a detector's memory stays bounded however long the stream.
 */
function trimFront(array: number[], keep: number): number {
  if (array.length <= 2 * keep + 64) return 0;
  const dropped = array.length - keep;
  array.splice(0, dropped);
  return dropped;
}

/** Rows the seasonal view is calibrated on before its probabilities replace the local view's. */
const SEASONAL_CALIBRATION_ROWS = 100;

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
  let mean = 0;
  for (let k = 0; k < n; k += 1) mean += values[k] as number;
  mean /= n;
  const centered = new Float64Array(n);
  let variance = 0;
  for (let k = 0; k < n; k += 1) {
    const d = (values[k] as number) - mean;
    centered[k] = d;
    variance += d * d;
  }
  if (variance <= 0) return undefined;
  const correlations: number[] = [0, 0];
  for (let lag = 2; lag <= limit + 1; lag += 1) {
    let sum = 0;
    for (let k = lag; k < n; k += 1) sum += (centered[k] as number) * (centered[k - lag] as number);
    correlations.push(sum / (n - lag) / (variance / n));
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

/**
 * First-order transition model over quantised levels: is the move from the previous level to the
 * current one new? Levels cut the range seen so far into equal steps (values outside it get their
 * own below/above levels); when the range grows past the quantised one, the model is rebuilt
 * from the recent history under the new quantisation, so memory stays bounded.
 */
class TransitionNovelty {
  private readonly history: number[] = [];
  private readonly counts: Float64Array;
  private readonly successors: Float64Array;
  private readonly base: number;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private origin = 0;
  private step = 0;
  private previous = -1;

  constructor(
    private readonly levels: number,
    private readonly historyRows: number,
    private readonly regrowth: number,
  ) {
    this.base = levels + 2;
    this.counts = new Float64Array(this.base * this.base);
    this.successors = new Float64Array(this.base);
  }

  private level(x: number): number {
    if (this.step <= 0) return 1;
    const q = Math.floor((x - this.origin) / this.step);
    return q < 0 ? 0 : q >= this.levels ? this.levels + 1 : q + 1;
  }

  private learn(from: number, to: number): void {
    this.counts[from * this.base + to] = (this.counts[from * this.base + to] as number) + 1;
    this.successors[from] = (this.successors[from] as number) + 1;
  }

  /** 1 when the transition into x (or any move out of the previous level) is new, else 0; then learns. */
  push(x: number): number {
    const q = this.level(x);
    const p = this.previous;
    let novelty = 0;
    if (p >= 0) {
      novelty = this.successors[p] === 0 || this.counts[p * this.base + q] === 0 ? 1 : 0;
      this.learn(p, q);
    }
    this.previous = q;
    this.history.push(x);
    if (this.history.length > 2 * this.historyRows)
      this.history.splice(0, this.history.length - this.historyRows);
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    const range = this.max - this.min;
    if (range > 0 && (this.step <= 0 || range > this.regrowth * this.step * this.levels)) {
      this.origin = this.min;
      this.step = (range / this.levels) * (1 + 1e-9);
      this.counts.fill(0);
      this.successors.fill(0);
      const from = Math.max(0, this.history.length - this.historyRows);
      let last = -1;
      for (let k = from; k < this.history.length; k += 1) {
        const level = this.level(this.history[k] as number);
        if (last >= 0) this.learn(last, level);
        last = level;
      }
      this.previous = last;
    }
    return novelty;
  }
}

/** Tail of one surprise stream: refitted periodically on its recent history. */
class SurpriseTail {
  private readonly history: number[] = [];
  private threshold = Number.POSITIVE_INFINITY;
  private scale = 1;
  private shape = 0;
  private sinceFit = Number.POSITIVE_INFINITY;

  constructor(
    private readonly window: number,
    private readonly quantile: number,
  ) {}

  /** P(surprise ≥ value) under the current fit (before `value` joins the history). */
  tailProbability(value: number): number {
    if (this.history.length < 50) return 1;
    if (value <= this.threshold) return 1 - this.quantile;
    const y = value - this.threshold;
    const xi = this.shape;
    if (Math.abs(xi) < 1e-6) return (1 - this.quantile) * Math.exp(-y / this.scale);
    const base = 1 + (xi * y) / this.scale;
    // Beyond the end point of a bounded (ξ < 0) tail: rarer than anything the fit allows.
    if (base <= 0) {
      // Beyond the end point of the fitted bounded (ξ < 0) tail: the end point is an estimate, so
      // the overshoot is scored with an exponential tail from there, starting at 1 in 1,000.
      const endPoint = this.scale / -xi;
      return (1 - this.quantile) * 1e-3 * Math.exp(-(y - endPoint) / this.scale);
    }
    return (1 - this.quantile) * base ** (-1 / xi);
  }

  add(value: number): void {
    this.history.push(value);
    if (this.history.length > this.window) this.history.shift();
    this.sinceFit += 1;
    // Refit every 50 rows: the tail moves slowly and sorting 3000 numbers per row is wasteful.
    if (this.sinceFit >= 50 && this.history.length >= 50) {
      const sorted = Float64Array.from(this.history).sort();
      const cut = Math.floor(this.quantile * sorted.length);
      this.threshold = sorted[cut] as number;
      let sum = 0;
      let sumSq = 0;
      const count = Math.max(1, sorted.length - cut);
      for (let k = cut; k < sorted.length; k += 1) {
        const excess = (sorted[k] as number) - this.threshold;
        sum += excess;
        sumSq += excess * excess;
      }
      const mean = Math.max(sum / count, 1e-9);
      const variance = Math.max(sumSq / count - mean * mean, 1e-18);
      // Generalised Pareto by the method of moments, shape kept in [-0.3, 0.9]: a strongly
      // bounded tail fitted on a few thousand rows is too sure of its end point.
      const ratio = (mean * mean) / variance;
      this.shape = Math.min(0.9, Math.max(-0.3, 0.5 * (1 - ratio)));
      this.scale = Math.max(0.5 * mean * (ratio + 1), 1e-9);
      this.sinceFit = 0;
    }
  }
}

/**
 * One way of measuring deviation (local or seasonal) with its own calibration: the tail of
 * single-row deviations and of their short-window mean.
 */
class DeviationStream {
  private readonly deviations: number[] = [];
  private observed = 0;
  private readonly point: SurpriseTail;
  private readonly sustained: SurpriseTail;

  constructor(private readonly options: GenericDetectorOptions) {
    this.point = new SurpriseTail(options.longWindow, options.tailQuantile);
    this.sustained = new SurpriseTail(options.longWindow, options.tailQuantile);
  }

  /** Rows observed so far. */
  get size(): number {
    return this.observed;
  }

  /** Tail probability of this row (either view, Bonferroni ×2), then learns from it. */
  observe(deviation: number): number {
    this.deviations.push(deviation);
    this.observed += 1;
    trimFront(this.deviations, this.options.shortWindow);
    const from = Math.max(0, this.deviations.length - this.options.shortWindow);
    let mean = 0;
    for (let k = from; k < this.deviations.length; k += 1) mean += this.deviations[k] as number;
    mean /= this.deviations.length - from;
    const probability =
      2 * Math.min(this.point.tailProbability(deviation), this.sustained.tailProbability(mean));
    this.point.add(deviation);
    this.sustained.add(mean);
    return probability;
  }
}

/** The online detector: push rows in order, read each row's score. */
export class GenericDetector {
  private readonly options: GenericDetectorOptions;
  private readonly values: number[] = [];
  /** Rows pushed so far; `values[i - dropped]` is row i. */
  private count = 0;
  private dropped = 0;
  private readonly surprises: number[] = [];
  private readonly transitions: TransitionNovelty;
  private mutedUntil = -1;
  private readonly residuals: number[] = [];
  private readonly phase = new Float64Array(3);
  private readonly scratch = new RobustScratch(128);
  private readonly localStream: DeviationStream;
  private seasonalStream: DeviationStream;
  private period: number | undefined;
  private nextPeriodCheck = 600;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;

  constructor(options: Partial<GenericDetectorOptions> = {}) {
    this.options = { ...DEFAULT_GENERIC_OPTIONS, ...options };
    this.localStream = new DeviationStream(this.options);
    this.seasonalStream = new DeviationStream(this.options);
    this.transitions = new TransitionNovelty(
      this.options.transitionLevels,
      this.options.transitionHistory,
      this.options.transitionRegrowth,
    );
  }

  /** Scores the next row; its output never changes once returned. */
  push(value: number): GenericScore {
    const o = this.options;
    const t = this.count;
    const x = Number.isFinite(value) ? value : (this.values[this.values.length - 1] ?? 0);
    const range = this.max - this.min;
    const floor = range > 0 ? 0.005 * range : 1e-9;
    // Novelty: how far outside everything seen so far the value lies, relative to the seen range.
    let novelty = 0;
    if (t > 0 && range > 0) {
      const outside = x > this.max ? x - this.max : x < this.min ? this.min - x : 0;
      novelty = outside / range;
    }
    let local = 0;
    if (t >= 8) {
      const to = this.values.length;
      const from = Math.max(0, to - o.localWindow);
      const center = this.scratch.median(this.values, from, to);
      const spread = MAD_TO_SIGMA * this.scratch.mad(this.values, from, to, center);
      local = Math.abs(x - center) / Math.max(spread, floor);
    }
    let probability = this.localStream.observe(local);
    const transition = o.transitionWeight > 0 ? this.transitions.push(x) : 0;
    // Seasonal view (a move the same phase made in previous periods is explained), calibrated
    // on its own; it takes over once it has seen SEASONAL_CALIBRATION_ROWS rows.
    const p = this.period;
    if (p !== undefined && t >= p + 8) {
      const seasonal = this.seasonalDeviation(t, x, p, floor);
      if (Number.isFinite(seasonal)) {
        const seasonalProbability = this.seasonalStream.observe(seasonal);
        if (this.seasonalStream.size > SEASONAL_CALIBRATION_ROWS) probability = seasonalProbability;
      }
    }
    if (novelty > 0 && o.noveltyRate > 0)
      probability = Math.min(probability, 0.01 * Math.exp(-o.noveltyRate * novelty));
    this.values.push(x);
    this.count += 1;
    this.dropped += trimFront(this.values, Math.max(KEPT_VALUES, 3 * o.maxPeriod + 8, o.localWindow));
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    if (t + 1 >= this.nextPeriodCheck) {
      const period = detectPeriod(this.values.slice(-Math.min(this.values.length, 4000)), o.maxPeriod);
      // Residuals against another period are not comparable: the seasonal view starts again.
      if (period !== this.period) {
        this.residuals.length = 0;
        this.seasonalStream = new DeviationStream(o);
      }
      this.period = period;
      this.nextPeriodCheck *= 2;
    }
    if (t < o.warmupRows) return { score: 0, isAnomaly: false };
    // −log10 of the tail probability, on a 0..1 scale (1 = rarer than 1 in 10^10 rows).
    const surprise = Math.min(1, -Math.log10(Math.max(probability, 1e-300)) / 10);
    // One alert per incident, whatever threshold is used: within quietRows only a new record
    // surprise keeps its full score; repeats of an ongoing incident are halved.
    let recentMax = 0;
    const recentFrom = Math.max(0, this.surprises.length - o.quietRows);
    for (let k = recentFrom; k < this.surprises.length; k += 1)
      recentMax = Math.max(recentMax, this.surprises[k] as number);
    this.surprises.push(surprise);
    trimFront(this.surprises, o.quietRows);
    const record = surprise > o.recordRatio * recentMax;
    const raw = Math.min(
      1,
      (record ? surprise : surprise * o.repeatFactor) + o.transitionWeight * transition,
    );
    // After a high row, the next restRows rows are muted: NAB-style windows and alert channels
    // both count an incident once, and its echoes are false alarms.
    const muted = t <= this.mutedUntil;
    if (o.restRows > 0 && raw >= o.restLevel) this.mutedUntil = Math.max(this.mutedUntil, t + o.restRows);
    const score = muted ? 0 : raw;
    // The decision is the same score against the product's threshold.
    return { score, isAnomaly: score >= o.threshold };
  }

  /**
   * Deviation from the seasonal expectation: the median of the same phase in up to three
   * previous periods, allowing ±2 rows of phase jitter (the best-matching offset wins), scaled
   * by the robust spread of the recent seasonal residuals.
   */
  private seasonalDeviation(t: number, x: number, p: number, floor: number): number {
    let best = Number.POSITIVE_INFINITY;
    for (let delta = -2; delta <= 2; delta += 1) {
      let count = 0;
      for (let k = 1; k <= 3; k += 1) {
        const index = t - k * p + delta;
        if (index - this.dropped >= 0 && index < t) {
          this.phase[count] = this.values[index - this.dropped] as number;
          count += 1;
        }
      }
      if (count === 0) continue;
      const residual = x - this.scratch.median(this.phase, 0, count);
      if (Math.abs(residual) < Math.abs(best)) best = residual;
    }
    if (!Number.isFinite(best)) best = 0;
    const history = this.residuals;
    const from = Math.max(0, history.length - this.options.localWindow);
    const deviation =
      history.length - from >= 32
        ? (() => {
            const center = this.scratch.median(history, from, history.length);
            const spread = MAD_TO_SIGMA * this.scratch.mad(history, from, history.length, center);
            return Math.abs(best - center) / Math.max(spread, floor);
          })()
        : Number.NaN;
    history.push(best);
    trimFront(history, this.options.localWindow);
    return deviation;
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
