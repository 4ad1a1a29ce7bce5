import { type AsyncBuffer, type FileMetaData, parquetSchema, type SchemaElement } from 'hyparquet';
import {
  CUR_LINE_ITEM_TYPES,
  cleanField,
  type RecordMapper,
  RejectionReason,
  tagValuesOf,
} from '#shared/billing/billing-formats';
import { detach, normaliseTagKey, parseCostUnits, parseUsageDay } from '#shared/billing/billing-record';
import { AggregatedDimension } from '#shared/billing/cost-aggregator';
import {
  type ColumnChunkValues,
  type DistinctValues,
  decodeRowGroupColumns,
  decodeRowGroupMaps,
  fastDecodeUnsupported,
  type MapChunkValues,
  mapColumnUnsupported,
} from '#shared/billing/parquet-columns';
import { decimalUnits, fixedDecimalUnits, unscaledToDecimal } from '#shared/billing/parquet-decimal';
import type { ReadTarget } from '#shared/billing/read-billing-source';
import type { IsoDay } from '#shared/cost/cost-point';

/**
 * Columnar reading of FOCUS and CUR 2.0 Parquet files: each row group's columns are decoded into
 * distinct values plus per-row indices (parquet-columns), every distinct value is converted once
 * (its text, usage day, tag values, dimension id), and rows are then assembled from integers
 * only. Tags may be a JSON text column or a MAP. Same records, rejections and line numbers as the
 * row-wise reader (a test compares both); what it does not read (CUR amortized measures, other
 * nested columns, codecs other than Snappy/gzip/none) goes row-wise through hyparquet.
 */

const MS_PER_DAY = 86_400_000;

/** How one column's raw values become text (what the row-wise reader's toText gives). */
interface ColumnType {
  element: SchemaElement;
  /** DECIMAL scale, when annotated. */
  scale: number | undefined;
  /** Stored units per millisecond of a TIMESTAMP (INT64) column (exact: nanoseconds pass 2^53). */
  unitsPerMs: bigint | undefined;
  /** A DATE (INT32 days since the epoch). */
  date: boolean;
}

function columnType(element: SchemaElement): ColumnType {
  const logical = element.logical_type;
  const decimal = element.converted_type === 'DECIMAL' || logical?.type === 'DECIMAL';
  let unitsPerMs: bigint | undefined;
  if (element.type === 'INT64') {
    if (logical?.type === 'TIMESTAMP') {
      unitsPerMs = logical.unit === 'MILLIS' ? 1n : logical.unit === 'MICROS' ? 1000n : 1_000_000n;
    } else if (element.converted_type === 'TIMESTAMP_MILLIS') unitsPerMs = 1n;
    else if (element.converted_type === 'TIMESTAMP_MICROS') unitsPerMs = 1000n;
  }
  const date = element.type === 'INT32' && (element.converted_type === 'DATE' || logical?.type === 'DATE');
  return { element, scale: decimal ? (element.scale ?? 0) : undefined, unitsPerMs, date };
}

/** Milliseconds since the epoch of a TIMESTAMP or DATE value, rounded down (exact integer arithmetic). */
function epochMs(raw: number | bigint, type: ColumnType): number {
  if (type.date) return Number(raw) * MS_PER_DAY;
  const units = BigInt(raw);
  const per = type.unitsPerMs!;
  const quotient = units / per;
  return Number(units < 0n && quotient * per !== units ? quotient - 1n : quotient);
}

