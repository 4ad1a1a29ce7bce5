import { createHash } from 'node:crypto';
import type { ContributorAmount, CostPoint, IsoDay } from '#shared/cost/cost-point';
import {
  BillingDimension,
  ContributorDimension,
  seriesKey,
  TOTAL_SERIES,
  tagSeriesKey,
} from '#shared/cost/series-key';
import { InvalidInputError } from '#shared/errors';
import { formatMoney, type Money, parseMoney } from '#shared/money';
import type { CostAndUsageDay } from './cost-explorer-query';

/** Value of a tag series for resources without the tag (Cost Explorer's empty `key$`). */
export const UNTAGGED_VALUE = '(untagged)';

/** Days [start, endExclusive) to ask Cost Explorer for. */
export interface CostExplorerWindow {
  start: IsoDay;
  endExclusive: IsoDay;
}

/** Adds `days` (may be negative) to a UTC day. */
export function addDays(day: IsoDay, days: number): IsoDay {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** Every day of a window, ascending. */
export function daysOf(window: CostExplorerWindow): IsoDay[] {
  const days: IsoDay[] = [];
  for (let day = window.start; day < window.endExclusive; day = addDays(day, 1)) days.push(day);
  return days;
}

/**
 * The days not yet final: from the day after `finalThrough` (or `lookbackDays` before today on
 * the first run) up to yesterday; today is never asked (it has barely started). Undefined when
 * there is nothing to ask.
 */
export function planCostExplorerWindow(input: {
  now: Date;
  finalThrough?: IsoDay;
  lookbackDays: number;
}): CostExplorerWindow | undefined {
  const today = input.now.toISOString().slice(0, 10);
  const start = input.finalThrough ? addDays(input.finalThrough, 1) : addDays(today, -input.lookbackDays);
  return start < today ? { start, endExclusive: today } : undefined;
}

/** True while a day may still change: within `provisionalDays` days before today, or `Estimated`. */
export function isProvisionalDay(day: IsoDay, now: Date, estimated: boolean, provisionalDays = 2): boolean {
  const today = now.toISOString().slice(0, 10);
  return estimated || day >= addDays(today, -provisionalDays);
}

/** The last day of the unbroken run of final days from the window's start; `previous` when the first is provisional. */
export function advanceFinalThrough(
  window: CostExplorerWindow,
  provisional: (day: IsoDay) => boolean,
  previous: IsoDay | undefined,
): IsoDay | undefined {
  let finalThrough = previous;
  for (const day of daysOf(window)) {
    if (provisional(day)) break;
    finalThrough = day;
  }
  return finalThrough;
}

/** The two answers one run converts: SERVICE × LINKED_ACCOUNT, and per tag key TAG × SERVICE. */
export interface CostExplorerAnswers {
  byServiceAndAccount: CostAndUsageDay[];
  byTag: Array<{ tagKey: string; days: CostAndUsageDay[] }>;
}

/** One day's points and what they were made from. */
export interface CostExplorerDayPoints {
  day: IsoDay;
  provisional: boolean;
  points: CostPoint[];
  /** Groups of the SERVICE × LINKED_ACCOUNT answer (the day's "rows"). */
  groupCount: number;
}

/**
 * Converts Cost Explorer answers to one day's CostPoints: `total`, `service=…` (contributors:
 * accounts), `account=…` (contributors: services) and `tag:<key>=<value>` (contributors:
 * services; an empty tag value is `(untagged)`). Currencies (the metric's Unit) stay apart.
 */
export function costExplorerDayPoints(
  answers: CostExplorerAnswers,
  day: IsoDay,
  options: { now: Date; provisionalDays?: number; contributorsPerDimension?: number },
): CostExplorerDayPoints {
  const topN = options.contributorsPerDimension ?? 10;
  const main = answers.byServiceAndAccount.find((d) => d.day === day);
  const estimated =
    (main?.estimated ?? false) || answers.byTag.some((t) => t.days.find((d) => d.day === day)?.estimated);
  const provisional = isProvisionalDay(day, options.now, estimated, options.provisionalDays);
  const acc = new SeriesAccumulator(day, provisional, topN);
  for (const group of main?.groups ?? []) {
    const [service, account] = group.keys;
    if (service === undefined || account === undefined) {
      throw new InvalidInputError(
        `Cost Explorer group on ${day} lacks SERVICE/LINKED_ACCOUNT keys: ${group.keys}`,
      );
    }
    const amount = parseMoney(group.amount);
    acc.add(TOTAL_SERIES, group.unit, amount, [
      [ContributorDimension.service, service],
      [ContributorDimension.account, account],
    ]);
    acc.add(seriesKey(BillingDimension.service, service), group.unit, amount, [
      [ContributorDimension.account, account],
    ]);
    acc.add(seriesKey(BillingDimension.account, account), group.unit, amount, [
      [ContributorDimension.service, service],
    ]);
  }
  for (const { tagKey, days } of answers.byTag) {
    for (const group of days.find((d) => d.day === day)?.groups ?? []) {
      const [tag, service] = group.keys;
      if (tag === undefined) throw new InvalidInputError(`Cost Explorer tag group on ${day} has no keys`);
      const value = tagValue(tag, tagKey);
      const contributors: Array<[string, string]> =
        service === undefined ? [] : [[ContributorDimension.service, service]];
      acc.add(tagSeriesKey(tagKey, value), group.unit, parseMoney(group.amount), contributors);
    }
  }
  return { day, provisional, points: acc.points(), groupCount: main?.groups.length ?? 0 };
}

/** `cost-center$ai-vision` → `ai-vision`; `cost-center$` → `(untagged)`. */
export function tagValue(groupKey: string, tagKey: string): string {
  const prefix = `${tagKey}$`;
  const value = groupKey.startsWith(prefix)
    ? groupKey.slice(prefix.length)
    : groupKey.slice(groupKey.indexOf('$') + 1);
  return value === '' ? UNTAGGED_VALUE : value;
}

/** A short content fingerprint of points, so an identical re-asked day keeps its version. */
export function fingerprintPoints(points: readonly CostPoint[]): string {
  const hash = createHash('sha256');
  for (const p of points) {
    hash.update(
      `${p.currency}|${p.seriesKey}|${p.day}|${formatMoney(p.amount)}|${p.rowCount}|${p.provisional ? 1 : 0}\n`,
    );
    for (const c of p.contributors ?? [])
      hash.update(`  ${c.dimension}|${c.value}|${formatMoney(c.amount)}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

class SeriesAccumulator {
  private readonly series = new Map<
    string,
    {
      seriesKey: string;
      currency: string;
      amount: Money;
      rows: number;
      contributors: Map<string, ContributorAmount>;
    }
  >();

  constructor(
    private readonly day: IsoDay,
    private readonly provisional: boolean,
    private readonly topN: number,
  ) {}

  add(key: string, currency: string, amount: Money, contributors: Array<[string, string]>): void {
    const id = `${currency}\u0000${key}`;
    let entry = this.series.get(id);
    if (!entry) {
      entry = { seriesKey: key, currency, amount: 0n, rows: 0, contributors: new Map() };
      this.series.set(id, entry);
    }
    entry.amount += amount;
    entry.rows += 1;
    for (const [dimension, value] of contributors) {
      const cid = `${dimension}\u0000${value}`;
      const existing = entry.contributors.get(cid);
      if (existing) existing.amount += amount;
      else entry.contributors.set(cid, { dimension, value, amount });
    }
  }

  points(): CostPoint[] {
    return [...this.series.values()]
      .sort((a, b) => (a.currency + a.seriesKey < b.currency + b.seriesKey ? -1 : 1))
      .map((entry) => {
        const point: CostPoint = {
          seriesKey: entry.seriesKey,
          currency: entry.currency,
          day: this.day,
          amount: entry.amount,
          rowCount: entry.rows,
        };
        if (this.provisional) point.provisional = true;
        const contributors = topByDimension([...entry.contributors.values()], this.topN);
        if (contributors.length > 0) point.contributors = contributors;
        return point;
      });
  }
}

function topByDimension(contributors: ContributorAmount[], topN: number): ContributorAmount[] {
  const abs = (m: Money) => (m < 0n ? -m : m);
  const perDimension = new Map<string, number>();
  return contributors
    .filter((c) => c.amount !== 0n)
    .sort((a, b) => {
      if (a.dimension !== b.dimension) return a.dimension < b.dimension ? -1 : 1;
      const diff = abs(b.amount) - abs(a.amount);
      return diff > 0n ? 1 : diff < 0n ? -1 : a.value < b.value ? -1 : 1;
    })
    .filter((c) => {
      const kept = perDimension.get(c.dimension) ?? 0;
      perDimension.set(c.dimension, kept + 1);
      return kept < topN;
    });
}
