import { type CostRecord, detach } from '#shared/billing/billing-record';
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

/** Contributor value standing for children folded away to bound memory. */
export const OTHER_CONTRIBUTOR = '(other)';

/**
 * Exact per-child sums for one contributor dimension of one series-day (built at finish,
 * transient). Sums stay in doubles while exact (< 2^53 units) and move to bigints beyond.
 */
class ContributorTally {
  private readonly small = new Map<string, number>();
  private big: Map<string, bigint> | undefined;

  add(child: string, cell: ExactSum): void {
    if (cell.big === 0n) {
      const sum = (this.small.get(child) ?? 0) + cell.units;
      if (sum <= MAX_SAFE && sum >= -MAX_SAFE) {
        this.small.set(child, sum);
        return;
      }
    }
    this.big ??= new Map();
    this.big.set(child, (this.big.get(child) ?? 0n) + cell.value());
  }

  /** The `limit` largest children by |amount|, ties broken by name (selection without sorting every child). */
  top(dimension: string, limit: number): ContributorAmount[] {
    const exact = (child: string): bigint =>
      BigInt(this.small.get(child) ?? 0) + (this.big?.get(child) ?? 0n);
    // Magnitudes as doubles only choose candidates; the kept ones are compared exactly below.
    const best: Array<{ child: string; magnitude: number }> = [];
    const before = (a: { child: string; magnitude: number }, b: { child: string; magnitude: number }) =>
      a.magnitude > b.magnitude || (a.magnitude === b.magnitude && a.child < b.child);
    const consider = (child: string, magnitude: number) => {
      const candidate = { child, magnitude };
      if (best.length >= limit && !before(candidate, best[best.length - 1]!)) return;
      let at = best.length;
      while (at > 0 && before(candidate, best[at - 1]!)) at--;
      best.splice(at, 0, candidate);
      if (best.length > limit) best.pop();
    };
    for (const [child, units] of this.small) {
      consider(child, Math.abs(units + Number(this.big?.get(child) ?? 0n)));
    }
    if (this.big) {
      for (const [child, amount] of this.big)
        if (!this.small.has(child)) consider(child, Math.abs(Number(amount)));
    }
    return best
      .map(({ child }) => ({ dimension, value: child, amount: exact(child) }))
      .sort((a, b) => {
        const ma = a.amount < 0n ? -a.amount : a.amount;
        const mb = b.amount < 0n ? -b.amount : b.amount;
        return ma === mb ? (a.value < b.value ? -1 : 1) : mb > ma ? 1 : -1;
      });
  }
}

/** Positions in a cell's values: the series dimensions, then the contributor-only ones, then tags. */
const SERVICE = 0;
const ACCOUNT = 1;
const REGION = 2;
const CATEGORY = 3;
const CLASS = 4;
const RESOURCE = 5;
const USAGE_TYPE = 6;
const FIRST_TAG = 7;

/** Dimensions with their own series, by cell position. */
const SERIES_DIMENSIONS: ReadonlyArray<{ key: string; at: number }> = [
  { key: BillingDimension.service, at: SERVICE },
  { key: BillingDimension.account, at: ACCOUNT },
  { key: BillingDimension.region, at: REGION },
  { key: BillingDimension.chargeCategory, at: CATEGORY },
  { key: BillingDimension.chargeClass, at: CLASS },
];

/** Contributor dimensions, by cell position. */
const CONTRIBUTORS: ReadonlyArray<{ dimension: string; at: number }> = [
  { dimension: ContributorDimension.service, at: SERVICE },
  { dimension: ContributorDimension.resource, at: RESOURCE },
  { dimension: ContributorDimension.usageType, at: USAGE_TYPE },
  { dimension: ContributorDimension.account, at: ACCOUNT },
  { dimension: ContributorDimension.region, at: REGION },
];

/**
 * The sum of the rows of one day sharing resource, usage type and every dimension value. Values
 * are interned, so a cell costs its array and a few numbers.
 */
class Cell extends ExactSum {
  rows = 0;
  magnitudeCache = 0;
  constructor(readonly values: string[]) {
    super();
  }
}

