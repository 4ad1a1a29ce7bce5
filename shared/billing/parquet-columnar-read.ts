import type { AsyncBuffer, FileMetaData, SchemaElement } from 'hyparquet';
import { cleanField, type RecordMapper, RejectionReason, tagValuesOf } from '#shared/billing/billing-formats';
import { detach, parseCostUnits, parseUsageDay } from '#shared/billing/billing-record';
import { AggregatedDimension } from '#shared/billing/cost-aggregator';
import {
  type ColumnChunkValues,
  decodeRowGroupColumns,
  fastDecodeUnsupported,
} from '#shared/billing/parquet-columns';
import type { ReadTarget } from '#shared/billing/read-billing-source';
import type { IsoDay } from '#shared/cost/cost-point';

/**
 * Columnar reading of a flat FOCUS Parquet file: each row group's columns are decoded into
 * distinct values plus per-row indices (parquet-columns), every distinct value is converted once
 * (its text, usage day, tag values, dimension id), and rows are then assembled from integers
 * only. Same records, rejections and line numbers as the row-wise reader (a test compares both);
 * files it cannot read this way (CUR, nested columns, other codecs) go row-wise through hyparquet.
 */

const MS_PER_DAY = 86_400_000;
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];
const TWO_32 = 2 ** 32;

/** How one column's raw values become text (what the row-wise reader's toText gives). */
interface ColumnType {
  element: SchemaElement;
  /** DECIMAL scale, when annotated. */
  scale: number | undefined;
  /** Milliseconds per stored unit of a TIMESTAMP (INT64) or DATE (INT32) column. */
  msPerUnit: number | undefined;
}

function columnType(element: SchemaElement): ColumnType {
  const logical = element.logical_type;
  const decimal = element.converted_type === 'DECIMAL' || logical?.type === 'DECIMAL';
  let msPerUnit: number | undefined;
  if (element.type === 'INT64') {
    if (logical?.type === 'TIMESTAMP') {
      msPerUnit = logical.unit === 'MILLIS' ? 1 : logical.unit === 'MICROS' ? 1e-3 : 1e-6;
    } else if (element.converted_type === 'TIMESTAMP_MILLIS') msPerUnit = 1;
    else if (element.converted_type === 'TIMESTAMP_MICROS') msPerUnit = 1e-3;
  } else if (element.type === 'INT32' && (element.converted_type === 'DATE' || logical?.type === 'DATE')) {
    msPerUnit = MS_PER_DAY;
  }
  return { element, scale: decimal ? (element.scale ?? 0) : undefined, msPerUnit };
}

/** Why this file is read row-wise instead (undefined when the columnar reader applies). */
export function columnarUnsupported(mapper: RecordMapper, metadata: FileMetaData): string | undefined {
  if (mapper.format !== 'focus') return `${mapper.format} files are read row by row`;
  const elements = new Map(metadata.schema.slice(1).map((e) => [e.name, e]));
  for (const name of new Set(mapper.columnsRead)) {
    const element = elements.get(name);
    if (element === undefined) return `column ${name} is not a top-level column`;
    const type = columnType(element);
    if (element.type === 'FIXED_LEN_BYTE_ARRAY' && type.scale === undefined)
      return `column ${name} holds fixed-length bytes that are not a DECIMAL`;
    if (type.scale !== undefined && type.scale > 10) return `column ${name} has a DECIMAL scale above 10`;
  }
  return fastDecodeUnsupported(metadata, [...new Set(mapper.columnsRead)]);
}

/** Exact 10^-10 units of a big-endian two's complement DECIMAL at `offset` (a number below 2^53). */
function fixedDecimalUnits(bytes: Uint8Array, offset: number, width: number, scale: number): number | bigint {
  const factor = POW10[10 - scale]!;
  const negative = (bytes[offset]! & 0x80) !== 0;
  const fill = negative ? 0xff : 0;
  const end = offset + width;
  let fits = true;
  for (let i = offset; i < end - 7; i++) {
    if (bytes[i] !== fill) {
      fits = false;
      break;
    }
  }
  if (fits) {
    // Negative values are read as their one's complement (small), then negated: -(~v + 1).
    let high = 0;
    let low = 0;
    for (let i = Math.max(offset, end - 7); i < end - 4; i++) high = high * 256 + (bytes[i]! ^ fill);
    for (let i = Math.max(offset, end - 4); i < end; i++) low = low * 256 + (bytes[i]! ^ fill);
    const magnitude = high * TWO_32 + low;
    const unscaled = negative ? -(magnitude + 1) : magnitude;
    const units = unscaled * factor;
    if (Number.isSafeInteger(units)) return units === 0 ? 0 : units;
  }
  let value = 0n;
  for (let i = offset; i < end; i++) value = (value << 8n) | BigInt(bytes[i]!);
  if (negative) value -= 1n << BigInt(width * 8);
  const exact = value * BigInt(factor);
  return exact >= -9007199254740991n && exact <= 9007199254740991n ? Number(exact) : exact;
}

