import type { CostRecord } from '#shared/billing/billing-record';
import type { ContributorAmount, CostPoint, IsoDay } from '#shared/cost/cost-point';
import { BillingDimension, ContributorDimension, TOTAL_SERIES, tagSeriesKey } from '#shared/cost/series-key';
import type { Money } from '#shared/money';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * An exact running sum of 10^-10 units. Adds integer-valued numbers in a double while the result
 * stays below 2^53 (where double addition of integers is exact) and spills into a bigint beyond,
 * so the hot path allocates nothing and the result is still exact.
 */
export class ExactSum {
  units = 0;
  big = 0n;

  add(value: number | bigint): void {
    if (typeof value === 'number') {
      const sum = this.units + value;
      if (sum > MAX_SAFE || sum < -MAX_SAFE) {
        this.big += BigInt(this.units) + BigInt(value);
        this.units = 0;
      } else {
        this.units = sum;
      }
    } else {
      this.big += value;
    }
  }

  /** The exact total as Money. */
  value(): Money {
    return this.big + BigInt(this.units);
  }

  /** Magnitude as a float, for ranking only. */
  magnitude(): number {
    return Math.abs(this.units + Number(this.big));
  }
}

/** The folded remainder of a contributor tally (children no longer tracked individually). */
export const OTHER_CONTRIBUTOR = '(other)';

/**
 * Per-child exact sums for one contributor dimension of one series-day, with bounded memory: when
 * more than `maxTracked` children are tracked, the smaller half (by |amount|) is folded into
 * `(other)`. Sums stay exact (children + other = series amount); a child folded early and seen
 * again restarts from zero, so only children that are large throughout are ranked exactly — the
 * ones an explanation needs.
 */
export class ContributorTally {
  readonly children = new Map<string, ExactSum>();
  readonly other = new ExactSum();
  compactions = 0;

  constructor(private readonly maxTracked: number) {}

  add(child: string, value: number | bigint): void {
    let sum = this.children.get(child);
    if (sum === undefined) {
      if (this.children.size >= this.maxTracked) this.compact();
      sum = new ExactSum();
      this.children.set(child, sum);
    }
    sum.add(value);
  }

  private compact(): void {
    this.compactions++;
    const ranked = [...this.children.entries()].sort((a, b) => b[1].magnitude() - a[1].magnitude());
    for (const [child, sum] of ranked.slice(Math.floor(this.maxTracked / 2))) {
      this.other.add(sum.value());
      this.children.delete(child);
    }
  }

  /** The `limit` largest tracked children by |amount|, ties broken by name. */
  top(dimension: string, limit: number): ContributorAmount[] {
    return [...this.children.entries()]
      .map(([value, sum]) => ({ dimension, value, amount: sum.value() }))
      .sort((a, b) => {
        const ma = a.amount < 0n ? -a.amount : a.amount;
        const mb = b.amount < 0n ? -b.amount : b.amount;
        return ma === mb ? (a.value < b.value ? -1 : 1) : mb > ma ? 1 : -1;
      })
      .slice(0, limit);
  }
}

const CONTRIBUTORS = [
  ContributorDimension.service,
  ContributorDimension.resource,
  ContributorDimension.usageType,
  ContributorDimension.account,
  ContributorDimension.region,
] as const;

/** One series-day being accumulated. */
class SeriesDay {
  readonly sum = new ExactSum();
  rows = 0;
  /** Tallies by CONTRIBUTORS position; undefined where the dimension is the series' own. */
  readonly tallies: Array<ContributorTally | undefined>;

  constructor(maxTracked: number, ownContributor: number) {
    this.tallies = CONTRIBUTORS.map((_, i) =>
      i === ownContributor ? undefined : new ContributorTally(maxTracked),
    );
  }

  add(cost: number | bigint, children: readonly string[]): void {
    this.sum.add(cost);
    this.rows++;
    for (let i = 0; i < this.tallies.length; i++) {
      const child = children[i];
      if (child !== '' && child !== undefined) this.tallies[i]?.add(child, cost);
    }
  }
}

