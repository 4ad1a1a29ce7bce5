import { parseDetail } from '#events/contract';
import { type CostAnomalyDetected, CostAnomalyDetectedEvent } from '#events/cost-anomaly-detected';
import { type EndpointScaled, EndpointScaledEvent } from '#events/endpoint-scaled';
import { type RightsizingPrOpened, RightsizingPrOpenedEvent } from '#events/rightsizing-pr-opened';
import { contractFor } from '#events/routing';
import { InvalidInputError } from '#shared/errors';
import type { SlackMessage } from './block-kit';
import {
  buildCostAnomalyMessage,
  buildEndpointScaledMessage,
  buildRightsizingPrMessage,
} from './slack-messages';

/** An event notify-slack posts about, its detail already validated against its contract. */
export type Notification =
  | { kind: 'cost-anomaly'; detailType: string; detail: CostAnomalyDetected }
  | { kind: 'rightsizing-pr'; detailType: string; detail: RightsizingPrOpened }
  | { kind: 'endpoint-scaled'; detailType: string; detail: EndpointScaled };

const KIND_BY_DETAIL_TYPE: ReadonlyMap<string, Notification['kind']> = new Map([
  [CostAnomalyDetectedEvent.detailType, 'cost-anomaly'],
  [RightsizingPrOpenedEvent.detailType, 'rightsizing-pr'],
  [EndpointScaledEvent.detailType, 'endpoint-scaled'],
]);

/** Detail-types notify-slack accepts. */
export const NOTIFIABLE_DETAIL_TYPES: readonly string[] = [...KIND_BY_DETAIL_TYPE.keys()];

/**
 * Validates an incoming event (detail-type + raw detail) against its contract. Throws
 * EventValidationError for a malformed detail and InvalidInputError for a detail-type
 * notify-slack does not handle, so the event ends in the dead-letter queue.
 */
export function parseNotification(detailType: string, detail: unknown): Notification {
  const kind = KIND_BY_DETAIL_TYPE.get(detailType);
  if (!kind) {
    throw new InvalidInputError(
      `notify-slack does not handle detail-type ${JSON.stringify(detailType)}; expected one of ${NOTIFIABLE_DETAIL_TYPES.join(', ')}`,
    );
  }
  const parsed = parseDetail(contractFor(detailType), detail);
  // The schema of this exact detail-type accepted it, so the pairing below is sound.
  return { kind, detailType, detail: parsed } as Notification;
}

/** The Slack message for a notification. */
export function buildSlackMessage(notification: Notification): SlackMessage {
  switch (notification.kind) {
    case 'cost-anomaly':
      return buildCostAnomalyMessage(notification.detail);
    case 'rightsizing-pr':
      return buildRightsizingPrMessage(notification.detail);
    case 'endpoint-scaled':
      return buildEndpointScaledMessage(notification.detail);
  }
}

/**
 * The effect-once key of a notification's message: `slack|<detail-type>|<id>|<severity or
 * outcome>`. A redelivered event maps to the same key; an escalation or a new outcome does not.
 */
export function slackMessageKey(notification: Notification): string {
  switch (notification.kind) {
    case 'cost-anomaly':
      return `slack|${notification.detailType}|${notification.detail.anomalyId}|${notification.detail.severity}`;
    case 'rightsizing-pr':
      return `slack|${notification.detailType}|${notification.detail.recommendationId}|${notification.detail.action}`;
    case 'endpoint-scaled':
      return `slack|${notification.detailType}|${notification.detail.actionId}|${notification.detail.outcome}`;
  }
}
