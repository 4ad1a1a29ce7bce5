import {
  type CostRecord,
  detach,
  normaliseTagKey,
  parseCostUnits,
  parseUsageDay,
} from '#shared/billing/billing-record';
import type { IsoDay } from '#shared/cost/cost-point';
import { InvalidInputError } from '#shared/errors';

/** Export formats we read; all map to the same CostRecord. */
export type BillingFormat = 'focus' | 'cur2' | 'cur-legacy';

/** FOCUS cost columns that can be aggregated. */
export const FOCUS_COST_COLUMNS = ['EffectiveCost', 'BilledCost', 'ListCost', 'ContractedCost'] as const;
/** CUR cost measures (see docs/billing-formats.md for the amortized formulas). */
export const CUR_COST_MEASURES = [
  'unblended',
  'blended',
  'net-unblended',
  'amortized',
  'net-amortized',
] as const;

/** Default cost column per format. */
export const DEFAULT_COST_COLUMN: Record<BillingFormat, string> = {
  focus: 'EffectiveCost',
  cur2: 'unblended',
  'cur-legacy': 'unblended',
};

/** Why a row was refused; counted per reason in the ingestion report. */
export const RejectionReason = {
  raggedRow: 'ragged-row',
  repeatedHeader: 'repeated-header',
  unparseableCost: 'unparseable-cost',
  unparseableDate: 'unparseable-date',
  outsideBillingPeriod: 'outside-billing-period',
  missingCurrency: 'missing-currency',
  missingAmortizationColumn: 'missing-amortization-column',
  unterminatedQuote: 'unterminated-quote',
} as const;

/** A header that is not a billing export we know, or lacks required columns. */
export class UnsupportedBillingFileError extends InvalidInputError {}

/** Recognises the export format from the header's column names; throws when none matches. */
export function detectBillingFormat(header: readonly string[]): BillingFormat {
  const names = new Set(header);
  if (names.has('lineItem/UnblendedCost') || names.has('lineItem/UsageStartDate')) return 'cur-legacy';
  if (names.has('line_item_unblended_cost') || names.has('line_item_usage_start_date')) return 'cur2';
  if (names.has('ChargePeriodStart') || names.has('BilledCost') || names.has('EffectiveCost')) return 'focus';
  const shown = header.slice(0, 6).map((h) => JSON.stringify(h.slice(0, 40)));
  throw new UnsupportedBillingFileError(
    `not a billing export we know (FOCUS 1.x, AWS CUR 2.0 or legacy CUR): header starts with ${shown.join(', ')}`,
  );
}

/** Options that shape how rows are read. */
export interface RecordMapperOptions {
  /** FOCUS: EffectiveCost | BilledCost | ListCost | ContractedCost; CUR: unblended | blended | net-unblended | amortized | net-amortized. */
  costColumn?: string;
  /** Tag keys kept as series (compared case- and punctuation-insensitively, `user:` prefix ignored). */
  tagKeys: readonly string[];
  /** When set (e.g. from a manifest), rows whose usage day is outside [start, end) are refused. */
  billingPeriod?: { start: IsoDay; end: IsoDay };
  /**
   * False when no contributors are kept: the resource and usage type columns are then not read
   * (records carry '' for them), so columnar and projecting readers skip those columns.
   */
  contributorColumns?: boolean;
}

/** Maps one row (fields by header position) into a CostRecord; returns a rejection reason or undefined. */
export interface RecordMapper {
  format: BillingFormat;
  costColumn: string;
  /** Columns the mapper reads (for columnar readers that can skip the rest). */
  columnsRead: string[];
  /** The column read for each role (FOCUS_LAYOUT / curLayout role names, plus `cost`). */
  roles: Readonly<Record<string, string>>;
  /** Allow-listed tag keys, normalised (normaliseTagKey), in CostRecord.tagValues order. */
  tagKeys: readonly string[];
  /** Header position of the JSON tags column (FOCUS Tags, CUR 2.0 resource_tags), if present. */
  jsonColumn?: number;
  /**
   * From now on the JSON tags column arrives as raw CSV text (its doubled quotes kept): the
   * mapper unescapes it only when it meets a new tags text (the CSV reader skips the copy).
   */
  keepDoubledQuotesInJson(): void;
  map(fields: readonly string[], into: CostRecord): string | undefined;
}

type Getter = (fields: readonly string[]) => string;

interface Layout {
  required: Record<string, string[]>;
  optional: Record<string, string[]>;
}

