import type { IsoDay } from '#shared/cost/cost-point';
import type { SeriesRef } from '#shared/cost/series-key';
import type { Severity } from '#shared/detect/cost-detector';
import type { Episode } from '#shared/detect/episodes';
import type { FeedbackRecord } from '#shared/detect/feedback-policy';
import type { RankedContributor } from '#shared/detect/root-cause';

/** An episode as stored: what was published about it, and why it was not when suppressed. */
export interface StoredAnomaly {
  episode: Episode;
  contributors: RankedContributor[];
  /** Highest severity announced by a `Cost Anomaly Detected` event (absent: never announced). */
  notifiedSeverity?: Severity;
  /** Why the episode is not announced: a narrower series explains it, or feedback. */
  suppression?: { reason: 'explained-by-another-series' | 'feedback'; by: string };
  detectorVersion: string;
  detectedAt: string;
  updatedAt: string;
  /** Optimistic-concurrency version: 1 on creation, +1 on every update. */
  version: number;
}

/** Thrown when an anomaly changed since it was read (another detection run won the race). */
export class AnomalyVersionConflictError extends Error {
  constructor(
    readonly anomalyId: string,
    readonly expectedVersion: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `anomaly ${anomalyId} changed concurrently (expected version ${expectedVersion ?? 'none'}); re-run detection`,
      options,
    );
    this.name = 'AnomalyVersionConflictError';
  }
}

/** Persistence of anomaly episodes and feedback, as detection and the CLI/Slack see it. */
export interface AnomalyStore {
  getAnomaly(anomalyId: string): Promise<StoredAnomaly | undefined>;
  /** The series' latest episode when it is open. */
  getOpenEpisode(ref: SeriesRef): Promise<StoredAnomaly | undefined>;
  /** Creates (expectedVersion undefined) or updates (expectedVersion = the version read); version must be expectedVersion+1. */
  putAnomaly(anomaly: StoredAnomaly, expectedVersion: number | undefined): Promise<void>;
  /** Anomalies whose start day is within [from, to] (inclusive), newest first. */
  listAnomalies(range?: { from?: IsoDay; to?: IsoDay; limit?: number }): Promise<StoredAnomaly[]>;
  putFeedback(record: FeedbackRecord): Promise<void>;
  /** Every feedback record of a series, oldest first. */
  listFeedback(ref: SeriesRef): Promise<FeedbackRecord[]>;
  /** Feedback on one anomaly, oldest first. */
  listAnomalyFeedback(anomalyId: string): Promise<FeedbackRecord[]>;
}
