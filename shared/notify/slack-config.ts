import { EnvName } from '#shared/config/env-names';
import { type Env, optionalEnv } from '#shared/config/read-env';
import { ConfigError } from '#shared/errors';

/** Where the webhook URL comes from: the env (local runs) or a Secrets Manager secret (AWS). */
export type SlackWebhookSource = { kind: 'url'; webhookUrl: string } | { kind: 'secret'; secretArn: string };

/**
 * Reads SLACK_WEBHOOK_URL (wins when set) or SLACK_WEBHOOK_SECRET_ARN. The URL is a secret, so
 * errors name the variable but never echo its value.
 */
export function readSlackWebhookSource(env: Env): SlackWebhookSource {
  const webhookUrl = optionalEnv(env, EnvName.slackWebhookUrl);
  if (webhookUrl !== undefined)
    return { kind: 'url', webhookUrl: validWebhookUrl(webhookUrl, EnvName.slackWebhookUrl) };
  const secretArn = optionalEnv(env, EnvName.slackWebhookSecretArn);
  if (secretArn !== undefined) {
    if (!/^arn:aws[a-z-]*:secretsmanager:/.test(secretArn)) {
      throw new ConfigError(
        `${EnvName.slackWebhookSecretArn} must be a Secrets Manager secret ARN, got ${JSON.stringify(secretArn)}`,
      );
    }
    return { kind: 'secret', secretArn };
  }
  throw new ConfigError(
    `${EnvName.slackWebhookUrl} or ${EnvName.slackWebhookSecretArn} is required: the Slack incoming-webhook URL, or the ARN of the secret that holds it`,
  );
}

/**
 * The webhook URL from a secret's value: the URL itself, or JSON with a `webhookUrl` or `url`
 * field. Never includes the value in the error.
 */
export function webhookUrlFromSecret(secretValue: string, secretArn: string): string {
  const trimmed = secretValue.trim();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new ConfigError(`secret ${secretArn} holds invalid JSON`, { cause: error });
    }
    const record = parsed as Record<string, unknown>;
    const url = record.webhookUrl ?? record.url;
    if (typeof url !== 'string')
      throw new ConfigError(`secret ${secretArn} JSON has no "webhookUrl" or "url" field`);
    return validWebhookUrl(url, `secret ${secretArn}`);
  }
  return validWebhookUrl(trimmed, `secret ${secretArn}`);
}

function validWebhookUrl(value: string, source: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // No cause: the URL parser's error carries the input, which is the secret.
    throw new ConfigError(`${source} is not a URL (value hidden: it is a secret)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(
      `${source} must be an http(s) URL, got scheme ${url.protocol} (value hidden: it is a secret)`,
    );
  }
  return value;
}
