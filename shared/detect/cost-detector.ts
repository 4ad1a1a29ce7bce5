import type { CostPoint, IsoDay } from '#shared/cost/cost-point';
import { MAD_TO_SIGMA, RobustScratch } from '#shared/detect/robust-stats';
import { type Money, moneyToNumber, numberToMoney } from '#shared/money';

/** Version tag carried by anomalies, bumped whenever the decision rule changes. */
export const COST_DETECTOR_VERSION = 'seasonal-mad/2';

/** Severity of a day or an episode, from its money impact. */
export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** Severity levels in increasing order (index = rank). */
export const SEVERITY_ORDER: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

/** Why a day was or was not flagged, for explanations and benchmarks. */
export type DayVerdict =
  | 'anomaly'
  | 'normal'
  | 'decrease'
  | 'insufficient-history'
  | 'provisional'
  | 'recurring-charge'
  | 'possible-recurring-charge'
  | 'below-materiality';

/**
 * Tunables of the daily cost detector. Money thresholds are in currency units (numbers) because
 * they are configuration, not accounting; impacts are compared after one conversion.
 */
export interface CostDetectorConfig {
  /** Days of data a series needs before any day can alert (AWS CAD uses 10). */
  minHistoryDays: number;
  /** Trailing days the noise scale (MAD) is estimated from. */
  windowDays: number;
  /** Trailing days the level (median of deseasonalised values) is estimated from. */
  levelDays: number;
  /** Trailing days the weekday profile is estimated from. */
  weekdayLookbackDays: number;
  /** Fraction of the detected trend applied when projecting the level (0 = ignore trends). */
  trendDamping: number;
  /** Minimum statistical score (0..1) for an anomaly. */
  scoreThreshold: number;
  /** Half-width of the expected band, in robust standard deviations. */
  bandSigmas: number;
  /** Noise floor relative to the expected level (a perfectly flat series still has this much). */
  relativeNoiseFloor: number;
  /** Minimum impact (actual − expected) in currency units. */
  minImpact: number;
  /** Minimum impact relative to expected, in percent. */
  minImpactPercent: number;
  /** Statistically high days within a week after which a level shift becomes the new normal. */
  shiftConfirmDays: number;
  /** How many previous months' same day of month are compared for recurring charges. */
  recurringLookbackMonths: number;
  /** Impact thresholds (currency units) for medium, high and critical severity. */
  severityImpact: { medium: number; high: number; critical: number };
}

/** Defaults: tuned on the labelled cost benchmark (bench/detect-cost.ts), never on production data. */
export const DEFAULT_COST_DETECTOR_CONFIG: CostDetectorConfig = {
  minHistoryDays: 10,
  windowDays: 28,
  levelDays: 7,
  weekdayLookbackDays: 35,
  trendDamping: 0.5,
  scoreThreshold: 0.6,
  bandSigmas: 3,
  relativeNoiseFloor: 0.02,
  minImpact: 50,
  minImpactPercent: 20,
  shiftConfirmDays: 3,
  recurringLookbackMonths: 3,
  severityImpact: { medium: 250, high: 1000, critical: 5000 },
};

/** Numeric result arrays of one series, index-aligned with the consecutive input days. */
export interface NumericEvaluation {
  expected: Float64Array;
  sigma: Float64Array;
  score: Float64Array;
  /** Index into DAY_VERDICTS. */
  verdict: Uint8Array;
}

/** Verdict codes of NumericEvaluation.verdict. */
export const DAY_VERDICTS: readonly DayVerdict[] = [
  'anomaly',
  'normal',
  'decrease',
  'insufficient-history',
  'provisional',
  'recurring-charge',
  'possible-recurring-charge',
  'below-materiality',
];
const V_ANOMALY = 0;
const V_NORMAL = 1;
const V_DECREASE = 2;
const V_HISTORY = 3;
const V_PROVISIONAL = 4;
const V_RECURRING = 5;
const V_POSSIBLE_RECURRING = 6;
const V_MATERIALITY = 7;