/** All series of one (currency, day). */
class DayBucket {
  readonly total: SeriesDay;
  /** Series by dimension position (see AGGREGATED_DIMENSIONS + tags), keyed by value. */
  readonly byDimension: Array<Map<string, SeriesDay>>;

  constructor(
    readonly currency: string,
    readonly day: IsoDay,
    dimensionCount: number,
    maxTracked: number,
  ) {
    this.total = new SeriesDay(maxTracked, -1);
    this.byDimension = Array.from({ length: dimensionCount }, () => new Map());
  }
}

/** Dimensions with their own series, in the order the aggregator indexes them (tags follow). */
const AGGREGATED_DIMENSIONS = [
  { key: BillingDimension.service, own: 0 },
  { key: BillingDimension.account, own: 3 },
  { key: BillingDimension.region, own: 4 },
  { key: BillingDimension.chargeCategory, own: -1 },
  { key: BillingDimension.chargeClass, own: -1 },
] as const;

/** Tuning of the aggregation. */
export interface AggregationOptions {
  /** Allow-listed tag keys, in the order of CostRecord.tagValues. */
  tagKeys: readonly string[];
  /** Contributors kept per dimension on each point (default 10). */
  contributorLimit?: number;
  /** Children tracked per tally before the smaller half is folded into `(other)` (default 64). */
  maxTrackedChildren?: number;
}

/** A partial aggregate in plain JSON (amounts as decimal-unit strings), as workers hand it back. */
export interface SerializedAggregate {
  tagKeys: string[];
  buckets: Array<{
    currency: string;
    day: IsoDay;
    series: Array<{
      dimension: number;
      value: string;
      amount: string;
      rows: number;
      tallies: Array<{ children: Array<[string, string]>; other: string } | null>;
    }>;
  }>;
}

/**
 * Aggregates CostRecords into series-days: `total`, service, account, region, charge category,
 * charge class (when set) and allow-listed tags, per currency and usage day. Memory grows with
 * series-days × tracked contributors, never with rows. Partial aggregates merge exactly.
 */
export class CostAggregator {
  private readonly buckets = new Map<string, DayBucket>();
  private last: DayBucket | undefined;
  private readonly children: string[] = ['', '', '', '', ''];
  private readonly dimensionCount: number;
  private readonly maxTracked: number;
  private readonly contributorLimit: number;

  constructor(private readonly options: AggregationOptions) {
    this.dimensionCount = AGGREGATED_DIMENSIONS.length + options.tagKeys.length;
    this.maxTracked = options.maxTrackedChildren ?? 64;
    this.contributorLimit = options.contributorLimit ?? 10;
  }

  /** Adds one accepted record. */
  add(record: CostRecord): void {
    const bucket = this.bucketFor(record.currency, record.day);
    const children = this.children;
    children[0] = record.service;
    children[1] = record.resource;
    children[2] = record.usageType;
    children[3] = record.account;
    children[4] = record.region;
    bucket.total.add(record.cost, children);
    this.addTo(bucket, 0, record.service, record.cost);
    this.addTo(bucket, 1, record.account, record.cost);
    this.addTo(bucket, 2, record.region, record.cost);
    this.addTo(bucket, 3, record.chargeCategory, record.cost);
    this.addTo(bucket, 4, record.chargeClass, record.cost);
    const tags = record.tagValues;
    for (let i = 0; i < tags.length; i++)
      this.addTo(bucket, AGGREGATED_DIMENSIONS.length + i, tags[i]!, record.cost);
  }

  private addTo(bucket: DayBucket, dimension: number, value: string, cost: number | bigint): void {
    if (value === '') return;
    const map = bucket.byDimension[dimension]!;
    let series = map.get(value);
    if (series === undefined) {
      series = new SeriesDay(this.maxTracked, AGGREGATED_DIMENSIONS[dimension]?.own ?? -1);
      map.set(value, series);
    }
    series.add(cost, this.children);
  }