/** Why this file is read row-wise instead (undefined when the columnar reader applies). */
export function columnarUnsupported(mapper: RecordMapper, metadata: FileMetaData): string | undefined {
  if (mapper.format !== 'focus' && mapper.format !== 'cur2')
    return `${mapper.format} files are read row by row`;
  if (
    mapper.format === 'cur2' &&
    (mapper.costColumn === 'amortized' || mapper.costColumn === 'net-amortized')
  )
    return `the ${mapper.costColumn} measure combines several columns per line item type: read row by row`;
  const topLevel = new Map(parquetSchema(metadata).children.map((child) => [child.element.name, child]));
  const tagsColumn = mapper.roles.tags;
  const flat: string[] = [];
  for (const name of new Set(mapper.columnsRead)) {
    const node = topLevel.get(name);
    if (node === undefined) return `column ${name} is not a top-level column`;
    if (node.children.length > 0) {
      if (name !== tagsColumn) return `column ${name} is nested`;
      const reason = mapColumnUnsupported(metadata, name);
      if (reason !== undefined) return reason;
      continue;
    }
    const type = columnType(node.element);
    if (node.element.type === 'FIXED_LEN_BYTE_ARRAY' && type.scale === undefined)
      return `column ${name} holds fixed-length bytes that are not a DECIMAL`;
    if (type.scale !== undefined && type.scale > 10) return `column ${name} has a DECIMAL scale above 10`;
    flat.push(name);
  }
  return fastDecodeUnsupported(metadata, flat);
}

/** Text of distinct value `i`, as the row-wise reader renders it (ISO timestamps, decimal text). */
function textOf(chunk: { values: DistinctValues }, type: ColumnType, i: number): string {
  const values = chunk.values;
  switch (values.kind) {
    case 'text':
      return values.items[i]!;
    case 'boolean':
      return values.items[i] ? 'true' : 'false';
    case 'double':
      return String(values.items[i]!);
    case 'fixed':
      return unscaledToDecimal(
        values.bytes.subarray(i * values.width, (i + 1) * values.width),
        type.scale ?? 0,
      );
    case 'int32':
    case 'int64': {
      const raw = values.items[i]!;
      if (type.scale !== undefined) return unscaledToDecimal(BigInt(raw), type.scale);
      if (type.unitsPerMs !== undefined || type.date) return new Date(epochMs(raw, type)).toISOString();
      return String(raw);
    }
  }
}

/** Per distinct value of a chunk, computed once per row group. */
function perDistinct<T>(chunk: { values: DistinctValues }, map: (i: number) => T): T[] {
  const count = chunk.values.kind === 'text' ? chunk.values.items.length : chunk.values.count;
  const out = new Array<T>(count);
  for (let i = 0; i < count; i++) out[i] = map(i);
  return out;
}

/** Usage days of a column's distinct values (undefined = unparseable, '' = null). */
function daysOf(
  chunk: ColumnChunkValues,
  type: ColumnType,
  cache: Map<number, IsoDay>,
): Array<IsoDay | undefined> {
  const values = chunk.values;
  if ((values.kind === 'int64' || values.kind === 'int32') && (type.unitsPerMs !== undefined || type.date)) {
    return perDistinct(chunk, (i) => {
      const epochDay = Math.floor(epochMs(values.items[i]!, type) / MS_PER_DAY);
      let day = cache.get(epochDay);
      if (day === undefined) {
        day = new Date(epochDay * MS_PER_DAY).toISOString().slice(0, 10);
        cache.set(epochDay, day);
      }
      return day;
    });
  }
  return perDistinct(chunk, (i) => parseUsageDay(cleanField(textOf(chunk, type, i))));
}

/** A column's per-distinct-value results, looked up by row (0 / '' for a null or absent column). */
interface ById {
  indices: Int32Array;
  ids: Int32Array;
}

/** Plain text for map values and keys (no logical annotation applies to tags). */
const PLAIN_TYPE: ColumnType = {
  element: { name: '' } as SchemaElement,
  scale: undefined,
  unitsPerMs: undefined,
  date: false,
};

/**
 * Reads every row group of a FOCUS or CUR 2.0 Parquet file (columnarUnsupported said yes) into
 * the target. Returns the number of data rows read.
 */
