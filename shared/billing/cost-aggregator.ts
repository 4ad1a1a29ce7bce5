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
 * Exact sums keyed by a small integer id, in a growable Float64Array (integer-valued doubles are
 * exact below 2^53) with a bigint overflow per id beyond; `rows` counts additions per id.
 */
class ExactSlots {
  units: Float64Array;
  rows: Int32Array;
  big: Map<number, bigint> | undefined;
  constructor(capacity = 8) {
    this.units = new Float64Array(capacity);
    this.rows = new Int32Array(capacity);
  }

  private grow(id: number): void {
    let size = this.units.length * 2;
    while (size <= id) size *= 2;
    const units = new Float64Array(size);
    units.set(this.units);
    const rows = new Int32Array(size);
    rows.set(this.rows);
    this.units = units;
    this.rows = rows;
  }

  add(id: number, value: number | bigint, rows: number): void {
    if (id >= this.units.length) this.grow(id);
    this.rows[id]! += rows;
    if (typeof value === 'number') {
      const before = this.units[id]!;
      const sum = before + value;
      if (sum <= MAX_SAFE && sum >= -MAX_SAFE) {
        this.units[id] = sum;
        return;
      }
      this.units[id] = 0;
      this.addBig(id, BigInt(before) + BigInt(value));
    } else {
      this.addBig(id, value);
    }
  }

  private addBig(id: number, value: bigint): void {
    this.big ??= new Map();
    this.big.set(id, (this.big.get(id) ?? 0n) + value);
  }

  value(id: number): Money {
    return BigInt(this.units[id]!) + (this.big?.get(id) ?? 0n);
  }
}

/**
 * Exact per-child sums of one contributor dimension of one series-day (built at finish,
 * transient), keyed by child text.
 */
class ContributorTally {
  private readonly small = new Map<string, number>();
  private big: Map<string, bigint> | undefined;

  add(child: string, units: number, big: bigint | undefined): void {
    if (big === undefined) {
      const sum = (this.small.get(child) ?? 0) + units;
      if (sum <= MAX_SAFE && sum >= -MAX_SAFE) {
        this.small.set(child, sum);
        return;
      }
    }
    this.big ??= new Map();
    this.big.set(child, (this.big.get(child) ?? 0n) + BigInt(units) + (big ?? 0n));
  }

  /** The `limit` largest children by |amount|, ties broken by name (selection without sorting every child). */
  top(dimension: string, limit: number, out: ContributorAmount[]): void {
    const exact = (child: string): bigint =>
      BigInt(this.small.get(child) ?? 0) + (this.big?.get(child) ?? 0n);
    // Magnitudes as doubles only choose candidates; the kept ones are compared exactly below.
    const best: Array<{ child: string; magnitude: number }> = [];
    const before = (a: { child: string; magnitude: number }, b: { child: string; magnitude: number }) =>
      a.magnitude > b.magnitude || (a.magnitude === b.magnitude && a.child < b.child);
    const consider = (child: string, magnitude: number) => {
      if (best.length >= limit) {
        const worst = best[best.length - 1]!;
        if (!(magnitude > worst.magnitude || (magnitude === worst.magnitude && child < worst.child))) return;
      }
      const candidate = { child, magnitude };
      let at = best.length;
      while (at > 0 && before(candidate, best[at - 1]!)) at--;
      best.splice(at, 0, candidate);
      if (best.length > limit) best.pop();
    };
    const big = this.big;
    for (const [child, units] of this.small) {
      consider(child, Math.abs(big === undefined ? units : units + Number(big.get(child) ?? 0n)));
    }
    if (big) {
      for (const [child, amount] of big)
        if (!this.small.has(child)) consider(child, Math.abs(Number(amount)));
    }
    const chosen = best.map(({ child }) => ({ dimension, value: child, amount: exact(child) }));
    chosen.sort((a, b) => {
      const ma = a.amount < 0n ? -a.amount : a.amount;
      const mb = b.amount < 0n ? -b.amount : b.amount;
      return ma === mb ? (a.value < b.value ? -1 : 1) : mb > ma ? 1 : -1;
    });
    for (const c of chosen) out.push(c);
  }
}