function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** Text of distinct value `i`, as the row-wise reader renders it (ISO timestamps, decimal text). */
function textOf(chunk: ColumnChunkValues, type: ColumnType, i: number): string {
  const values = chunk.values;
  switch (values.kind) {
    case 'text':
      return values.items[i]!;
    case 'boolean':
      return values.items[i] ? 'true' : 'false';
    case 'double':
      return String(values.items[i]!);
    case 'fixed': {
      let value = 0n;
      const at = i * values.width;
      for (let b = at; b < at + values.width; b++) value = (value << 8n) | BigInt(values.bytes[b]!);
      if (values.width > 0 && (values.bytes[at]! & 0x80) !== 0) value -= 1n << BigInt(values.width * 8);
      return decimalText(value, type.scale ?? 0);
    }
    case 'int32':
    case 'int64': {
      const raw = values.items[i]!;
      if (type.scale !== undefined) return decimalText(BigInt(raw), type.scale);
      if (type.msPerUnit !== undefined)
        return new Date(Math.floor(Number(raw) * type.msPerUnit)).toISOString();
      return String(raw);
    }
  }
}

/** Per distinct value of a chunk, computed once per row group. */
function perDistinct<T>(chunk: ColumnChunkValues, map: (i: number) => T): T[] {
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
  if ((values.kind === 'int64' || values.kind === 'int32') && type.msPerUnit !== undefined) {
    const unit = type.msPerUnit;
    return perDistinct(chunk, (i) => {
      const epochDay = Math.floor((Number(values.items[i]!) * unit) / MS_PER_DAY);
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

/**
 * Reads every row group of a FOCUS Parquet file (columnarUnsupported said yes) into the target.
 * Returns the number of data rows read.
 */
export async function readParquetColumnar(
  file: AsyncBuffer,
  metadata: FileMetaData,
  mapper: RecordMapper,
  target: ReadTarget,
): Promise<number> {
  const roles = mapper.roles;
  const names = [...new Set(mapper.columnsRead)];
  const elements = new Map(metadata.schema.slice(1).map((e) => [e.name, e]));
  const types = new Map(names.map((name) => [name, columnType(elements.get(name)!)]));
  const aggregator = target.aggregator;
  const rejections = target.rejections;
  const fixedPeriod = target.mapperOptions.billingPeriod;
  const tagCount = mapper.tagKeys.length;
  const ids = new Int32Array(AggregatedDimension.firstTag + tagCount);
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
  const dimensionIds = (chunk: ColumnChunkValues | undefined, dimension: number): Int32Array | undefined => {
    if (chunk === undefined) return undefined;
    const type = types.get(chunk.name)!;
    return Int32Array.from(
      perDistinct(chunk, (i) => aggregator.internId(dimension, cleanField(textOf(chunk, type, i)))),
    );
  };
  const texts = (chunk: ColumnChunkValues | undefined): string[] | undefined =>
    chunk === undefined
      ? undefined
      : perDistinct(chunk, (i) => cleanField(textOf(chunk, types.get(chunk.name)!, i)));

  let rowsRead = 0;
  let groupStart = 0;
  for (let group = 0; group < metadata.row_groups.length; group++) {
    const rows = Number(metadata.row_groups[group]!.num_rows);
    const decoded = await decodeRowGroupColumns(file, metadata, group, names);
    const byName = new Map(decoded.map((chunk) => [chunk.name, chunk]));
    const column = (role: string): ColumnChunkValues | undefined => {
      const name = roles[role];
      return name === undefined ? undefined : byName.get(name);
    };
    const start = column('start')!;
    const serviceChunk = column('service');
    const accountChunk = column('account');
    const regionChunk = column('region');
    const categoryChunk = column('category');
    const classChunk = column('chargeClass');
    const resourceNameChunk = column('resourceName');
    const resourceIdChunk = column('resourceId');
    const descriptionChunk = column('description');
    const skuChunk = column('sku');
    const startDays = daysOf(start, types.get(start.name)!, dayCache).map((d) =>
      d === undefined ? d : kept(d),
    );
    const periodStart = column('periodStart');
    const periodEnd = column('periodEnd');
    const periodStartDays = periodStart && daysOf(periodStart, types.get(periodStart.name)!, dayCache);
    const periodEndDays = periodEnd && daysOf(periodEnd, types.get(periodEnd.name)!, dayCache);
    const currency = column('currency')!;
    const currencies = texts(currency)!.map(kept);
    const serviceIds = dimensionIds(serviceChunk, AggregatedDimension.service);
    const accountIds = dimensionIds(accountChunk, AggregatedDimension.account);
    const regionIds = dimensionIds(regionChunk, AggregatedDimension.region);
    const categoryIds = dimensionIds(categoryChunk, AggregatedDimension.chargeCategory);
    const classIds = dimensionIds(classChunk, AggregatedDimension.chargeClass);
    const tags = column('tags');
    const tagIds =
      tags &&
      perDistinct(tags, (i) => {
        const text = cleanField(textOf(tags, types.get(tags.name)!, i));
        let known = tagIdsByText.get(text);
        if (known === undefined) {
          const values =
            text.length <= 2 ? new Array<string>(tagCount).fill('') : tagValuesOf(text, mapper.tagKeys);
          known = Int32Array.from(values, (value, slot) =>
            aggregator.internId(AggregatedDimension.firstTag + slot, value),
          );
          if (tagIdsByText.size >= 65_536) tagIdsByText.clear();
          tagIdsByText.set(detach(text), known);
        }
        return known;
      });
    const noTags = new Int32Array(tagCount);
    const resourceNames = texts(resourceNameChunk);
    const resourceIds = texts(resourceIdChunk);
    const descriptions = texts(descriptionChunk);
    const skus = texts(skuChunk);
    const cost = column('cost')!;
    const costType = types.get(cost.name)!;
    const costValues = cost.values;
    // Costs that are not DECIMAL bytes or integers are parsed from their text, once per distinct value.
    const costOf =
      costValues.kind === 'fixed' ||
      ((costValues.kind === 'int32' || costValues.kind === 'int64') && costType.scale !== undefined)
        ? undefined
        : perDistinct(cost, (i) => parseCostUnits(cleanField(textOf(cost, costType, i)) || '0'));
    const scale = costType.scale ?? 0;

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
      else {
        const raw = (costValues as { items: Int32Array | BigInt64Array }).items[k]!;
        const factor = POW10[10 - scale]!;
        const small = Number(raw) * factor;
        units = Number.isSafeInteger(small) ? small : BigInt(raw) * BigInt(factor);
      }
      if (units === undefined) {
        rejections.reject(RejectionReason.unparseableCost, line);
        continue;
      }
      ids[AggregatedDimension.service] = lookup(serviceIds, serviceChunk, r);
      ids[AggregatedDimension.account] = lookup(accountIds, accountChunk, r);
      ids[AggregatedDimension.region] = lookup(regionIds, regionChunk, r);
      ids[AggregatedDimension.chargeCategory] = lookup(categoryIds, categoryChunk, r);
      ids[AggregatedDimension.chargeClass] = lookup(classIds, classChunk, r);
      const ti = tags === undefined ? -1 : tags.indices[r]!;
      ids.set(ti < 0 ? noTags : tagIds![ti]!, AggregatedDimension.firstTag);
      let resource = '';
      let usageType = '';
      if (resourceNames !== undefined || resourceIds !== undefined) {
        resource = pick(resourceNames, resourceNameChunk, r) || pick(resourceIds, resourceIdChunk, r);
      }
      if (descriptions !== undefined || skus !== undefined) {
        usageType = pick(descriptions, descriptionChunk, r) || pick(skus, skuChunk, r);
      }
      aggregator.addInterned(code, day, units, ids, resource, usageType);
    }
    groupStart += rows;
  }
  return rowsRead;
}

function lookup(ids: Int32Array | undefined, chunk: ColumnChunkValues | undefined, row: number): number {
  if (ids === undefined) return 0;
  const i = chunk!.indices[row]!;
  return i < 0 ? 0 : ids[i]!;
}

function pick(texts: string[] | undefined, chunk: ColumnChunkValues | undefined, row: number): string {
  if (texts === undefined) return '';
  const i = chunk!.indices[row]!;
  return i < 0 ? '' : texts[i]!;
}
