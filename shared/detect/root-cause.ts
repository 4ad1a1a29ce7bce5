import type { CostPoint, IsoDay } from '#shared/cost/cost-point';
import { epochDay } from '#shared/detect/cost-detector';
import { type Money, moneyToNumber } from '#shared/money';

/** One child's part in a change, money exact, share of the series' delta 0..1 (can exceed 1). */
export interface RankedContributor {
  dimension: string;
  value: string;
  actual: Money;
  expected: Money;
  delta: Money;
  share: number;
}

/** Most specific first: when two children explain the same delta, the narrower one is named first. */
const SPECIFICITY: Record<string, number> = {
  resource: 6,
  'k8s-workload': 6,
  'usage-type': 5,
  'k8s-namespace': 4,
  service: 3,
  account: 2,
  region: 1,
};

/** Options of rankContributors. */
export interface RootCauseOptions {
  /** Contributors with a smaller share of the delta are dropped. */
  minShare: number;
  /** At most this many contributors are returned. */
  limit: number;
  /** Previous same-weekday days used as the baseline. */
  baselineWeeks: number;
}

/** Defaults: contributors explaining at least 5% of the change, top 5, four weeks of baseline. */
export const DEFAULT_ROOT_CAUSE_OPTIONS: RootCauseOptions = { minShare: 0.05, limit: 5, baselineWeeks: 4 };

/**
 * Ranks the children that explain a series' change on `day`: each contributor's actual that
 * day minus its median over the same weekday of the previous `baselineWeeks` weeks (missing =
 * zero), as a share of the series' delta. Ordered by share (in 10% buckets), then specificity.
 */
export function rankContributors(
  points: readonly CostPoint[],
  day: IsoDay,
  seriesDelta: Money,
  options: RootCauseOptions = DEFAULT_ROOT_CAUSE_OPTIONS,
): RankedContributor[] {
  const target = epochDay(day);
  const byDay = new Map<number, CostPoint>();
  for (const point of points) byDay.set(epochDay(point.day), point);
  const actualPoint = byDay.get(target);
  if (!actualPoint?.contributors) return [];
  const baselineDays: CostPoint[] = [];
  for (let week = 1; week <= options.baselineWeeks; week += 1) {
    const point = byDay.get(target - 7 * week);
    baselineDays.push(point ?? { ...actualPoint, day: '', amount: 0n, contributors: [] });
  }
  const keys = new Map<string, { dimension: string; value: string }>();
  const keyOf = (dimension: string, value: string) => `${dimension}\u0000${value}`;
  for (const point of [actualPoint, ...baselineDays]) {
    for (const c of point.contributors ?? [])
      keys.set(keyOf(c.dimension, c.value), { dimension: c.dimension, value: c.value });
  }
  const amountOn = (point: CostPoint, key: string): Money => {
    let sum = 0n;
    for (const c of point.contributors ?? []) if (keyOf(c.dimension, c.value) === key) sum += c.amount;
    return sum;
  };
  const totalDelta = moneyToNumber(seriesDelta);
  const ranked: RankedContributor[] = [];
  for (const [key, { dimension, value }] of keys) {
    const actual = amountOn(actualPoint, key);
    const expected = medianMoney(baselineDays.map((point) => amountOn(point, key)));
    const delta = actual - expected;
    const share = totalDelta === 0 ? 0 : Math.round((moneyToNumber(delta) / totalDelta) * 1000) / 1000;
    if (share >= options.minShare) ranked.push({ dimension, value, actual, expected, delta, share });
  }
  ranked.sort(
    (a, b) =>
      Math.round(b.share * 10) - Math.round(a.share * 10) ||
      (SPECIFICITY[b.dimension] ?? 0) - (SPECIFICITY[a.dimension] ?? 0) ||
      b.share - a.share ||
      (a.value < b.value ? -1 : 1),
  );
  return ranked.slice(0, options.limit);
}

/** Median of exact amounts; the mean of the two middle values (exact, rounded toward zero) for even counts. */
function medianMoney(amounts: Money[]): Money {
  if (amounts.length === 0) return 0n;
  const sorted = [...amounts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[mid] as Money;
  return ((sorted[mid - 1] as Money) + (sorted[mid] as Money)) / 2n;
}