/** Positions of a row's dimension ids (CostAggregator.internId / addInterned); tag k is at firstTag + k. */
export const AggregatedDimension = {
  service: 0,
  account: 1,
  region: 2,
  chargeCategory: 3,
  chargeClass: 4,
  firstTag: 5,
} as const;

/** Series dimensions, by position in a cell's id tuple (then the tags). */
const SERIES_DIMENSIONS: ReadonlyArray<string> = [
  BillingDimension.service,
  BillingDimension.account,
  BillingDimension.region,
  BillingDimension.chargeCategory,
  BillingDimension.chargeClass,
];
const SERVICE = 0;
const ACCOUNT = 1;
const REGION = 2;
/** Id of the empty value in every dimension dictionary (no series). */
const NONE = 0;

/**
 * Contributor cells of one (currency, day): the sum of the rows sharing resource, usage type
 * and every dimension value, in flat arrays (ids of the dimension values, strings only for the
 * resource and usage type, whose cardinality is not bounded by series).
 */
class CellTable {
  /** Dimension ids, `width` per cell. */
  ids: Int32Array;
  units: Float64Array;
  rows: Int32Array;
  /** Next cell of the same resource (-1 = none). */
  next: Int32Array;
  resources: string[] = [];
  usageTypes: string[] = [];
  big: Map<number, bigint> | undefined;
  count = 0;
  /** First cell of each resource. */
  byResource = new Map<string, number>();
  constructor(
    readonly width: number,
    capacity: number,
  ) {
    this.ids = new Int32Array(capacity * width);
    this.units = new Float64Array(capacity);
    this.rows = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
  }

  grow(): void {
    const capacity = this.units.length * 2;
    const ids = new Int32Array(capacity * this.width);
    ids.set(this.ids);
    this.ids = ids;
    const units = new Float64Array(capacity);
    units.set(this.units);
    this.units = units;
    const rows = new Int32Array(capacity);
    rows.set(this.rows);
    this.rows = rows;
    const next = new Int32Array(capacity);
    next.set(this.next);
    this.next = next;
  }

  add(cell: number, value: number | bigint, rows: number): void {
    this.rows[cell]! += rows;
    if (typeof value === 'number') {
      const before = this.units[cell]!;
      const sum = before + value;
      if (sum <= MAX_SAFE && sum >= -MAX_SAFE) {
        this.units[cell] = sum;
        return;
      }
      this.units[cell] = 0;
      this.addBig(cell, BigInt(before) + BigInt(value));
    } else {
      this.addBig(cell, value);
    }
  }

  private addBig(cell: number, value: bigint): void {
    this.big ??= new Map();
    this.big.set(cell, (this.big.get(cell) ?? 0n) + value);
  }

  value(cell: number): Money {
    return BigInt(this.units[cell]!) + (this.big?.get(cell) ?? 0n);
  }

  magnitude(cell: number): number {
    const big = this.big?.get(cell);
    return Math.abs(big === undefined ? this.units[cell]! : this.units[cell]! + Number(big));
  }
}

/** One (currency, day): exact series sums by dimension value id, and the bounded contributor cells. */
class DayBucket {
  readonly total = new ExactSum();
  totalRows = 0;
  /** Series sums by dimension position (SERIES_DIMENSIONS, then tags), indexed by value id. */
  readonly series: ExactSlots[];
  cells: CellTable;
  /** Once cells were dropped: the |amount| a new cell's first row needs to be admitted. */
  admitThreshold = 0;
  constructor(
    readonly currency: string,
    readonly day: IsoDay,
    dimensionCount: number,
  ) {
    this.series = Array.from({ length: dimensionCount }, () => new ExactSlots());
    this.cells = new CellTable(dimensionCount, 64);
  }
}