/** True when `cell` holds exactly the dimension values of `values` (resource already matched). */
function sameCell(cell: Cell, values: readonly string[]): boolean {
  const mine = cell.values;
  for (let i = 0; i < mine.length; i++) if (i !== RESOURCE && mine[i] !== values[i]) return false;
  return true;
}

/** Exact sum and row count of one series-day. */
class SeriesSum extends ExactSum {
  rows = 0;
  /** The retained (detached) dimension value, shared by the contributor cells. */
  constructor(readonly label = '') {
    super();
  }
}

/** One (currency, day): exact series sums, and the bounded cells contributors are derived from. */
class DayBucket {
  readonly total = new SeriesSum();
  /** Series sums by dimension position (SERIES_DIMENSIONS, then tags), keyed by value. */
  readonly series: Array<Map<string, SeriesSum>>;
  /** Contributor cells by resource (usually one per resource and day). */
  readonly cells = new Map<string, Cell[]>();
  cellCount = 0;
  /** Once cells were dropped: the |amount| a new cell's first row needs to be admitted. */
  admitThreshold = 0;
  constructor(
    readonly currency: string,
    readonly day: IsoDay,
    dimensionCount: number,
  ) {
    this.series = Array.from({ length: dimensionCount }, () => new Map());
  }
}

/** Tuning of the aggregation. */
export interface AggregationOptions {
  /** Allow-listed tag keys, in the order of CostRecord.tagValues. */
  tagKeys: readonly string[];
  /** Contributors kept per dimension on each point (default 10). */
  contributorLimit?: number;
  /**
   * Contributor cells (distinct resource × usage type × dimension values) kept per day before
   * the smaller half is dropped from contributor tracking (default 4096). Series sums are
   * unaffected: they are kept exactly per series-day.
   */
  maxCellsPerDay?: number;
}

/** A partial aggregate in plain JSON (amounts as 10^-10-unit integer strings), as workers hand it back. */
export interface SerializedAggregate {
  tagKeys: string[];
  buckets: Array<{
    currency: string;
    day: IsoDay;
    /** [dimension position (-1 = total), value, amount, rows] */
    series: Array<[number, string, string, number]>;
    /** [cell values in cell position order, amount, rows] */
    cells: Array<[string[], string, number]>;
  }>;
}

/**
 * Aggregates CostRecords into series-days: `total`, service, account, region, charge category,
 * charge class (when set) and allow-listed tags, per currency and usage day, with exact sums
 * and row counts kept per series-day (memory grows with series-days, never with rows).
 *
 * Contributors come from per-day cells keyed by every dimension value plus resource and usage
 * type. Cells are bounded per day: past `maxCellsPerDay`, the smaller half (by |amount|) is
 * dropped from contributor tracking, and from then on a new child is admitted only when its row
 * alone exceeds the drop threshold. Contributors keep the children that are large — the ones an
 * explanation needs — while a child dropped early restarts from zero if it shows up again.
 * Partial aggregates (workers) merge exactly for sums and row counts.
 */
export class CostAggregator {
  private readonly buckets = new Map<string, DayBucket>();
  private last: DayBucket | undefined;
  private readonly maxCells: number;
  private readonly contributorLimit: number;
  private readonly dimensionCount: number;
  /** Contributor cells dropped to bound memory (0 means contributors are exact). */
  droppedCells = 0;
  private readonly scratch: string[];
  private readonly interned = new Map<string, string>();

  constructor(private readonly options: AggregationOptions) {
    this.maxCells = Math.max(2, options.maxCellsPerDay ?? 4096);
    this.contributorLimit = options.contributorLimit ?? 10;
    this.dimensionCount = SERIES_DIMENSIONS.length + options.tagKeys.length;
    this.scratch = new Array<string>(FIRST_TAG + options.tagKeys.length).fill('');
  }

  /** One retained copy per distinct text (dimension values repeat across cells). */
  private intern(text: string): string {
    let kept = this.interned.get(text);
    if (kept === undefined) {
      kept = detach(text);
      if (this.interned.size > 1_000_000) this.interned.clear();
      this.interned.set(kept, kept);
    }
    return kept;
  }