/** One evaluated series-day. */
export interface CostDayEvaluation {
  day: IsoDay;
  actual: Money;
  expected: Money;
  expectedLow: Money;
  expectedHigh: Money;
  /** actual − expected. */
  impact: Money;
  /** impact ÷ expected × 100 (capped at ±10000 when expected is near zero). */
  impactPercent: number;
  /** 0..1: how unusual the increase is statistically (0 for decreases). */
  score: number;
  severity: Severity;
  /** Score and materiality both passed, the day is final and history sufficient. */
  isAnomaly: boolean;
  verdict: DayVerdict;
  provisional: boolean;
}

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a `YYYY-MM-DD` day. */
export function epochDay(day: IsoDay): number {
  const ms = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO day: ${JSON.stringify(day)}`);
  return Math.round(ms / DAY_MS);
}

/** `YYYY-MM-DD` of a day number since 1970-01-01. */
export function isoDayOf(epoch: number): IsoDay {
  return new Date(epoch * DAY_MS).toISOString().slice(0, 10);
}

/** Statistical score of a robust z: 0 at z ≤ 0, 0.59 at z = 4, 0.86 at z = 6, → 1. */
export function scoreOfZ(z: number): number {
  return z <= 0 ? 0 : 1 - Math.exp(-(z * z) / 18);
}

/** Severity from the money impact of a day (or an episode's largest day). */
export function severityOf(impact: number, thresholds: CostDetectorConfig['severityImpact']): Severity {
  if (impact >= thresholds.critical) return 'critical';
  if (impact >= thresholds.high) return 'high';
  if (impact >= thresholds.medium) return 'medium';
  return 'low';
}

/** Caps a percentage so it stays a finite JSON number when the expected value is ~0. */
export function impactPercentOf(impact: number, expected: number): number {
  const base = Math.abs(expected);
  const percent = base < 1e-9 ? (impact > 0 ? 10_000 : impact < 0 ? -10_000 : 0) : (impact / base) * 100;
  return Math.max(-10_000, Math.min(10_000, Math.round(percent * 100) / 100));
}

/**
 * Core of the daily detector over consecutive days: `values[i]` is day `firstEpochDay + i`.
 * Strictly causal: day i's output depends only on days 0..i. Recurring charges compare the
 * same day of previous months; the weekday profile and level are robust (median/MAD) so
 * one-day dips (holidays, credits) do not move the baseline; a confirmed level shift restarts
 * the baseline so the new level becomes normal.
 */
export function evaluateDailyValues(
  firstEpochDay: number,
  values: ArrayLike<number>,
  provisional: ArrayLike<number> | undefined,
  config: CostDetectorConfig = DEFAULT_COST_DETECTOR_CONFIG,
  scratch: RobustScratch = new RobustScratch(),
): NumericEvaluation {
  const n = values.length;
  const expectedOut = new Float64Array(n);
  const sigmaOut = new Float64Array(n);
  const scoreOut = new Float64Array(n);
  const verdictOut = new Uint8Array(n);
  const factors = new Float64Array(7).fill(1);
  const work = scratch.workspace(n);
  const y = work.y;
  const weekly = new Float64Array(4);
  const pairSlopes = new Float64Array(6);
  const BUCKET_CAPACITY = Math.ceil(config.weekdayLookbackDays / 7) + 1;
  const buckets = new Float64Array(7 * BUCKET_CAPACITY);
  const bucketCounts = new Int32Array(7);
  const rawFactors = new Float64Array(7);
  const weekdays = work.weekdays;
  for (let i = 0; i < n; i += 1) weekdays[i] = (((firstEpochDay + i + 4) % 7) + 7) % 7;
  const zThreshold = Math.sqrt(-18 * Math.log(1 - config.scoreThreshold));
  let factorsComputedAt = -1;
  let factorsVersion = 0;
  let statsAt = -1;
  let statsRegime = -1;
  let statsVersion = -1;
  let center = 0;
  let slope = 0;
  let baseSigma = 0;
  const localMedians = work.local.fill(Number.NaN, 0, n);
  let yVersion = -1;
  // Before a weekly profile can be estimated in a regime, factors stay 1 (no seasonality).
  let regimeStart = 0;
  const highDays: number[] = [];
  let regimeRelativeSigma = Number.NaN;
  // The factor of an ordinary day (median of the seven), refreshed whenever the factors change.
  let ordinaryFactor = 1;
  let ordinaryVersion = -1;
  const weekdayOf = (i: number) => weekdays[i] as number;

  for (let i = 0; i < n; i += 1) {
    const x = values[i] as number;
    const isProvisional = provisional !== undefined && (provisional[i] as number) > 0;
    // Weekday profile: ratios to a centred 7-day median (robust to level shifts), recomputed every
    // two weeks (it changes slowly; recomputing it is a third of the detector's time).
    if (i - regimeStart >= 14 && (factorsComputedAt < regimeStart || i - factorsComputedAt >= 14)) {
      computeWeekdayFactors(i);
      factorsComputedAt = i;
      factorsVersion += 1;
    }
    const histStart = Math.max(regimeStart, i - config.windowDays, 0);
    const histLen = i - histStart;
    if (histLen === 0) {
      expectedOut[i] = x;
      sigmaOut[i] = Math.abs(x) * config.relativeNoiseFloor;
      verdictOut[i] = V_HISTORY;
      y[i] = x / (factors[weekdayOf(i)] as number);
      yVersion = -1;
      continue;
    }
    // y (deseasonalised values) is kept up to date incrementally and rebuilt when factors change.
    if (factorsVersion !== yVersion) {
      for (let j = histStart; j < i; j += 1) y[j] = (values[j] as number) / (factors[weekdayOf(j)] as number);
      yVersion = factorsVersion;
    }
    const levelFrom = Math.max(histStart, i - config.levelDays);
    const recentLevel = scratch.median(y, levelFrom, i);
    // The slow statistics (window median, noise scale, trend) move little from day to day:
    // refreshed weekly once a regime has two weeks of data, daily before (and on any change).
    if (histLen < 14 || i - statsAt >= 7 || statsRegime !== regimeStart || statsVersion !== factorsVersion) {
      statsAt = i;
      statsRegime = regimeStart;
      statsVersion = factorsVersion;
      center = scratch.median(y, histStart, i);
      slope = 0;
      if (histLen >= 21 && config.trendDamping > 0) {
        // Theil–Sen slope over weekly medians: one odd week (holidays, an incident) cannot tilt it.
        // Only growth is projected; a falling trend would only lower the bar for alerts.
        const weeks = Math.min(4, Math.floor(histLen / 7));
        for (let w = 0; w < weeks; w += 1) weekly[w] = scratch.median(y, i - 7 * (w + 1), i - 7 * w);
        let count = 0;
        for (let a = 0; a < weeks; a += 1) {
          for (let b = a + 1; b < weeks; b += 1) {
            pairSlopes[count] = ((weekly[a] as number) - (weekly[b] as number)) / (7 * (b - a));
            count += 1;
          }
        }
        slope = Math.max(0, scratch.median(pairSlopes, 0, count));
      }
      baseSigma = MAD_TO_SIGMA * scratch.mad(y, histStart, i, center);
    }
    // Decreases are absorbed slowly (the window median), increases quickly (the recent median):
    // the end of a holiday lull or of a temporary saving is a return to normal, not an anomaly.
    const level = Math.max(recentLevel, center);
    const expectedLevel = level + config.trendDamping * slope * ((config.levelDays + 1) / 2);
    let sigma = baseSigma;
    if (histLen < 7 && Number.isFinite(regimeRelativeSigma)) {
      sigma = Math.max(sigma, regimeRelativeSigma * Math.abs(expectedLevel));
    }
    sigma = Math.max(sigma, config.relativeNoiseFloor * Math.abs(expectedLevel), 1e-6);
    const factor = factors[weekdayOf(i)] as number;
    if (ordinaryVersion !== factorsVersion) {
      ordinaryFactor = scratch.median(factors, 0, 7);
      ordinaryVersion = factorsVersion;
    }
    let expected = expectedLevel * factor;
    const daySigma = sigma * factor;
    let z = (x - expected) / daySigma;
    let verdict = V_NORMAL;
    const historyDays = i + 1;
    // Recurring charges only matter when the day is high: evaluate lazily.
    if (z >= zThreshold) {
      const recurring = recurringExcess(i, sigma);
      if (recurring.amount > 0) {
        expected += recurring.amount;
        z = (x - expected) / daySigma;
        if (z < zThreshold) verdict = V_RECURRING;
      }
      // The 1st is when fees, commitments and support are billed; a new or grown one is not an
      // incident, and an incident that starts on the 1st is still high on the 2nd (one day later).
      if (verdict === V_NORMAL && z >= zThreshold && recurring.monthStart) verdict = V_POSSIBLE_RECURRING;
    }
    const score = scoreOfZ(z);
    const impact = x - expected;
    if (verdict === V_NORMAL) {
      if (impact <= 0 || x <= 0) verdict = V_DECREASE;
      else if (historyDays <= config.minHistoryDays) verdict = V_HISTORY;
      else if (score < config.scoreThreshold) verdict = V_NORMAL;
      // A quiet weekday (weekend) that costs no more than an ordinary day is a drifting weekly
      // profile, not an incident: the profile lags additive changes by a few weeks.
      else if (factor < 0.95 && x <= expectedLevel * (1 + config.minImpactPercent / 100)) verdict = V_NORMAL;
      // A day the profile rates quieter than an ordinary day must also exceed an ordinary day by
      // a material amount: a weekday factor is a median of about five samples and can sit 5–10%
      // low by chance, which alone would turn an ordinary-looking day into a 20% "increase".
      else if (
        factor < ordinaryFactor &&
        x - expectedLevel * ordinaryFactor <
          Math.max(config.minImpact, (expected * config.minImpactPercent) / 100)
      )
        verdict = V_NORMAL;
      else if (isProvisional) verdict = V_PROVISIONAL;
      else if (impact < config.minImpact || impactPercentOf(impact, expected) < config.minImpactPercent)
        verdict = V_MATERIALITY;
      else verdict = V_ANOMALY;
    }
    y[i] = x / factor;
    expectedOut[i] = expected;
    sigmaOut[i] = daySigma;
    scoreOut[i] = verdict === V_DECREASE ? 0 : score;
    verdictOut[i] = verdict;
    // Level shift: several statistically high final days within a week restart the baseline at
    // the first of them (the median alone can adapt within days while the old weekly profile,
    // wrong for an additive new cost, would keep flagging weekends for weeks).
    // Only material days count: a slow ramp's early, small excesses must not reset the baseline.
    if (
      !isProvisional &&
      z >= zThreshold &&
      verdict !== V_RECURRING &&
      verdict !== V_POSSIBLE_RECURRING &&
      impact >= config.minImpact &&
      impactPercentOf(impact, expected) >= config.minImpactPercent
    ) {
      highDays.push(i);
      while ((highDays[0] as number) < i - 6) highDays.shift();
      if (highDays.length >= config.shiftConfirmDays) {
        regimeRelativeSigma = Math.abs(expectedLevel) > 1e-9 ? sigma / Math.abs(expectedLevel) : Number.NaN;
        regimeStart = highDays[0] as number;
        highDays.length = 0;
        // The weekly profile of the old regime may not hold (an additive 24/7 cost flattens it).
        factors.fill(1);
        factorsVersion += 1;
      }
    }
  }
  return { expected: expectedOut, sigma: sigmaOut, score: scoreOut, verdict: verdictOut };

  function computeWeekdayFactors(i: number): void {
    bucketCounts.fill(0);
    const from = Math.max(3, i - config.weekdayLookbackDays, regimeStart + 3);
    for (let j = from; j <= i - 4; j += 1) {
      let local = localMedians[j] as number;
      if (Number.isNaN(local)) {
        local = scratch.median(values, j - 3, j + 4);
        localMedians[j] = local;
      }
      if (local > 1e-9) {
        const w = weekdays[j] as number;
        const count = bucketCounts[w] as number;
        if (count < BUCKET_CAPACITY) {
          buckets[w * BUCKET_CAPACITY + count] = (values[j] as number) / local;
          bucketCounts[w] = count + 1;
        }
      }
    }
    let sum = 0;
    for (let w = 0; w < 7; w += 1) {
      const count = bucketCounts[w] as number;
      // Three samples per weekday at least: with two, one credit or holiday decides the median.
      if (count < 3) {
        factors.fill(1);
        return;
      }
      rawFactors[w] = Math.max(0, scratch.median(buckets, w * BUCKET_CAPACITY, w * BUCKET_CAPACITY + count));
      sum += rawFactors[w] as number;
    }
    if (sum <= 0) {
      factors.fill(1);
      return;
    }
    let maxDeviation = 0;
    for (let w = 0; w < 7; w += 1) {
      rawFactors[w] = Math.max(0.02, ((rawFactors[w] as number) * 7) / sum);
      maxDeviation = Math.max(maxDeviation, Math.abs((rawFactors[w] as number) - 1));
    }
    // Below 5% the weekly pattern is noise; applying it would only add variance.
    for (let w = 0; w < 7; w += 1) factors[w] = maxDeviation < 0.05 ? 1 : (rawFactors[w] as number);
  }

  function recurringExcess(i: number, sigma: number): { amount: number; monthStart: boolean } {
    const date = new Date((firstEpochDay + i) * DAY_MS);
    const dayOfMonth = date.getUTCDate();
    const isLastDay = new Date((firstEpochDay + i + 1) * DAY_MS).getUTCDate() === 1;
    const excesses: number[] = [];
    let seen = 0;
    for (let m = 1; m <= config.recurringLookbackMonths; m += 1) {
      const year = date.getUTCFullYear();
      const month = date.getUTCMonth() - m;
      const lastOfThatMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
      const targetDay = isLastDay ? lastOfThatMonth : dayOfMonth;
      if (targetDay > lastOfThatMonth) continue;
      const k = Math.round(Date.UTC(year, month, targetDay) / DAY_MS) - firstEpochDay;
      if (k < 0) break;
      seen += 1;
      const from = Math.max(0, k - 7);
      const to = Math.min(i, k + 8);
      const neighbours: number[] = [];
      for (let j = from; j < to; j += 1) {
        if (j !== k) neighbours.push((values[j] as number) / (factors[weekdayOf(j)] as number));
      }
      if (neighbours.length < 3) continue;
      const local = scratch.median(neighbours, 0, neighbours.length) * (factors[weekdayOf(k)] as number);
      const excess = (values[k] as number) - local;
      if (excess > 3 * sigma * (factors[weekdayOf(k)] as number)) excesses.push(excess);
    }
    const monthStart = dayOfMonth === 1;
    if (seen === 0 || excesses.length * 2 < seen) return { amount: 0, monthStart };
    // The largest recent occurrence: a fee that grew since is still a fee up to that size.
    return { amount: Math.max(...excesses), monthStart };
  }
}

/**
 * Evaluates every day of one series (points of a single series and currency, any order; days
 * without a point count as zero cost). Pure; see evaluateDailyValues for the method.
 */
export function evaluateCostSeries(
  points: readonly CostPoint[],
  config: CostDetectorConfig = DEFAULT_COST_DETECTOR_CONFIG,
): CostDayEvaluation[] {
  if (points.length === 0) return [];
  const sorted = [...points].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  const first = epochDay((sorted[0] as CostPoint).day);
  const last = epochDay((sorted[sorted.length - 1] as CostPoint).day);
  const n = last - first + 1;
  const amounts: Money[] = new Array<Money>(n).fill(0n);
  const provisional = new Uint8Array(n);
  for (const point of sorted) {
    const index = epochDay(point.day) - first;
    amounts[index] = (amounts[index] as Money) + point.amount;
    if (point.provisional) provisional[index] = 1;
  }
  const values = Float64Array.from(amounts, (amount) => moneyToNumber(amount));
  const result = evaluateDailyValues(first, values, provisional, config);
  const out: CostDayEvaluation[] = [];
  for (let i = 0; i < n; i += 1) {
    const expectedNumber = result.expected[i] as number;
    const band = config.bandSigmas * (result.sigma[i] as number);
    const actual = amounts[i] as Money;
    const expected = numberToMoney(roundCents(expectedNumber));
    const impact = actual - expected;
    const impactNumber = moneyToNumber(impact);
    const verdict = DAY_VERDICTS[result.verdict[i] as number] ?? 'normal';
    out.push({
      day: isoDayOf(first + i),
      actual,
      expected,
      expectedLow: numberToMoney(roundCents(expectedNumber - band)),
      expectedHigh: numberToMoney(roundCents(expectedNumber + band)),
      impact,
      impactPercent: impactPercentOf(impactNumber, expectedNumber),
      score: Math.round((result.score[i] as number) * 10_000) / 10_000,
      severity: severityOf(impactNumber, config.severityImpact),
      isAnomaly: verdict === 'anomaly',
      verdict,
      provisional: provisional[i] === 1,
    });
  }
  return out;
}

function roundCents(value: number): number {
  return Math.round(value * 100) / 100;
}