/** Tuning of the aggregation. */
export interface AggregationOptions {
  /** Allow-listed tag keys, in the order of CostRecord.tagValues. */
  tagKeys: readonly string[];
  /**
   * Contributors kept per dimension on each point (default 10). 0 keeps none and skips the
   * contributor cells altogether: series sums only, the cheapest aggregation.
   */
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

/** Cell value positions in SerializedAggregate cells: service, account, region, category, class, resource, usage type, tags. */
const SERIAL_RESOURCE = 5;
const SERIAL_USAGE_TYPE = 6;
const SERIAL_FIRST_TAG = 7;

/** A dictionary of one dimension's values: text → small id (0 = empty, no series). */
class Dictionary {
  readonly ids = new Map<string, number>([['', NONE]]);
  readonly labels: string[] = [''];
  /** Last text looked up and its id (rows arrive in runs of equal values). */
  private lastText = '';
  private lastId = NONE;

  id(text: string): number {
    if (text === this.lastText) return this.lastId;
    let id = this.ids.get(text);
    if (id === undefined) {
      const kept = detach(text);
      id = this.labels.length;
      this.labels.push(kept);
      this.ids.set(kept, id);
    }
    this.lastText = text;
    this.lastId = id;
    return id;
  }
}

/**
 * Aggregates CostRecords into series-days: `total`, service, account, region, charge category,
 * charge class (when set) and allow-listed tags, per currency and usage day, with exact sums
 * and row counts kept per series-day (memory grows with series-days, never with rows).
 *
 * Dimension values are interned once into small ids; each day keeps its series sums in typed
 * arrays indexed by those ids. Contributors come from per-day cells keyed by every dimension
 * value plus resource and usage type. Cells are bounded per day: past `maxCellsPerDay`, the
 * smaller half (by |amount|) is dropped from contributor tracking, and from then on a new child
 * is admitted only when its row alone exceeds the drop threshold. Contributors keep the children
 * that are large — the ones an explanation needs — while a child dropped early restarts from zero
 * if it shows up again. Partial aggregates (workers) merge exactly for sums and row counts.
 */
export class CostAggregator {
  private readonly buckets = new Map<string, DayBucket>();
  private last: DayBucket | undefined;
  /** Buckets by currency then day (day texts come from the mapper's cache: cheap to hash). */
  private readonly byCurrency = new Map<string, Map<IsoDay, DayBucket>>();
  private lastCurrency: string | undefined;
  private lastDays: Map<IsoDay, DayBucket> | undefined;
  private readonly maxCells: number;
  private readonly contributorLimit: number;
  private readonly dimensionCount: number;
  private readonly dictionaries: Dictionary[];
  private readonly scratch: Int32Array;
  /** Contributor cells dropped to bound memory (0 means contributors are exact). */
  droppedCells = 0;

  constructor(private readonly options: AggregationOptions) {
    this.maxCells = Math.max(2, options.maxCellsPerDay ?? 4096);
    this.contributorLimit = options.contributorLimit ?? 10;
    this.dimensionCount = SERIES_DIMENSIONS.length + options.tagKeys.length;
    this.dictionaries = Array.from({ length: this.dimensionCount }, () => new Dictionary());
    this.scratch = new Int32Array(this.dimensionCount);
  }

  /** Adds one accepted record. */
  add(record: CostRecord): void {
    const ids = this.scratch;
    const dictionaries = this.dictionaries;
    const { service, account, region, chargeCategory, chargeClass, firstTag } = AggregatedDimension;
    ids[service] = dictionaries[service]!.id(record.service);
    ids[account] = dictionaries[account]!.id(record.account);
    ids[region] = dictionaries[region]!.id(record.region);
    ids[chargeCategory] = dictionaries[chargeCategory]!.id(record.chargeCategory);
    ids[chargeClass] = dictionaries[chargeClass]!.id(record.chargeClass);
    const tags = record.tagValues;
    for (let i = 0; i < tags.length; i++) ids[firstTag + i] = dictionaries[firstTag + i]!.id(tags[i]!);
    this.addInterned(record.currency, record.day, record.cost, ids, record.resource, record.usageType);
  }