const FOCUS_LAYOUT: Layout = {
  required: {
    start: ['ChargePeriodStart'],
    currency: ['BillingCurrency'],
    service: ['ServiceName'],
    category: ['ChargeCategory'],
  },
  optional: {
    account: ['SubAccountId'],
    region: ['RegionId', 'Region'],
    chargeClass: ['ChargeClass'],
    resourceName: ['ResourceName'],
    resourceId: ['ResourceId'],
    description: ['ChargeDescription'],
    sku: ['SkuId'],
    tags: ['Tags'],
    periodStart: ['BillingPeriodStart'],
    periodEnd: ['BillingPeriodEnd'],
  },
};

function curLayout(legacy: boolean): Layout {
  const c = (snake: string, slash: string) => [legacy ? slash : snake];
  return {
    required: {
      start: c('line_item_usage_start_date', 'lineItem/UsageStartDate'),
      currency: c('line_item_currency_code', 'lineItem/CurrencyCode'),
      type: c('line_item_line_item_type', 'lineItem/LineItemType'),
      account: c('line_item_usage_account_id', 'lineItem/UsageAccountId'),
    },
    optional: {
      productName: c('product_product_name', 'product/ProductName'),
      serviceCode: c('product_servicecode', 'product/servicecode'),
      productCode: c('line_item_product_code', 'lineItem/ProductCode'),
      region: legacy ? ['product/regionCode', 'product/region'] : ['product_region_code', 'product_region'],
      resourceId: c('line_item_resource_id', 'lineItem/ResourceId'),
      usageType: c('line_item_usage_type', 'lineItem/UsageType'),
      tags: legacy ? [] : ['resource_tags'],
      periodStart: c('bill_billing_period_start_date', 'bill/BillingPeriodStartDate'),
      periodEnd: c('bill_billing_period_end_date', 'bill/BillingPeriodEndDate'),
      // Amortization inputs.
      spEffective: c('savings_plan_savings_plan_effective_cost', 'savingsPlan/SavingsPlanEffectiveCost'),
      spNetEffective: c(
        'savings_plan_net_savings_plan_effective_cost',
        'savingsPlan/NetSavingsPlanEffectiveCost',
      ),
      spCommitment: c('savings_plan_total_commitment_to_date', 'savingsPlan/TotalCommitmentToDate'),
      spUsed: c('savings_plan_used_commitment', 'savingsPlan/UsedCommitment'),
      riEffective: c('reservation_effective_cost', 'reservation/EffectiveCost'),
      riNetEffective: c('reservation_net_effective_cost', 'reservation/NetEffectiveCost'),
      riUnusedUpfront: c(
        'reservation_unused_amortized_upfront_fee_for_billing_period',
        'reservation/UnusedAmortizedUpfrontFeeForBillingPeriod',
      ),
      riUnusedRecurring: c('reservation_unused_recurring_fee', 'reservation/UnusedRecurringFee'),
      riNetUnusedUpfront: c(
        'reservation_net_unused_amortized_upfront_fee_for_billing_period',
        'reservation/NetUnusedAmortizedUpfrontFeeForBillingPeriod',
      ),
      riNetUnusedRecurring: c('reservation_net_unused_recurring_fee', 'reservation/NetUnusedRecurringFee'),
      riArn: c('reservation_reservation_a_r_n', 'reservation/ReservationARN'),
    },
  };
}

const CUR_COST_COLUMN: Record<string, [string, string]> = {
  unblended: ['line_item_unblended_cost', 'lineItem/UnblendedCost'],
  blended: ['line_item_blended_cost', 'lineItem/BlendedCost'],
  'net-unblended': ['line_item_net_unblended_cost', 'lineItem/NetUnblendedCost'],
  amortized: ['line_item_unblended_cost', 'lineItem/UnblendedCost'],
  'net-amortized': ['line_item_net_unblended_cost', 'lineItem/NetUnblendedCost'],
};

/**
 * CUR `line_item_line_item_type` → FOCUS ChargeCategory (and ChargeClass). Unknown types become
 * Adjustment so they are never mistaken for usage.
 */
export const CUR_LINE_ITEM_TYPES: Record<string, { category: string; chargeClass?: string }> = {
  Usage: { category: 'Usage' },
  DiscountedUsage: { category: 'Usage' },
  SavingsPlanCoveredUsage: { category: 'Usage' },
  SavingsPlanNegation: { category: 'Usage' },
  Fee: { category: 'Purchase' },
  RIFee: { category: 'Purchase' },
  SavingsPlanRecurringFee: { category: 'Purchase' },
  SavingsPlanUpfrontFee: { category: 'Purchase' },
  Tax: { category: 'Tax' },
  Credit: { category: 'Credit' },
  BundledDiscount: { category: 'Credit' },
  EdpDiscount: { category: 'Credit' },
  PrivateRateDiscount: { category: 'Credit' },
  DistributorDiscount: { category: 'Credit' },
  Discount: { category: 'Credit' },
  Refund: { category: 'Credit', chargeClass: 'Correction' },
};