  /** Adds one accepted record. */
  add(record: CostRecord): void {
    const bucket = this.bucketFor(record.currency, record.day);
    const cost = record.cost;
    bucket.total.add(cost);
    bucket.total.rows++;
    const series = bucket.series;
    const values = this.scratch;
    values[SERVICE] = this.addSeries(series[0]!, record.service, cost);
    values[ACCOUNT] = this.addSeries(series[1]!, record.account, cost);
    values[REGION] = this.addSeries(series[2]!, record.region, cost);
    values[CATEGORY] = this.addSeries(series[3]!, record.chargeCategory, cost);
    values[CLASS] = this.addSeries(series[4]!, record.chargeClass, cost);
    values[RESOURCE] = record.resource;
    values[USAGE_TYPE] = record.usageType;
    const tags = record.tagValues;
    for (let i = 0; i < tags.length; i++) {
      values[FIRST_TAG + i] = this.addSeries(series[SERIES_DIMENSIONS.length + i]!, tags[i]!, cost);
    }
    this.addCell(bucket, values, cost, 1);
  }

  /** Adds to one series; returns the retained copy of its value (for the contributor cell). */
  private addSeries(map: Map<string, SeriesSum>, value: string, cost: number | bigint): string {
    if (value === '') return '';
    let sum = map.get(value);
    if (sum === undefined) {
      sum = new SeriesSum(this.intern(value));
      map.set(sum.label, sum);
    }
    sum.add(cost);
    sum.rows++;
    return sum.label;
  }

  /** Drops the smaller half of a bucket's cells from contributor tracking. */
  private dropSmallCells(bucket: DayBucket): void {
    const all: Cell[] = [];
    for (const list of bucket.cells.values()) for (const cell of list) all.push(cell);
    const magnitudes = new Float64Array(all.length);
    for (let i = 0; i < all.length; i++) magnitudes[i] = all[i]!.magnitude();
    const sorted = magnitudes.slice().sort();
    const keep = Math.floor(all.length / 2);
    // Keep cells strictly above the median, then fill ties in arrival order up to `keep`.
    const threshold = sorted[all.length - keep]!;
    bucket.cells.clear();
    let kept = 0;
    const retain = (cell: Cell) => {
      const resource = cell.values[RESOURCE]!;
      const list = bucket.cells.get(resource);
      if (list) list.push(cell);
      else bucket.cells.set(resource, [cell]);
      kept++;
    };
    for (let i = 0; i < all.length; i++) if (magnitudes[i]! > threshold) retain(all[i]!);
    for (let i = 0; i < all.length && kept < keep; i++) if (magnitudes[i] === threshold) retain(all[i]!);
    bucket.cellCount = kept;
    bucket.admitThreshold = threshold;
    this.droppedCells += all.length - kept;
  }

