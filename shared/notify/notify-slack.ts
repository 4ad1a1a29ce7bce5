import { FinopsError } from '#shared/errors';
import type { LogSink } from '#shared/observability';
import { buildSlackMessage, type Notification, slackMessageKey } from './notification';
import type { SendSlackMessage } from './slack-webhook-sender';

/**
 * Runs an effect at most once per key (the DynamoDB ledger in shared/store/effect-once.ts in
 * AWS and locally; a Set in tests). A failed effect must leave the key free for a retry;
 * `in-progress` means another delivery holds the key right now.
 */
export interface EffectOnce {
  runOnce(
    effectKey: string,
    effect: () => Promise<void>,
  ): Promise<{ status: 'ran' | 'already-done' | 'in-progress' }>;
}

/** Another delivery of the same event is posting the message now; thrown so the event is retried later. */
export class SlackMessageInProgressError extends FinopsError {}

/**
 * What notifySlack did: `sent`; `duplicate` when the message key had already been sent; `skipped`
 * for an endpoint awaiting approval, whose interactive request scale-endpoint posts itself.
 */
export interface NotifySlackResult {
  messageKey: string;
  outcome: 'sent' | 'duplicate' | 'skipped';
}

export interface NotifySlackDeps {
  send: SendSlackMessage;
  effects: EffectOnce;
  log?: LogSink;
}

/**
 * Posts the Slack message for a validated notification exactly once per message key, so
 * EventBridge redeliveries and Lambda retries never post twice.
 */
export async function notifySlack(
  notification: Notification,
  deps: NotifySlackDeps,
): Promise<NotifySlackResult> {
  const messageKey = slackMessageKey(notification);
  if (notification.kind === 'endpoint-scaled' && notification.detail.outcome === 'awaiting-approval') {
    // A second, button-less copy of the approval request would only be noise in the channel.
    deps.log?.info('slack notification', {
      messageKey,
      outcome: 'skipped',
      detailType: notification.detailType,
    });
    return { messageKey, outcome: 'skipped' };
  }
  const message = buildSlackMessage(notification);
  const { status } = await deps.effects.runOnce(messageKey, () => deps.send(message));
  if (status === 'in-progress') {
    // Not "done": the holder may still fail. Retrying later either finds it done or takes over its lease.
    throw new SlackMessageInProgressError(
      `Slack message ${messageKey} is being posted by another delivery; retry later`,
    );
  }
  const outcome = status === 'ran' ? 'sent' : 'duplicate';
  deps.log?.info('slack notification', { messageKey, outcome, detailType: notification.detailType });
  return { messageKey, outcome };
}