function isNull(text: string): boolean {
  return text === '' || text === 'NULL' || text === 'null';
}

/** A field's text with the null spellings of exports ('', NULL, null) as ''. */
export function cleanField(text: string | undefined): string {
  return text === undefined || isNull(text) ? '' : text;
}

const clean = cleanField;

/** Roles that only feed contributors (skipped when RecordMapperOptions.contributorColumns is false). */
const CONTRIBUTOR_ROLES = new Set(['resourceName', 'resourceId', 'description', 'sku', 'usageType']);

/**
 * The allow-listed tag values (by position in `wanted`, normalised keys) of a JSON tags text:
 * an object, or a Parquet MAP's [{key, value}] entries. Text that is not JSON carries no values.
 */
export function tagValuesOf(text: string, wanted: readonly string[]): string[] {
  const values = new Array<string>(wanted.length).fill('');
  try {
    let parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) {
      parsed = Object.fromEntries(
        parsed
          .filter((e): e is { key: unknown; value: unknown } => !!e && typeof e === 'object' && 'key' in e)
          .map((e) => [String(e.key), e.value]),
      );
    }
    if (parsed && typeof parsed === 'object') {
      for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
        const slot = wanted.indexOf(normaliseTagKey(key.trim()));
        if (slot >= 0 && value !== null && value !== undefined && value !== '') values[slot] = String(value);
      }
    }
  } catch {
    // Tags that are not JSON carry no allow-listed values; the row's cost still counts.
  }
  return values;
}

/**
 * Builds the mapper for a header: detects the format, checks required columns (refusing the
 * file with every missing column named), and precomputes column positions.
 */