  /** True when contributor cells are kept (resource and usage type are read only then). */
  get tracksContributors(): boolean {
    return this.contributorLimit > 0;
  }

  /**
   * The id of a dimension value (position in AggregatedDimension, allow-listed tags from
   * `firstTag` on; '' is 0, no series), for columnar readers that intern each distinct value once.
   */
  internId(dimension: number, text: string): number {
    return this.dictionaries[dimension]!.id(text);
  }

  /**
   * Adds one accepted row whose dimension values are already interned: `ids` holds one id per
   * dimension (see internId) and is not kept. Same effect as add() with the texts.
   */
  addInterned(
    currency: string,
    day: IsoDay,
    cost: number | bigint,
    ids: Int32Array,
    resource: string,
    usageType: string,
  ): void {
    const bucket = this.bucketFor(currency, day);
    bucket.total.add(cost);
    bucket.totalRows++;
    const series = bucket.series;
    const count = this.dimensionCount;
    for (let d = 0; d < count; d++) {
      const id = ids[d]!;
      if (id !== NONE) series[d]!.add(id, cost, 1);
    }
    if (this.contributorLimit > 0) this.addCell(bucket, ids, resource, usageType, cost, 1);
  }

  /** Drops the smaller half of a bucket's cells from contributor tracking. */
  private dropSmallCells(bucket: DayBucket): void {
    const old = bucket.cells;
    const n = old.count;
    const magnitudes = new Float64Array(n);
    for (let i = 0; i < n; i++) magnitudes[i] = old.magnitude(i);
    const sorted = magnitudes.slice().sort();
    const keep = Math.floor(n / 2);
    // Keep cells strictly above the median, then fill ties in arrival order up to `keep`.
    const threshold = sorted[n - keep]!;
    const fresh = new CellTable(old.width, Math.max(64, old.units.length));
    let kept = 0;
    const retain = (i: number) => {
      const at = this.newCell(fresh, old.ids, i * old.width, old.resources[i]!, old.usageTypes[i]!);
      fresh.units[at] = old.units[i]!;
      fresh.rows[at] = old.rows[i]!;
      const big = old.big?.get(i);
      if (big !== undefined) {
        fresh.big ??= new Map();
        fresh.big.set(at, big);
      }
      kept++;
    };
    for (let i = 0; i < n; i++) if (magnitudes[i]! > threshold) retain(i);
    for (let i = 0; i < n && kept < keep; i++) if (magnitudes[i] === threshold) retain(i);
    bucket.cells = fresh;
    bucket.admitThreshold = threshold;
    this.droppedCells += n - kept;
  }

  /** Appends a cell (ids copied from `source` at `offset`) to `table`; returns its index. */
  private newCell(
    table: CellTable,
    source: Int32Array,
    offset: number,
    resource: string,
    usageType: string,
  ): number {
    if (table.count >= table.units.length) table.grow();
    const at = table.count++;
    const width = table.width;
    table.ids.set(source.subarray(offset, offset + width), at * width);
    table.units[at] = 0;
    table.rows[at] = 0;
    table.resources.push(resource);
    table.usageTypes.push(usageType);
    const first = table.byResource.get(resource);
    table.next[at] = first === undefined ? -1 : first;
    table.byResource.set(resource, at);
    return at;
  }

