import type { IsoDay } from '#shared/cost/cost-point';

/**
 * Per account, the last day through which every day has been stored as final (not within the
 * billing lag and not `Estimated`). Days up to it are never asked again; it only moves forward.
 */
export interface CostExplorerWatermarks {
  getFinalThrough(account: string): Promise<IsoDay | undefined>;
  /** Moves the watermark forward to `day`; a call with an earlier day leaves it unchanged. */
  advanceFinalThrough(account: string, day: IsoDay): Promise<void>;
}
