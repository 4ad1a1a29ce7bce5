import type { CostPoint, IsoDay } from '#shared/cost/cost-point';
import type { SeriesRef } from '#shared/cost/series-key';
import type { Money } from '#shared/money';

/** Rows refused for one reason, with the first few line numbers (1-based, header = line 1). */
export interface RejectionSummary {
  reason: string;
  count: number;
  firstLines: number[];
}

/** What one ingestion unit (a file, a manifest's billing period, a Cost Explorer pull) did. */
export interface IngestionReport {
  /** Deterministic id of this version of the unit (unit id + content fingerprint). */
  ingestionId: string;
  /** What is replaced as a whole on restatement: a file uri, or `<export>/<billing period>` for a manifest. */
  unitId: string;
  format: 'focus' | 'cur2' | 'cur-legacy' | 'cost-explorer' | 'opencost';
  sourceUris: string[];
  costColumn: string;
  rowsRead: number;
  rowsRejected: number;
  rejections: RejectionSummary[];
  seriesDaysWritten: number;
  seriesCount: number;
  /** Inclusive first and last usage day seen in accepted rows (absent when none were accepted). */
  days?: { from: IsoDay; to: IsoDay };
  totals: Array<{ currency: string; amount: Money }>;
  /** ingestionId of the version this one replaced, if any. */
  versionReplaced?: string;
  startedAt: string;
  completedAt: string;
}

/** One version of an ingestion unit's aggregates, written as a whole. */
export interface UnitVersionWrite {
  unitId: string;
  ingestionId: string;
  points: CostPoint[];
  report: IngestionReport;
}

/** Outcome of writing a unit version. */
export interface UnitVersionResult {
  /** True when this exact version was already current: nothing was written. */
  unchanged: boolean;
  seriesDaysWritten: number;
  versionReplaced?: string;
}

/**
 * The cost series store as ingestion and detection see it. A series-day's amount is the sum
 * over the current version of every unit that touched it; replacing a unit's version (a
 * restatement) removes its old contribution entirely, including series that vanished.
 */
export interface CostStore {
  replaceUnitVersion(write: UnitVersionWrite): Promise<UnitVersionResult>;
  /** Every series with data, optionally only those with a day on or after `activeSince`. No Scan. */
  listSeries(options?: { activeSince?: IsoDay }): Promise<SeriesRef[]>;
  /** A series' daily points in [from, to] (inclusive), ascending, days without data absent. */
  readSeries(ref: SeriesRef, range: { from: IsoDay; to: IsoDay }): Promise<CostPoint[]>;
  getIngestionReport(ingestionId: string): Promise<IngestionReport | undefined>;
  /** The report of a unit's current version, if it has one. */
  currentUnitReport(unitId: string): Promise<IngestionReport | undefined>;
}