  private addCell(
    bucket: DayBucket,
    ids: Int32Array,
    resource: string,
    usageType: string,
    amount: number | bigint,
    rows: number,
  ): void {
    let table = bucket.cells;
    const width = table.width;
    let cell = table.byResource.get(resource) ?? -1;
    while (cell >= 0) {
      if (table.usageTypes[cell] === usageType) {
        const base = cell * width;
        const cellIds = table.ids;
        let same = true;
        for (let i = 0; i < width; i++) {
          if (cellIds[base + i] !== ids[i]) {
            same = false;
            break;
          }
        }
        if (same) break;
      }
      cell = table.next[cell]!;
    }
    if (cell < 0) {
      // A full day admits a new child only if this row alone would survive the last drop:
      // small newcomers would be dropped again anyway (series sums are unaffected).
      if (bucket.admitThreshold > 0 && Math.abs(Number(amount)) <= bucket.admitThreshold) {
        this.droppedCells++;
        return;
      }
      if (table.count >= this.maxCells) {
        this.dropSmallCells(bucket);
        table = bucket.cells;
      }
      cell = this.newCell(table, ids, 0, detach(resource), detach(usageType));
    }
    table.add(cell, amount, rows);
  }

  private bucketFor(currency: string, day: IsoDay): DayBucket {
    const last = this.last;
    if (last !== undefined && last.day === day && last.currency === currency) return last;
    let days = this.lastDays;
    if (currency !== this.lastCurrency) {
      days = this.byCurrency.get(currency);
      if (days === undefined) {
        days = new Map();
        this.byCurrency.set(detach(currency), days);
      }
      this.lastCurrency = currency;
      this.lastDays = days;
    }
    let bucket = days!.get(day);
    if (bucket === undefined) {
      bucket = new DayBucket(detach(currency), detach(day), this.dimensionCount);
      days!.set(bucket.day, bucket);
      this.buckets.set(`${bucket.currency}|${bucket.day}`, bucket);
    }
    this.last = bucket;
    return bucket;
  }

  private seriesKeyOf(d: number, label: string): string {
    return d < SERIES_DIMENSIONS.length
      ? `${SERIES_DIMENSIONS[d]!}=${label}`
      : tagSeriesKey(this.options.tagKeys[d - SERIES_DIMENSIONS.length]!, label);
  }

