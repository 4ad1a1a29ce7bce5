import type { LogSink } from '#shared/observability';
import { buildSlackMessage, type Notification, slackMessageKey } from './notification';
import type { SendSlackMessage } from './slack-webhook-sender';

/**
 * Runs an effect at most once per key (the DynamoDB ledger in shared/store/effect-once.ts in
 * AWS and locally; a Set in tests). A failed effect must leave the key free for a retry.
 */
export interface EffectOnce {
  runOnce(effectKey: string, effect: () => Promise<unknown>): Promise<unknown>;
}

/** What notifySlack did: `sent`, or `duplicate` when the message key had already been sent. */
export interface NotifySlackResult {
  messageKey: string;
  outcome: 'sent' | 'duplicate';
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
  const message = buildSlackMessage(notification);
  let sent = false;
  await deps.effects.runOnce(messageKey, async () => {
    await deps.send(message);
    sent = true;
  });
  const outcome = sent ? 'sent' : 'duplicate';
  deps.log?.info('slack notification', { messageKey, outcome, detailType: notification.detailType });
  return { messageKey, outcome };
}
