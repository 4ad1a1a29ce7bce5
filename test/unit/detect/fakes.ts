import type { CostPoint, IsoDay } from '#shared/cost/cost-point';
import type { CostStore } from '#shared/cost/cost-store-port';
import type { SeriesRef } from '#shared/cost/series-key';
import {
  type AnomalyStore,
  AnomalyVersionConflictError,
  type StoredAnomaly,
} from '#shared/detect/anomaly-store-port';
import type { FeedbackRecord } from '#shared/detect/feedback-policy';
import type { OutgoingEvent, PublishEvents } from '#shared/events/publish-port';

/** In-memory cost store with the port's read semantics (not a test file). */
export function memoryCostStore(points: CostPoint[]): Pick<CostStore, 'listSeries' | 'readSeries'> {
  const key = (ref: SeriesRef) => `${ref.currency}|${ref.seriesKey}`;
  const bySeries = new Map<string, CostPoint[]>();
  for (const point of points) bySeries.set(key(point), [...(bySeries.get(key(point)) ?? []), point]);
  return {
    async listSeries(options?: { activeSince?: IsoDay }) {
      return [...bySeries.values()]
        .filter((series) => series.some((point) => point.day >= (options?.activeSince ?? '')))
        .map((series) => ({
          seriesKey: (series[0] as CostPoint).seriesKey,
          currency: (series[0] as CostPoint).currency,
        }));
    },
    async readSeries(ref, range) {
      return (bySeries.get(key(ref)) ?? [])
        .filter((point) => point.day >= range.from && point.day <= range.to)
        .sort((a, b) => (a.day < b.day ? -1 : 1));
    },
  };
}

/** In-memory anomaly store enforcing the same optimistic versions as the DynamoDB one. */
export function memoryAnomalyStore(): AnomalyStore & { all(): StoredAnomaly[] } {
  const anomalies = new Map<string, StoredAnomaly>();
  const feedback: FeedbackRecord[] = [];
  return {
    all: () => [...anomalies.values()],
    async getAnomaly(id) {
      return structuredClone(anomalies.get(id));
    },
    async getOpenEpisode(ref) {
      const latest = [...anomalies.values()]
        .filter((a) => a.episode.seriesKey === ref.seriesKey && a.episode.currency === ref.currency)
        .sort((a, b) => (a.episode.startDay < b.episode.startDay ? 1 : -1))[0];
      return latest?.episode.status === 'open' ? structuredClone(latest) : undefined;
    },
    async putAnomaly(anomaly, expectedVersion) {
      const current = anomalies.get(anomaly.episode.anomalyId);
      if (current?.version !== expectedVersion) {
        throw new AnomalyVersionConflictError(anomaly.episode.anomalyId, expectedVersion);
      }
      anomalies.set(anomaly.episode.anomalyId, structuredClone(anomaly));
    },
    async listAnomalies(range = {}) {
      return [...anomalies.values()].filter(
        (a) => a.episode.startDay >= (range.from ?? '') && a.episode.startDay <= (range.to ?? '9999'),
      );
    },
    async putFeedback(record) {
      feedback.push(record);
    },
    async listFeedback(ref) {
      return feedback.filter((r) => r.seriesKey === ref.seriesKey && r.currency === ref.currency);
    },
    async listAnomalyFeedback(id) {
      return feedback.filter((r) => r.anomalyId === id);
    },
  };
}

/** A PublishEvents that records what it was given. */
export function recordingPublisher(): PublishEvents & { events: OutgoingEvent[] } {
  const events: OutgoingEvent[] = [];
  const publish = (async (batch: readonly OutgoingEvent[]) => {
    events.push(...batch);
  }) as PublishEvents & { events: OutgoingEvent[] };
  publish.events = events;
  return publish;
}
