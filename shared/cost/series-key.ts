/**
 * Series keys name one daily cost series: `total`, or `<dimension>=<value>` such as
 * `service=Amazon SageMaker`, `account=123456789012`, `tag:cost-center=ai-vision`,
 * `k8s-namespace=vision`. The currency is not part of the key; it is stored beside it.
 */
export type SeriesKey = string;

/** The series that sums every row of a currency. */
export const TOTAL_SERIES: SeriesKey = 'total';

/** Dimensions the billing aggregation produces (tags use `tag:<key>`). */
export const BillingDimension = {
  service: 'service',
  account: 'account',
  region: 'region',
  chargeCategory: 'charge-category',
  chargeClass: 'charge-class',
} as const;

/** Dimensions the Kubernetes (OpenCost) ingestion produces. */
export const KubernetesDimension = {
  namespace: 'k8s-namespace',
  costCenter: 'k8s-cost-center',
} as const;

/** Dimensions used to explain a series' change (children of a series), stored per series-day. */
export const ContributorDimension = {
  service: 'service',
  resource: 'resource',
  usageType: 'usage-type',
  account: 'account',
  region: 'region',
} as const;

/** Identifies one stored series: its key and the currency its amounts are in. */
export interface SeriesRef {
  seriesKey: SeriesKey;
  currency: string;
}

/** Builds `<dimension>=<value>`; the value is kept verbatim (it may contain `=` or spaces). */
export function seriesKey(dimension: string, value: string): SeriesKey {
  if (dimension === '' || dimension.includes('=')) {
    throw new RangeError(
      `series dimension must be non-empty and without '=', got ${JSON.stringify(dimension)}`,
    );
  }
  return `${dimension}=${value}`;
}

/** `tag:<key>=<value>` for an allow-listed tag key. */
export function tagSeriesKey(tagKey: string, value: string): SeriesKey {
  return seriesKey(`tag:${tagKey}`, value);
}

/** Splits a key into dimension and value (`total` has dimension `total` and value ``). */
export function parseSeriesKey(key: SeriesKey): { dimension: string; value: string } {
  if (key === TOTAL_SERIES) return { dimension: TOTAL_SERIES, value: '' };
  const at = key.indexOf('=');
  if (at <= 0) throw new RangeError(`not a series key: ${JSON.stringify(key)}`);
  return { dimension: key.slice(0, at), value: key.slice(at + 1) };
}