  private bucketFor(currency: string, day: IsoDay): DayBucket {
    const last = this.last;
    if (last !== undefined && last.day === day && last.currency === currency) return last;
    const key = `${currency}|${day}`;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = new DayBucket(currency, day, this.dimensionCount, this.maxTracked);
      this.buckets.set(key, bucket);
    }
    this.last = bucket;
    return bucket;
  }

  private seriesKeyOf(dimension: number, value: string): string {
    const fixed = AGGREGATED_DIMENSIONS[dimension];
    if (fixed) return `${fixed.key}=${value}`;
    return tagSeriesKey(this.options.tagKeys[dimension - AGGREGATED_DIMENSIONS.length]!, value);
  }

  /** Every series-day as a CostPoint (sorted by currency, day, series key). */
  points(): CostPoint[] {
    const points: CostPoint[] = [];
    const toPoint = (bucket: DayBucket, seriesKey: string, series: SeriesDay): CostPoint => {
      const contributors: ContributorAmount[] = [];
      series.tallies.forEach((tally, i) => {
        if (tally) contributors.push(...tally.top(CONTRIBUTORS[i]!, this.contributorLimit));
      });
      return {
        seriesKey,
        currency: bucket.currency,
        day: bucket.day,
        amount: series.sum.value(),
        rowCount: series.rows,
        contributors,
      };
    };
    for (const bucket of this.buckets.values()) {
      points.push(toPoint(bucket, TOTAL_SERIES, bucket.total));
      bucket.byDimension.forEach((map, dimension) => {
        for (const [value, series] of map)
          points.push(toPoint(bucket, this.seriesKeyOf(dimension, value), series));
      });
    }
    return points.sort((a, b) =>
      a.currency !== b.currency
        ? a.currency < b.currency
          ? -1
          : 1
        : a.day !== b.day
          ? a.day < b.day
            ? -1
            : 1
          : a.seriesKey < b.seriesKey
            ? -1
            : a.seriesKey > b.seriesKey
              ? 1
              : 0,
    );
  }

  /** Distinct series (key + currency) seen. */
  seriesCount(): number {
    const seen = new Set<string>();
    for (const point of this.points()) seen.add(`${point.currency}|${point.seriesKey}`);
    return seen.size;
  }

  /** Plain-JSON form of this partial aggregate, for a worker to hand back. */
  serialize(): SerializedAggregate {
    const serializeSeries = (dimension: number, value: string, series: SeriesDay) => ({
      dimension,
      value,
      amount: series.sum.value().toString(),
      rows: series.rows,
      tallies: series.tallies.map((tally) =>
        tally
          ? {
              children: [...tally.children].map(([child, sum]): [string, string] => [
                child,
                sum.value().toString(),
              ]),
              other: tally.other.value().toString(),
            }
          : null,
      ),
    });
    return {
      tagKeys: [...this.options.tagKeys],
      buckets: [...this.buckets.values()].map((bucket) => ({
        currency: bucket.currency,
        day: bucket.day,
        series: [
          serializeSeries(-1, '', bucket.total),
          ...bucket.byDimension.flatMap((map, dimension) =>
            [...map].map(([value, series]) => serializeSeries(dimension, value, series)),
          ),
        ],
      })),
    };
  }

  /** Adds a partial aggregate (same tag keys) into this one; series sums and row counts merge exactly. */
  merge(partial: SerializedAggregate): void {
    if (partial.tagKeys.join('\u0000') !== this.options.tagKeys.join('\u0000')) {
      throw new RangeError(`cannot merge aggregates with different tag keys: ${partial.tagKeys.join(',')}`);
    }
    for (const part of partial.buckets) {
      const bucket = this.bucketFor(part.currency, part.day);
      for (const s of part.series) {
        let series: SeriesDay;
        if (s.dimension < 0) {
          series = bucket.total;
        } else {
          const map = bucket.byDimension[s.dimension]!;
          let found = map.get(s.value);
          if (found === undefined) {
            found = new SeriesDay(this.maxTracked, AGGREGATED_DIMENSIONS[s.dimension]?.own ?? -1);
            map.set(s.value, found);
          }
          series = found;
        }
        series.sum.add(BigInt(s.amount));
        series.rows += s.rows;
        s.tallies.forEach((tally, i) => {
          const target = series.tallies[i];
          if (!tally || !target) return;
          for (const [child, amount] of tally.children) target.add(child, BigInt(amount));
          target.other.add(BigInt(tally.other));
        });
      }
    }
  }
}