  private addCell(bucket: DayBucket, values: readonly string[], amount: number | bigint, rows: number): void {
    const resource = values[RESOURCE]!;
    let list = bucket.cells.get(resource);
    let cell: Cell | undefined;
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        if (sameCell(list[i]!, values)) {
          cell = list[i];
          break;
        }
      }
    }
    if (cell === undefined) {
      // A full day admits a new child only if this row alone would survive the last drop:
      // small newcomers would be dropped again anyway (series sums are unaffected).
      if (bucket.admitThreshold > 0 && Math.abs(Number(amount)) <= bucket.admitThreshold) {
        this.droppedCells++;
        return;
      }
      if (bucket.cellCount >= this.maxCells) {
        this.dropSmallCells(bucket);
        list = bucket.cells.get(resource);
      }
      const kept = values.slice();
      kept[RESOURCE] = detach(values[RESOURCE]!);
      kept[USAGE_TYPE] = detach(values[USAGE_TYPE]!);
      cell = new Cell(kept);
      if (list) list.push(cell);
      else bucket.cells.set(cell.values[RESOURCE]!, [cell]);
      bucket.cellCount++;
    }
    cell.add(amount);
    cell.rows += rows;
  }

  private bucketFor(currency: string, day: IsoDay): DayBucket {
    const last = this.last;
    if (last !== undefined && last.day === day && last.currency === currency) return last;
    const key = `${currency}|${day}`;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = new DayBucket(detach(currency), detach(day), this.dimensionCount);
      this.buckets.set(detach(key), bucket);
    }
    this.last = bucket;
    return bucket;
  }

  /** Every series-day as a CostPoint (sorted by currency, day, series key). */
  points(): CostPoint[] {
    const points: CostPoint[] = [];
    const tagKeys = this.options.tagKeys;
    interface SeriesAcc {
      tallies: Array<ContributorTally | undefined>;
    }
    const newAcc = (own: number): SeriesAcc => ({
      tallies: CONTRIBUTORS.map((c) => (c.at === own ? undefined : new ContributorTally())),
    });
    const touch = (acc: SeriesAcc, cell: Cell, values: readonly string[]) => {
      for (let i = 0; i < CONTRIBUTORS.length; i++) {
        const tally = acc.tallies[i];
        const child = values[CONTRIBUTORS[i]!.at]!;
        if (tally !== undefined && child !== '') tally.add(child, cell);
      }
    };
    const dimensionCount = SERIES_DIMENSIONS.length + tagKeys.length;
    for (const bucket of this.buckets.values()) {
      const total = newAcc(-1);
      // Series by dimension position (SERIES_DIMENSIONS, then tags), keyed by value.
      const byDimension = Array.from({ length: dimensionCount }, () => new Map<string, SeriesAcc>());
      for (const list of bucket.cells.values())
        for (const cell of list) {
          const values = cell.values;
          touch(total, cell, values);
          for (let d = 0; d < dimensionCount; d++) {
            const at =
              d < SERIES_DIMENSIONS.length
                ? SERIES_DIMENSIONS[d]!.at
                : FIRST_TAG + d - SERIES_DIMENSIONS.length;
            const value = values[at]!;
            if (value === '') continue;
            const map = byDimension[d]!;
            let acc = map.get(value);
            if (acc === undefined) {
              acc = newAcc(d < SERIES_DIMENSIONS.length ? at : -1);
              map.set(value, acc);
            }
            touch(acc, cell, values);
          }
        }
      const emit = (seriesKey: string, sum: SeriesSum, acc: SeriesAcc | undefined) => {
        const contributors: ContributorAmount[] = [];
        acc?.tallies.forEach((tally, i) => {
          if (tally) contributors.push(...tally.top(CONTRIBUTORS[i]!.dimension, this.contributorLimit));
        });
        points.push({
          seriesKey,
          currency: bucket.currency,
          day: bucket.day,
          amount: sum.value(),
          rowCount: sum.rows,
          contributors,
        });
      };
      emit(TOTAL_SERIES, bucket.total, total);
      bucket.series.forEach((map, d) => {
        for (const [value, sum] of map) {
          emit(
            d < SERIES_DIMENSIONS.length
              ? `${SERIES_DIMENSIONS[d]!.key}=${value}`
              : tagSeriesKey(tagKeys[d - SERIES_DIMENSIONS.length]!, value),
            sum,
            byDimension[d]!.get(value),
          );
        }
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

  /** Plain-JSON form of this partial aggregate, for a worker to hand back. */
  serialize(): SerializedAggregate {
    return {
      tagKeys: [...this.options.tagKeys],
      buckets: [...this.buckets.values()].map((bucket) => ({
        currency: bucket.currency,
        day: bucket.day,
        series: [
          [-1, '', bucket.total.value().toString(), bucket.total.rows] as [number, string, string, number],
          ...bucket.series.flatMap((map, d) =>
            [...map].map(([value, sum]): [number, string, string, number] => [
              d,
              value,
              sum.value().toString(),
              sum.rows,
            ]),
          ),
        ],
        cells: [...bucket.cells.values()].flatMap((list) =>
          list.map((cell): [string[], string, number] => [cell.values, cell.value().toString(), cell.rows]),
        ),
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
      for (const [d, value, amount, rows] of part.series) {
        let sum: SeriesSum | undefined = d < 0 ? bucket.total : bucket.series[d]!.get(value);
        if (sum === undefined) {
          sum = new SeriesSum(value);
          bucket.series[d]!.set(value, sum);
        }
        sum.add(BigInt(amount));
        sum.rows += rows;
      }
      for (const [values, amount, rows] of part.cells) this.addCell(bucket, values, BigInt(amount), rows);
    }
  }
}
