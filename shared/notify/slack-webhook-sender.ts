import { setTimeout as delay } from 'node:timers/promises';
import { IncomingWebhook, IncomingWebhookHTTPError, IncomingWebhookRequestError } from '@slack/webhook';
import { FinopsError } from '#shared/errors';
import type { SlackMessage } from './block-kit';

/** Posts one message to Slack; resolves once Slack accepted it, throws SlackDeliveryError otherwise. */
export type SendSlackMessage = (message: SlackMessage) => Promise<void>;

/** Slack refused or never answered the message. `status` is the last HTTP status (undefined: no response). */
export class SlackDeliveryError extends FinopsError {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface SlackWebhookSenderProps {
  /** The incoming-webhook URL. A secret: it never appears in errors or logs. */
  webhookUrl: string;
  /** Attempts in total, including the first (default 4). */
  maxAttempts?: number;
  /** First backoff delay; doubles per retry, with jitter (default 500 ms). */
  baseDelayMs?: number;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** Injected so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A SendSlackMessage over @slack/webhook's IncomingWebhook. Retries rate limiting (429) and
 * server errors (5xx) and network failures with exponential backoff; any other 4xx is a
 * configuration or payload error and fails at once with Slack's reason (e.g. `invalid_blocks`).
 */
export function createSlackWebhookSender(props: SlackWebhookSenderProps): SendSlackMessage {
  const maxAttempts = props.maxAttempts ?? 4;
  const baseDelayMs = props.baseDelayMs ?? 500;
  const sleep = props.sleep ?? delay;
  // Retries are ours: the library aborts on 429, which Slack uses for rate limiting.
  const webhook = new IncomingWebhook(props.webhookUrl, {
    timeout: props.timeoutMs ?? 10_000,
    retryConfig: { retries: 0 },
  });

  return async (message) => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await webhook.send({ text: message.text, blocks: message.blocks, unfurl_links: false });
        return;
      } catch (error) {
        const status = error instanceof IncomingWebhookHTTPError ? error.statusCode : undefined;
        const retryable =
          error instanceof IncomingWebhookRequestError ||
          status === 429 ||
          (status !== undefined && status >= 500);
        if (!retryable || attempt >= maxAttempts) throw toDeliveryError(error, status, attempt, retryable);
        await sleep(baseDelayMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5));
      }
    }
  };
}

function toDeliveryError(error: unknown, status: number | undefined, attempts: number, retryable: boolean) {
  if (error instanceof IncomingWebhookHTTPError) {
    const body = error.body.slice(0, 200);
    const hint = retryable
      ? `gave up after ${attempts} attempts`
      : status === 404 || status === 403 || status === 410
        ? 'the webhook URL is wrong or revoked: check SLACK_WEBHOOK_URL / SLACK_WEBHOOK_SECRET_ARN'
        : 'Slack rejected the payload';
    // The error's own message may carry the URL on some transports; ours never does.
    return new SlackDeliveryError(
      `Slack webhook answered HTTP ${status} (${body}): ${hint}`,
      status,
      attempts,
      {
        cause: new Error(`HTTP ${status} ${error.statusMessage}`),
      },
    );
  }
  const reason = error instanceof IncomingWebhookRequestError ? error.original.message : String(error);
  return new SlackDeliveryError(
    `Slack webhook unreachable after ${attempts} attempts: ${reason}`,
    undefined,
    attempts,
  );
}