export function createRecordMapper(header: readonly string[], options: RecordMapperOptions): RecordMapper {
  const format = detectBillingFormat(header);
  const index = new Map<string, number>();
  header.forEach((name, i) => {
    if (!index.has(name)) index.set(name, i);
  });
  const legacy = format === 'cur-legacy';
  const layout = format === 'focus' ? FOCUS_LAYOUT : curLayout(legacy);
  const costColumn = options.costColumn ?? DEFAULT_COST_COLUMN[format];
  let costName: string;
  if (format === 'focus') {
    if (!(FOCUS_COST_COLUMNS as readonly string[]).includes(costColumn)) {
      throw new UnsupportedBillingFileError(
        `cost column ${JSON.stringify(costColumn)} does not apply to a FOCUS file; use one of ${FOCUS_COST_COLUMNS.join(', ')}`,
      );
    }
    costName = costColumn;
  } else {
    const pair = CUR_COST_COLUMN[costColumn];
    if (!pair) {
      throw new UnsupportedBillingFileError(
        `cost column ${JSON.stringify(costColumn)} does not apply to a ${format} file; use one of ${CUR_COST_MEASURES.join(', ')}`,
      );
    }
    costName = legacy ? pair[1] : pair[0];
  }
  const required: Record<string, string[]> = { ...layout.required, cost: [costName] };
  const missing: string[] = [];
  const positions: Record<string, number> = {};
  for (const [role, names] of Object.entries(required)) {
    const found = names.find((n) => index.has(n));
    if (found === undefined) missing.push(names.join(' or '));
    else positions[role] = index.get(found)!;
  }
  if (format !== 'focus' && !['productName', 'serviceCode', 'productCode'].some((role) => hasAny(role))) {
    missing.push(
      legacy ? 'product/ProductName or product/servicecode' : 'product_product_name or product_servicecode',
    );
  }
  if (missing.length > 0) {
    throw new UnsupportedBillingFileError(
      `${format} file is missing required column${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}; nothing was ingested`,
    );
  }
  for (const [role, names] of Object.entries(layout.optional)) {
    if (options.contributorColumns === false && CONTRIBUTOR_ROLES.has(role)) continue;
    const found = names.find((n) => index.has(n));
    if (found !== undefined) positions[role] = index.get(found)!;
  }
  function hasAny(role: string): boolean {
    return (layout.optional[role] ?? []).some((n) => index.has(n));
  }
  const read = (role: string): Getter => {
    const at = positions[role];
    if (at === undefined) return () => '';
    return (fields) => clean(fields[at]);
  };
  const columnsRead = Object.values(positions).map((i) => header[i]!);
  const roles = Object.fromEntries(Object.entries(positions).map(([role, at]) => [role, header[at]!]));

  // Tags: a JSON column (FOCUS Tags, CUR 2.0 resource_tags) or one column per tag (legacy resourceTags/...).
  const wanted = options.tagKeys.map(normaliseTagKey);
  const tagColumns: Array<{ at: number; slot: number }> = [];
  if (legacy) {
    header.forEach((name, at) => {
      if (!name.startsWith('resourceTags/')) return;
      const slot = wanted.indexOf(normaliseTagKey(name.slice('resourceTags/'.length)));
      if (slot >= 0) {
        tagColumns.push({ at, slot });
        columnsRead.push(name);
      }
    });
  }
  const tagJson = read('tags');
  let rawJson = false;
  const keepDoubledQuotesInJson = () => {
    rawJson = true;
    tagCache.clear();
  };
  const jsonColumn = positions.tags;
  const tagCache = new Map<string, string[]>();
  const fillTags = (fields: readonly string[], into: string[]): void => {
    into.fill('');
    for (const { at, slot } of tagColumns) into[slot] = clean(fields[at]);
    const text = tagJson(fields);
    if (text.length <= 2) return;
    let values = tagCache.get(text);
    if (values === undefined) {
      values = tagValuesOf(rawJson ? text.replaceAll('""', '"') : text, wanted);
      if (tagCache.size >= 65_536) tagCache.clear();
      tagCache.set(detach(text), values);
    }
    for (let i = 0; i < values.length; i++) if (values[i] !== '') into[i] = values[i]!;
  };

  const start = read('start');
  const currency = read('currency');
  const costAt = positions.cost!;
  const periodStart = read('periodStart');
  const periodEnd = read('periodEnd');
  const headerFirst = header[0];
  const width = header.length;
  // Billing periods repeat on every row (a file often mixes two months): remember the last few.
  const periods: Array<{ s: string; e: string; period: { start: IsoDay; end: IsoDay } | undefined }> = [];
  const rowPeriod = (fields: readonly string[]): { start: IsoDay; end: IsoDay } | undefined => {
    const s = periodStart(fields);
    const e = periodEnd(fields);
    for (let i = 0; i < periods.length; i++) {
      const known = periods[i]!;
      if (known.s === s && known.e === e) return known.period;
    }
    const startDay = parseUsageDay(s);
    const endDay = parseUsageDay(e);
    const period = startDay && endDay ? { start: startDay, end: endDay } : undefined;
    if (periods.length >= 8) periods.shift();
    periods.push({ s: detach(s), e: detach(e), period });
    return period;
  };

  // Usage timestamps repeat (hours of a period): remember their days.
  const dayCache = new Map<string, IsoDay | undefined>();
  // Exports usually come in time order: consecutive rows share their usage start.
  let lastStart = '';
  let lastDay: IsoDay | undefined;
  const usageDay = (text: string): IsoDay | undefined => {
    if (text === lastStart) return lastDay;
    let day = dayCache.get(text);
    if (day === undefined && !dayCache.has(text)) {
      day = parseUsageDay(text);
      if (dayCache.size >= 50_000) dayCache.clear();
      dayCache.set(detach(text), day);
    }
    lastStart = text;
    lastDay = day;
    return day;
  };

  const common = (fields: readonly string[], into: CostRecord): string | undefined => {
    if (fields.length !== width) {
      return fields[0] === headerFirst && fields[costAt] === costName
        ? RejectionReason.repeatedHeader
        : RejectionReason.raggedRow;
    }
    if (fields[costAt] === costName && fields[0] === headerFirst) return RejectionReason.repeatedHeader;
    const day = usageDay(start(fields));
    if (day === undefined) return RejectionReason.unparseableDate;
    const period = options.billingPeriod ?? rowPeriod(fields);
    if (period && (day < period.start || day >= period.end)) return RejectionReason.outsideBillingPeriod;
    into.day = day;
    into.currency = currency(fields);
    if (into.currency === '') return RejectionReason.missingCurrency;
    fillTags(fields, into.tagValues);
    return undefined;
  };

  if (format === 'focus') {
    const service = read('service');
    const account = read('account');
    const region = read('region');
    const category = read('category');
    const chargeClass = read('chargeClass');
    const resourceName = read('resourceName');
    const resourceId = read('resourceId');
    const description = read('description');
    const sku = read('sku');
    return {
      format,
      costColumn,
      columnsRead,
      roles,
      tagKeys: wanted,
      jsonColumn,
      keepDoubledQuotesInJson,
      map(fields, into) {
        const rejected = common(fields, into);
        if (rejected) return rejected;
        const cost = parseCostUnits(clean(fields[costAt]) || '0');
        if (cost === undefined) return RejectionReason.unparseableCost;
        into.cost = cost;
        into.service = service(fields);
        into.account = account(fields);
        into.region = region(fields);
        into.chargeCategory = category(fields);
        into.chargeClass = chargeClass(fields);
        into.resource = resourceName(fields) || resourceId(fields);
        into.usageType = description(fields) || sku(fields);
        return undefined;
      },
    };
  }

  const productName = read('productName');
  const serviceCode = read('serviceCode');
  const productCode = read('productCode');
  const account = read('account');
  const region = read('region');
  const type = read('type');
  const resourceId = read('resourceId');
  const usageType = read('usageType');
  const net = costColumn === 'net-amortized';
  const amortized = costColumn === 'amortized' || net;
  const optionalCost = (role: string) => {
    const at = positions[role];
    return (fields: readonly string[]): number | bigint | undefined | null => {
      if (at === undefined) return null;
      return parseCostUnits(clean(fields[at]) || '0');
    };
  };
  const spEffective = optionalCost(net ? 'spNetEffective' : 'spEffective');
  const spCommitment = optionalCost('spCommitment');
  const spUsed = optionalCost('spUsed');
  const riEffective = optionalCost(net ? 'riNetEffective' : 'riEffective');
  const riUnusedUpfront = optionalCost(net ? 'riNetUnusedUpfront' : 'riUnusedUpfront');
  const riUnusedRecurring = optionalCost(net ? 'riNetUnusedRecurring' : 'riUnusedRecurring');
  const riArn = read('riArn');
  return {
    format,
    costColumn,
    columnsRead,
    roles,
    tagKeys: wanted,
    jsonColumn,
    keepDoubledQuotesInJson,
    map(fields, into) {
      const rejected = common(fields, into);
      if (rejected) return rejected;
      const lineItemType = type(fields);
      let cost = parseCostUnits(clean(fields[costAt]) || '0');
      if (cost === undefined) return RejectionReason.unparseableCost;
      if (amortized) {
        const amortizedCost = amortize(lineItemType, fields, cost);
        if (amortizedCost === null) return RejectionReason.missingAmortizationColumn;
        if (amortizedCost === undefined) return RejectionReason.unparseableCost;
        cost = amortizedCost;
      }
      into.cost = cost;
      into.service = productName(fields) || serviceCode(fields) || productCode(fields);
      into.account = account(fields);
      into.region = region(fields);
      const mapped = CUR_LINE_ITEM_TYPES[lineItemType];
      into.chargeCategory = mapped?.category ?? 'Adjustment';
      into.chargeClass = mapped?.chargeClass ?? '';
      into.resource = resourceId(fields);
      into.usageType = usageType(fields);
      return undefined;
    },
  };

  // AWS's documented amortized-cost formula (Cost and Usage Report "amortized cost" query).
  function amortize(
    lineItemType: string,
    fields: readonly string[],
    unblended: number | bigint,
  ): number | bigint | undefined | null {
    switch (lineItemType) {
      case 'SavingsPlanCoveredUsage':
        return spEffective(fields);
      case 'SavingsPlanRecurringFee': {
        const total = spCommitment(fields);
        const used = spUsed(fields);
        if (total === null || used === null) return null;
        if (total === undefined || used === undefined) return undefined;
        return subtractUnits(total, used);
      }
      case 'SavingsPlanNegation':
      case 'SavingsPlanUpfrontFee':
        return 0;
      case 'DiscountedUsage':
        return riEffective(fields);
      case 'RIFee': {
        const upfront = riUnusedUpfront(fields);
        const recurring = riUnusedRecurring(fields);
        if (upfront === null || recurring === null) return null;
        if (upfront === undefined || recurring === undefined) return undefined;
        return addUnits(upfront, recurring);
      }
      case 'Fee':
        return riArn(fields) !== '' ? 0 : unblended;
      default:
        return unblended;
    }
  }
}

function normalise(value: bigint): number | bigint {
  return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
}

function addUnits(a: number | bigint, b: number | bigint): number | bigint {
  return normalise(BigInt(a) + BigInt(b));
}

function subtractUnits(a: number | bigint, b: number | bigint): number | bigint {
  return normalise(BigInt(a) - BigInt(b));
}