  /** Every series-day as a CostPoint (sorted by currency, day, series key). */
  points(): CostPoint[] {
    const points: CostPoint[] = [];
    const dimensionCount = this.dimensionCount;
    const labels = this.dictionaries.map((d) => d.labels);
    const limit = this.contributorLimit;
    // Contributor dimensions: service, resource, usage type, account, region (a series never
    // lists its own dimension as contributor).
    const keyCache = this.dictionaries.map(() => new Map<number, string>());
    for (const bucket of this.buckets.values()) {
      const cells = bucket.cells;
      // Every sum of the day is exact in doubles when the cells' |amounts| add up to less than 2^53.
      let absolute = 0;
      for (let c = 0; c < cells.count; c++) absolute += Math.abs(cells.units[c]!);
      const contributorsOf =
        cells.big === undefined && absolute <= MAX_SAFE
          ? denseContributors(cells, labels, dimensionCount, limit)
          : tallyContributors(cells, labels, dimensionCount, limit);
      points.push({
        seriesKey: TOTAL_SERIES,
        currency: bucket.currency,
        day: bucket.day,
        amount: bucket.total.value(),
        rowCount: bucket.totalRows,
        contributors: contributorsOf(-1, NONE),
      });
      for (let d = 0; d < dimensionCount; d++) {
        const slots = bucket.series[d]!;
        const rows = slots.rows;
        const cache = keyCache[d]!;
        for (let id = 1; id < rows.length; id++) {
          if (rows[id] === 0) continue;
          let seriesKey = cache.get(id);
          if (seriesKey === undefined) {
            seriesKey = this.seriesKeyOf(d, labels[d]![id]!);
            cache.set(id, seriesKey);
          }
          points.push({
            seriesKey,
            currency: bucket.currency,
            day: bucket.day,
            amount: slots.value(id),
            rowCount: rows[id]!,
            contributors: contributorsOf(d, id),
          });
        }
      }
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
    const labels = this.dictionaries.map((d) => d.labels);
    return {
      tagKeys: [...this.options.tagKeys],
      buckets: [...this.buckets.values()].map((bucket) => {
        const series: Array<[number, string, string, number]> = [
          [-1, '', bucket.total.value().toString(), bucket.totalRows],
        ];
        bucket.series.forEach((slots, d) => {
          for (let id = 1; id < slots.rows.length; id++) {
            if (slots.rows[id] === 0) continue;
            series.push([d, labels[d]![id]!, slots.value(id).toString(), slots.rows[id]!]);
          }
        });
        const table = bucket.cells;
        const cells: Array<[string[], string, number]> = [];
        for (let c = 0; c < table.count; c++) {
          const values = new Array<string>(SERIAL_FIRST_TAG + this.options.tagKeys.length);
          for (let d = 0; d < this.dimensionCount; d++) {
            const label = labels[d]![table.ids[c * table.width + d]!]!;
            values[d < SERIES_DIMENSIONS.length ? d : SERIAL_FIRST_TAG + d - SERIES_DIMENSIONS.length] =
              label;
          }
          values[SERIAL_RESOURCE] = table.resources[c]!;
          values[SERIAL_USAGE_TYPE] = table.usageTypes[c]!;
          cells.push([values, table.value(c).toString(), table.rows[c]!]);
        }
        return { currency: bucket.currency, day: bucket.day, series, cells };
      }),
    };
  }

  /** Adds a partial aggregate (same tag keys) into this one; series sums and row counts merge exactly. */
  merge(partial: SerializedAggregate): void {
    if (partial.tagKeys.join('\u0000') !== this.options.tagKeys.join('\u0000')) {
      throw new RangeError(`cannot merge aggregates with different tag keys: ${partial.tagKeys.join(',')}`);
    }
    const ids = new Int32Array(this.dimensionCount);
    for (const part of partial.buckets) {
      const bucket = this.bucketFor(part.currency, part.day);
      for (const [d, value, amount, rows] of part.series) {
        if (d < 0) {
          bucket.total.add(unitsOf(amount));
          bucket.totalRows += rows;
        } else {
          bucket.series[d]!.add(this.dictionaries[d]!.id(value), unitsOf(amount), rows);
        }
      }
      if (this.contributorLimit === 0) continue;
      for (const [values, amount, rows] of part.cells) {
        for (let d = 0; d < this.dimensionCount; d++) {
          const at = d < SERIES_DIMENSIONS.length ? d : SERIAL_FIRST_TAG + d - SERIES_DIMENSIONS.length;
          ids[d] = this.dictionaries[d]!.id(values[at] ?? '');
        }
        this.addCell(
          bucket,
          ids,
          values[SERIAL_RESOURCE] ?? '',
          values[SERIAL_USAGE_TYPE] ?? '',
          unitsOf(amount),
          rows,
        );
      }
    }
  }
}

/** Contributor dimension names, in tally order. */
const CONTRIBUTOR_NAMES: readonly string[] = [
  ContributorDimension.service,
  ContributorDimension.resource,
  ContributorDimension.usageType,
  ContributorDimension.account,
  ContributorDimension.region,
];

/**
 * Contributors of a day whose sums may pass 2^53 units: exact per-child tallies keyed by text
 * (bigint where needed). Returns the contributors of series (d, id); d = -1 is the total.
 */
function tallyContributors(
  cells: CellTable,
  labels: ReadonlyArray<readonly string[]>,
  dimensionCount: number,
  limit: number,
): (d: number, id: number) => ContributorAmount[] {
  const width = cells.width;
  // Per series (dimension d, value id) → 5 tallies (service, resource, usage type, account,
  // region); a series never lists its own dimension as contributor.
  type Acc = Array<ContributorTally | undefined>;
  const accs: Array<Map<number, Acc>> = Array.from({ length: dimensionCount }, () => new Map());
  const low = (d: number, own: number) => (d === own ? undefined : new ContributorTally());
  const newAcc = (d: number): Acc => [
    low(d, SERVICE),
    new ContributorTally(),
    new ContributorTally(),
    low(d, ACCOUNT),
    low(d, REGION),
  ];
  const totalAcc = newAcc(-1);
  const addLow = (
    tally: ContributorTally | undefined,
    dimension: number,
    id: number,
    units: number,
    big: bigint | undefined,
  ) => {
    if (tally !== undefined && id !== NONE) tally.add(labels[dimension]![id]!, units, big);
  };
  const touch = (acc: Acc, c: number, units: number, big: bigint | undefined) => {
    const base = c * width;
    const resource = cells.resources[c]!;
    const usageType = cells.usageTypes[c]!;
    addLow(acc[0], SERVICE, cells.ids[base + SERVICE]!, units, big);
    if (resource !== '') acc[1]!.add(resource, units, big);
    if (usageType !== '') acc[2]!.add(usageType, units, big);
    addLow(acc[3], ACCOUNT, cells.ids[base + ACCOUNT]!, units, big);
    addLow(acc[4], REGION, cells.ids[base + REGION]!, units, big);
  };
  for (let c = 0; c < cells.count; c++) {
    const units = cells.units[c]!;
    const big = cells.big?.get(c);
    touch(totalAcc, c, units, big);
    const base = c * width;
    for (let d = 0; d < dimensionCount; d++) {
      const id = cells.ids[base + d]!;
      if (id === NONE) continue;
      const map = accs[d]!;
      let acc = map.get(id);
      if (acc === undefined) {
        acc = newAcc(d);
        map.set(id, acc);
      }
      touch(acc, c, units, big);
    }
  }
  return (d, id) => {
    const out: ContributorAmount[] = [];
    const acc = d < 0 ? totalAcc : accs[d]!.get(id);
    if (acc === undefined) return out;
    for (let k = 0; k < CONTRIBUTOR_NAMES.length; k++) acc[k]?.top(CONTRIBUTOR_NAMES[k]!, limit, out);
    return out;
  };
}

/**
 * Contributors of a day whose every sum is exact in doubles, without a map per series: the
 * cells are grouped by each dimension's value (a counting sort), and each series sums its cells'
 * amounts per child into shared typed arrays, keeps the `limit` largest by |amount| (ties by
 * name) and clears what it touched. Returns the contributors of series (d, id); d = -1 is the total.
 */
function denseContributors(
  cells: CellTable,
  labels: ReadonlyArray<readonly string[]>,
  dimensionCount: number,
  limit: number,
): (d: number, id: number) => ContributorAmount[] {
  const count = cells.count;
  const width = cells.width;
  // Each cell's child in the 5 contributor dimensions, as an index into that dimension's labels
  // (0 = none): dictionary ids for service, account and region; per-day ids for resource and usage type.
  const local = (texts: readonly string[]) => {
    const ids = new Int32Array(count);
    const names = [''];
    const byText = new Map<string, number>([['', 0]]);
    for (let c = 0; c < count; c++) {
      let id = byText.get(texts[c]!);
      if (id === undefined) {
        id = names.length;
        names.push(texts[c]!);
        byText.set(texts[c]!, id);
      }
      ids[c] = id;
    }
    return { ids, names };
  };
  const resources = local(cells.resources);
  const usageTypes = local(cells.usageTypes);
  const fromCells = (d: number) => {
    const ids = new Int32Array(count);
    for (let c = 0; c < count; c++) ids[c] = cells.ids[c * width + d]!;
    return ids;
  };
  const childOf = [fromCells(SERVICE), resources.ids, usageTypes.ids, fromCells(ACCOUNT), fromCells(REGION)];
  const names = [labels[SERVICE]!, resources.names, usageTypes.names, labels[ACCOUNT]!, labels[REGION]!];
  /** Which series dimension each contributor dimension is (a series skips its own); -2 = none. */
  const ownDimension = [SERVICE, -2, -2, ACCOUNT, REGION];
  const sums = names.map((n) => new Float64Array(n.length));
  const marks = names.map((n) => new Uint8Array(n.length));
  const touched = names.map((n) => new Int32Array(n.length));

  // Cells grouped by value id, per series dimension: cellsOf[d] lists cells, from[d][id] where id's run starts.
  const order: Int32Array[] = [];
  const from: Int32Array[] = [];
  for (let d = 0; d < dimensionCount; d++) {
    const size = labels[d]!.length;
    const starts = new Int32Array(size + 1);
    for (let c = 0; c < count; c++) starts[cells.ids[c * width + d]! + 1]!++;
    for (let id = 0; id < size; id++) starts[id + 1]! += starts[id]!;
    const next = starts.slice(0, size);
    const list = new Int32Array(count);
    for (let c = 0; c < count; c++) list[next[cells.ids[c * width + d]!]!++] = c;
    order.push(list);
    from.push(starts);
  }
  const all = Int32Array.from({ length: count }, (_, c) => c);

  return (d, id) => {
    const list = d < 0 ? all : order[d]!;
    const first = d < 0 ? 0 : from[d]![id]!;
    const last = d < 0 ? count : from[d]![id + 1]!;
    const out: ContributorAmount[] = [];
    if (first === last) return out;
    for (let k = 0; k < names.length; k++) {
      if (ownDimension[k] === d) continue;
      const child = childOf[k]!;
      const sum = sums[k]!;
      const mark = marks[k]!;
      const seen = touched[k]!;
      let n = 0;
      for (let at = first; at < last; at++) {
        const c = list[at]!;
        const x = child[c]!;
        if (x === 0) continue;
        if (mark[x] === 0) {
          mark[x] = 1;
          seen[n++] = x;
        }
        sum[x]! += cells.units[c]!;
      }
      topOf(sum, seen, n, names[k]!, CONTRIBUTOR_NAMES[k]!, limit, out);
      for (let i = 0; i < n; i++) {
        sum[seen[i]!] = 0;
        mark[seen[i]!] = 0;
      }
    }
    return out;
  };
}

/**
 * Appends the `limit` children of `seen[0, n)` with the largest |sum| (ties by name), largest
 * first, selecting without sorting every child.
 */
function topOf(
  sum: Float64Array,
  seen: Int32Array,
  n: number,
  names: readonly string[],
  dimension: string,
  limit: number,
  out: ContributorAmount[],
): void {
  const best: number[] = [];
  const before = (a: number, b: number) => {
    const ma = Math.abs(sum[a]!);
    const mb = Math.abs(sum[b]!);
    return ma > mb || (ma === mb && names[a]! < names[b]!);
  };
  for (let i = 0; i < n; i++) {
    const x = seen[i]!;
    if (best.length >= limit && !before(x, best[best.length - 1]!)) continue;
    let at = best.length;
    while (at > 0 && before(x, best[at - 1]!)) at--;
    best.splice(at, 0, x);
    if (best.length > limit) best.pop();
  }
  for (const x of best) out.push({ dimension, value: names[x]!, amount: BigInt(sum[x]!) });
}

/**
 * Serialized 10^-10 units as a number when exact in a double (the hot paths' representation),
 * else a bigint: a merged day whose cells all came back as bigints would otherwise leave the
 * double-exact contributor path for the slow one.
 */
function unitsOf(amount: string): number | bigint {
  const units = BigInt(amount);
  return units <= MAX_SAFE_BIG && units >= -MAX_SAFE_BIG ? Number(units) : units;
}

const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);