export async function readParquetColumnar(
  file: AsyncBuffer,
  metadata: FileMetaData,
  mapper: RecordMapper,
  target: ReadTarget,
): Promise<number> {
  const roles = mapper.roles;
  const topLevel = new Map(parquetSchema(metadata).children.map((child) => [child.element.name, child]));
  const names = [...new Set(mapper.columnsRead)];
  const mapColumns = names.filter((name) => (topLevel.get(name)?.children.length ?? 0) > 0);
  const flatColumns = names.filter((name) => !mapColumns.includes(name));
  const types = new Map(flatColumns.map((name) => [name, columnType(topLevel.get(name)!.element)]));
  const cur = mapper.format === 'cur2';
  const aggregator = target.aggregator;
  const rejections = target.rejections;
  const fixedPeriod = target.mapperOptions.billingPeriod;
  const tagKeys = mapper.tagKeys;
  const tagCount = tagKeys.length;
  const firstTag = AggregatedDimension.firstTag;
  const ids = new Int32Array(firstTag + tagCount);
  const noTags = new Int32Array(tagCount);
  const dayCache = new Map<number, IsoDay>();
  /** Tag ids by tags text: row groups repeat the same texts in their own dictionaries. */
  const tagIdsByText = new Map<string, Int32Array>();
  const keptText = new Map<string, string>();
  /** Currency and day texts the aggregator keys buckets by: one string object per value. */
  const kept = (text: string): string => {
    let same = keptText.get(text);
    if (same === undefined) {
      same = detach(text);
      keptText.set(same, same);
    }
    return same;
  };
  const textsOf = (chunk: ColumnChunkValues): string[] =>
    perDistinct(chunk, (i) => cleanField(textOf(chunk, types.get(chunk.name)!, i)));
  const byId = (chunk: ColumnChunkValues | undefined, dimension: number): ById | undefined =>
    chunk && {
      indices: chunk.indices,
      ids: Int32Array.from(textsOf(chunk), (text) => aggregator.internId(dimension, text)),
    };
  const texts = (chunk: ColumnChunkValues | undefined) =>
    chunk && { indices: chunk.indices, texts: textsOf(chunk) };

  let rowsRead = 0;
  let groupStart = 0;
  for (let group = 0; group < metadata.row_groups.length; group++) {
    const rows = Number(metadata.row_groups[group]!.num_rows);
    const decoded = await decodeRowGroupColumns(file, metadata, group, flatColumns);
    const maps = mapColumns.length > 0 ? await decodeRowGroupMaps(file, metadata, group, mapColumns) : [];
    const byName = new Map(decoded.map((chunk) => [chunk.name, chunk]));
    const column = (role: string): ColumnChunkValues | undefined => {
      const name = roles[role];
      return name === undefined ? undefined : byName.get(name);
    };

    const start = column('start')!;
    const startDays = daysOf(start, types.get(start.name)!, dayCache).map((d) =>
      d === undefined ? d : kept(d),
    );
    const periodStart = column('periodStart');
    const periodEnd = column('periodEnd');
    const periodStartDays = periodStart && daysOf(periodStart, types.get(periodStart.name)!, dayCache);
    const periodEndDays = periodEnd && daysOf(periodEnd, types.get(periodEnd.name)!, dayCache);
    const currency = column('currency')!;
    const currencies = textsOf(currency).map(kept);
    const account = byId(column('account'), AggregatedDimension.account);
    const region = byId(column('region'), AggregatedDimension.region);
    // The service is the first non-empty of its columns (FOCUS: one; CUR: product name, service code, product code).
    const services = (cur ? ['productName', 'serviceCode', 'productCode'] : ['service'])
      .map((role) => byId(column(role), AggregatedDimension.service))
      .filter((entry): entry is ById => entry !== undefined);
    let category: ById | undefined;
    let chargeClass: ById | undefined;
    if (cur) {
      // CUR line item type → FOCUS charge category and class, once per distinct type.
      const type = column('type')!;
      const mapped = textsOf(type).map((text) => CUR_LINE_ITEM_TYPES[text]);
      category = {
        indices: type.indices,
        ids: Int32Array.from(mapped, (m) =>
          aggregator.internId(AggregatedDimension.chargeCategory, m?.category ?? 'Adjustment'),
        ),
      };
      chargeClass = {
        indices: type.indices,
        ids: Int32Array.from(mapped, (m) =>
          aggregator.internId(AggregatedDimension.chargeClass, m?.chargeClass ?? ''),
        ),
      };
    } else {
      category = byId(column('category'), AggregatedDimension.chargeCategory);
      chargeClass = byId(column('chargeClass'), AggregatedDimension.chargeClass);
    }
    const tagsChunk = column('tags');
    const tagsMap = maps.find((m) => m.name === roles.tags);
    const tagIds =
      tagsChunk &&
      perDistinct(tagsChunk, (i) => {
        const text = cleanField(textOf(tagsChunk, types.get(tagsChunk.name)!, i));
        let known = tagIdsByText.get(text);
        if (known === undefined) {
          const values = text.length <= 2 ? new Array<string>(tagCount).fill('') : tagValuesOf(text, tagKeys);
          known = Int32Array.from(values, (value, slot) => aggregator.internId(firstTag + slot, value));
          if (tagIdsByText.size >= 65_536) tagIdsByText.clear();
          tagIdsByText.set(detach(text), known);
        }
        return known;
      });
    const mapTags =
      tagsMap && mapTagIds(tagsMap, tagKeys, (slot, value) => aggregator.internId(firstTag + slot, value));
    // Contributors: resource and usage type (absent when no contributors are kept).
    const resourceTexts = (cur ? ['resourceId'] : ['resourceName', 'resourceId'])
      .map((role) => texts(column(role)))
      .filter((entry) => entry !== undefined);
    const usageTypeTexts = (cur ? ['usageType'] : ['description', 'sku'])
      .map((role) => texts(column(role)))
      .filter((entry) => entry !== undefined);
    const cost = column('cost')!;
    const costType = types.get(cost.name)!;
    const costValues = cost.values;
    const scale = costType.scale ?? 0;
    // Costs that are not DECIMAL bytes or integers are parsed from their text, once per distinct value.
    const costOf =
      costValues.kind === 'fixed' ||
      ((costValues.kind === 'int32' || costValues.kind === 'int64') && costType.scale !== undefined)
        ? undefined
        : perDistinct(cost, (i) => parseCostUnits(cleanField(textOf(cost, costType, i)) || '0'));

    for (let r = 0; r < rows; r++) {
      rowsRead++;
      const line = groupStart + r + 2;
      const si = start.indices[r]!;
      const day = si < 0 ? undefined : startDays[si];
      if (day === undefined || day === '') {
        rejections.reject(RejectionReason.unparseableDate, line);
        continue;
      }
      if (fixedPeriod !== undefined) {
        if (day < fixedPeriod.start || day >= fixedPeriod.end) {
          rejections.reject(RejectionReason.outsideBillingPeriod, line);
          continue;
        }
      } else if (periodStartDays !== undefined && periodEndDays !== undefined) {
        const ps = periodStart!.indices[r]!;
        const pe = periodEnd!.indices[r]!;
        const from = ps < 0 ? undefined : periodStartDays[ps];
        const to = pe < 0 ? undefined : periodEndDays[pe];
        if (from && to && (day < from || day >= to)) {
          rejections.reject(RejectionReason.outsideBillingPeriod, line);
          continue;
        }
      }
      const ci = currency.indices[r]!;
      const code = ci < 0 ? '' : currencies[ci]!;
      if (code === '') {
        rejections.reject(RejectionReason.missingCurrency, line);
        continue;
      }
      const k = cost.indices[r]!;
      let units: number | bigint | undefined;
      if (costOf !== undefined) units = k < 0 ? 0 : costOf[k];
      else if (k < 0) units = 0;
      else if (costValues.kind === 'fixed')
        units = fixedDecimalUnits(costValues.bytes, k * costValues.width, costValues.width, scale);
      else units = decimalUnits((costValues as { items: Int32Array | BigInt64Array }).items[k]!, scale);
      if (units === undefined) {
        rejections.reject(RejectionReason.unparseableCost, line);
        continue;
      }
      let service = 0;
      for (let c = 0; c < services.length && service === 0; c++) service = idAt(services[c], r);
      ids[AggregatedDimension.service] = service;
      ids[AggregatedDimension.account] = idAt(account, r);
      ids[AggregatedDimension.region] = idAt(region, r);
      ids[AggregatedDimension.chargeCategory] = idAt(category, r);
      ids[AggregatedDimension.chargeClass] = idAt(chargeClass, r);
      if (tagIds !== undefined) {
        const ti = tagsChunk!.indices[r]!;
        ids.set(ti < 0 ? noTags : tagIds[ti]!, firstTag);
      } else if (mapTags !== undefined) {
        mapTags(r, ids, firstTag);
      } else if (tagCount > 0) {
        ids.set(noTags, firstTag);
      }
      aggregator.addInterned(
        code,
        day,
        units,
        ids,
        firstText(resourceTexts, r),
        firstText(usageTypeTexts, r),
      );
    }
    groupStart += rows;
  }
  return rowsRead;
}

