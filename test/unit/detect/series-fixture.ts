import type { CostPoint } from '#shared/cost/cost-point';
import { epochDay, isoDayOf } from '#shared/detect/cost-detector';
import { numberToMoney } from '#shared/money';

/** A deterministic daily cost series for detector tests (not a test file: no `.test`). */
export interface FixtureOptions {
  start?: string;
  days?: number;
  weekday?: number;
  weekend?: number;
  noise?: number;
  seed?: number;
  /** Edits applied to the value of day index i (after noise). */
  edit?: (i: number, value: number, day: string) => number;
  provisionalFrom?: number;
  seriesKey?: string;
}

/** Park–Miller generator: the same seed gives the same series on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed % 2147483647 || 1;
  return () => {
    state = (state * 16807) % 2147483647;
    return state / 2147483647;
  };
}

/** Builds CostPoints: weekdays ~`weekday`, weekends ~`weekend`, multiplicative noise ±`noise`. */
export function fixtureSeries(options: FixtureOptions = {}): CostPoint[] {
  const { start = '2026-03-02', days = 70, weekday = 1000, weekend = 600, noise = 0.03, seed = 7 } = options;
  const random = seededRandom(seed);
  const first = epochDay(start);
  const points: CostPoint[] = [];
  for (let i = 0; i < days; i += 1) {
    const day = isoDayOf(first + i);
    const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
    const base = dow === 0 || dow === 6 ? weekend : weekday;
    let value = base * (1 + noise * (2 * random() - 1));
    if (options.edit) value = options.edit(i, value, day);
    points.push({
      seriesKey: options.seriesKey ?? 'total',
      currency: 'USD',
      day,
      amount: numberToMoney(Math.round(value * 100) / 100),
      rowCount: 10,
      ...(options.provisionalFrom !== undefined && i >= options.provisionalFrom ? { provisional: true } : {}),
    });
  }
  return points;
}
