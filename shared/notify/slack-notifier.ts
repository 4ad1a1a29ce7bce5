import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EnvName } from '#shared/config/env-names';
import { type Env, requireEnv } from '#shared/config/read-env';
import { ConfigError } from '#shared/errors';
import type { LogSink } from '#shared/observability';
import { createDocumentClient } from '#shared/store/dynamo-client';
import { createEffectLedger } from '#shared/store/effect-once';
import type { Notification } from './notification';
import { type EffectOnce, type NotifySlackResult, notifySlack } from './notify-slack';
import { readSlackWebhookSource, type SlackWebhookSource, webhookUrlFromSecret } from './slack-config';
import { createSlackWebhookSender } from './slack-webhook-sender';

/** Posts a notification once; what the notify-slack handler calls. */
export type SlackNotifier = (notification: Notification) => Promise<NotifySlackResult>;

/**
 * Wires notifySlack to its real adapters from the environment: the DynamoDB effect-once ledger
 * (TABLE_NAME) and the webhook (SLACK_WEBHOOK_URL, or SLACK_WEBHOOK_SECRET_ARN read through
 * Powertools' cached getSecret, so a rotated URL is picked up within its cache age).
 */
export function createSlackNotifierFromEnv(env: Env, log?: LogSink): SlackNotifier {
  const tableName = requireEnv(env, EnvName.tableName, 'the DynamoDB table of the pipeline');
  const source = readSlackWebhookSource(env);
  const effects: EffectOnce = createEffectLedger({
    client: createDocumentClient(new DynamoDBClient({})),
    tableName,
  });
  return async (notification) => {
    const send = createSlackWebhookSender({ webhookUrl: await resolveWebhookUrl(source) });
    return notifySlack(notification, { send, effects, ...(log ? { log } : {}) });
  };
}

async function resolveWebhookUrl(source: SlackWebhookSource): Promise<string> {
  if (source.kind === 'url') return source.webhookUrl;
  const value = await getSecret(source.secretArn, { maxAge: 300 });
  if (typeof value !== 'string') {
    throw new ConfigError(`secret ${source.secretArn} must hold the webhook URL as a string (SecretString)`);
  }
  return webhookUrlFromSecret(value, source.secretArn);
}