/** The id of row `row` in a column's per-distinct ids (0 when the column is absent or null). */
function idAt(column: ById | undefined, row: number): number {
  if (column === undefined) return 0;
  const i = column.indices[row]!;
  return i < 0 ? 0 : column.ids[i]!;
}

/** The first non-empty text of `row` among columns in order ('' when none). */
function firstText(columns: ReadonlyArray<{ indices: Int32Array; texts: string[] }>, row: number): string {
  for (let c = 0; c < columns.length; c++) {
    const column = columns[c]!;
    const i = column.indices[row]!;
    const text = i < 0 ? '' : column.texts[i]!;
    if (text !== '') return text;
  }
  return '';
}

/**
 * Writes a row's allow-listed tag ids from a MAP column into `ids` at `offset`: keys are matched
 * like tagValuesOf (trimmed, normalised), a later non-empty value for the same key slot wins,
 * null and empty values set nothing. Keys and values are converted once per distinct value.
 */
function mapTagIds(
  map: MapChunkValues,
  tagKeys: readonly string[],
  intern: (slot: number, value: string) => number,
): (row: number, ids: Int32Array, offset: number) => void {
  const slots = Int32Array.from(
    perDistinct(map.keys, (i) => tagKeys.indexOf(normaliseTagKey(textOf(map.keys, PLAIN_TYPE, i).trim()))),
  );
  const valueTexts = perDistinct(map.values, (i) => textOf(map.values, PLAIN_TYPE, i));
  // Value ids per slot, filled on first use (-1 = not yet interned).
  const valueIds = tagKeys.map(() => new Int32Array(valueTexts.length).fill(-1));
  const { offsets } = map;
  const keyIndices = map.keys.indices;
  const valueIndices = map.values.indices;
  return (row, ids, offset) => {
    ids.fill(0, offset, offset + tagKeys.length);
    for (let e = offsets[row]!; e < offsets[row + 1]!; e++) {
      const slot = slots[keyIndices[e]!]!;
      const v = valueIndices[e]!;
      if (slot < 0 || v < 0) continue;
      const bySlot = valueIds[slot]!;
      let id = bySlot[v]!;
      if (id < 0) {
        id = valueTexts[v] === '' ? 0 : intern(slot, valueTexts[v]!);
        bySlot[v] = id;
      }
      if (id !== 0) ids[offset + slot] = id;
    }
  };
}
