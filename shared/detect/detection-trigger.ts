import { BillingIngestionCompletedEvent } from '#events/billing-ingestion-completed';
import { EventValidationError, parseDetail } from '#events/contract';
import { KubernetesIngestionCompletedEvent } from '#events/kubernetes-ingestion-completed';
import type { IsoDay } from '#shared/cost/cost-point';

/**
 * The days a detection run reconsiders for an ingestion event: the event's `days` range (both
 * contracts carry one). Unknown detail-types throw so the event lands in the DLQ.
 */
export function detectionRangeOf(detailType: string, detail: unknown): { from: IsoDay; to: IsoDay } {
  if (detailType === BillingIngestionCompletedEvent.detailType) {
    return parseDetail(BillingIngestionCompletedEvent, detail).days;
  }
  if (detailType === KubernetesIngestionCompletedEvent.detailType) {
    return parseDetail(KubernetesIngestionCompletedEvent, detail).days;
  }
  throw new EventValidationError(detailType, ['detect-anomalies consumes only ingestion-completed events']);
}
