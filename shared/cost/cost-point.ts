import type { SeriesKey } from '#shared/cost/series-key';
import type { Money } from '#shared/money';

/** A calendar day in UTC, `YYYY-MM-DD`. */
export type IsoDay = string;

/** One child's share of a series-day (e.g. resource `image-captioner` within `tag:cost-center=ai-vision`). */
export interface ContributorAmount {
  /** A ContributorDimension (`service`, `resource`, `usage-type`, ...). */
  dimension: string;
  value: string;
  amount: Money;
}

/**
 * The aggregate of one series on one day: the unit the store writes (one item per
 * series-day) and the detectors read.
 */
export interface CostPoint {
  seriesKey: SeriesKey;
  currency: string;
  day: IsoDay;
  /** Exact sum of the configured cost column over the rows of this series-day. */
  amount: Money;
  /** Billing rows that contributed. */
  rowCount: number;
  /** True while the provider may still change the day (billing lag, `Estimated` results). */
  provisional?: boolean;
  /** Largest children by absolute amount, per contributor dimension (truncated, for explanations). */
  contributors?: ContributorAmount[];
}
