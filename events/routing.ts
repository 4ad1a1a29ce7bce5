import { BillingIngestionCompletedEvent } from './billing-ingestion-completed';
import { EVENT_SOURCE, type EventContract } from './contract';
import { CostAnomalyDetectedEvent } from './cost-anomaly-detected';
import { EndpointRestoreRequestedEvent } from './endpoint-restore-requested';
import { EndpointScaledEvent } from './endpoint-scaled';
import { InferenceEndpointIdleEvent } from './inference-endpoint-idle';
import { KubernetesIngestionCompletedEvent } from './kubernetes-ingestion-completed';
import { RightsizingPrOpenedEvent } from './rightsizing-pr-opened';
import { RightsizingRecommendedEvent } from './rightsizing-recommended';

/** Every contract the pipeline publishes, keyed by nothing but listed once. */
export const ALL_CONTRACTS: readonly EventContract[] = [
  BillingIngestionCompletedEvent,
  KubernetesIngestionCompletedEvent,
  CostAnomalyDetectedEvent,
  RightsizingRecommendedEvent,
  RightsizingPrOpenedEvent,
  InferenceEndpointIdleEvent,
  EndpointScaledEvent,
  EndpointRestoreRequestedEvent,
];

/** Names of the event-consuming functions (folder names under functions/, construct ids in CDK). */
export const Consumer = {
  detectAnomalies: 'detect-anomalies',
  notifySlack: 'notify-slack',
  recommendRightsizing: 'recommend-rightsizing',
  openRightsizingPr: 'open-rightsizing-pr',
  detectIdleEndpoints: 'detect-idle-endpoints',
  scaleEndpoint: 'scale-endpoint',
} as const;
export type ConsumerName = (typeof Consumer)[keyof typeof Consumer];

/** One EventBridge rule: the detail-types a consumer receives. */
export interface Route {
  consumer: ConsumerName;
  detailTypes: readonly string[];
}

/**
 * The routing table. CDK creates one rule per route (pattern: our source + these detail-types,
 * with a DLQ and retry policy); the local bus matches events with the same patterns.
 */
export const ROUTES: readonly Route[] = [
  {
    consumer: Consumer.detectAnomalies,
    detailTypes: [BillingIngestionCompletedEvent.detailType, KubernetesIngestionCompletedEvent.detailType],
  },
  { consumer: Consumer.recommendRightsizing, detailTypes: [KubernetesIngestionCompletedEvent.detailType] },
  { consumer: Consumer.detectIdleEndpoints, detailTypes: [KubernetesIngestionCompletedEvent.detailType] },
  { consumer: Consumer.openRightsizingPr, detailTypes: [RightsizingRecommendedEvent.detailType] },
  {
    consumer: Consumer.scaleEndpoint,
    detailTypes: [InferenceEndpointIdleEvent.detailType, EndpointRestoreRequestedEvent.detailType],
  },
  {
    consumer: Consumer.notifySlack,
    detailTypes: [
      CostAnomalyDetectedEvent.detailType,
      RightsizingPrOpenedEvent.detailType,
      EndpointScaledEvent.detailType,
    ],
  },
];

/** The EventBridge event pattern of a route, exactly as deployed. */
export function eventPattern(route: Route): { source: string[]; 'detail-type': string[] } {
  return { source: [EVENT_SOURCE], 'detail-type': [...route.detailTypes] };
}

/** Looks up a contract by detail-type; throws for an unknown one. */
export function contractFor(detailType: string): EventContract {
  const contract = ALL_CONTRACTS.find((candidate) => candidate.detailType === detailType);
  if (!contract) throw new RangeError(`no contract for detail-type ${JSON.stringify(detailType)}`);
  return contract;
}
