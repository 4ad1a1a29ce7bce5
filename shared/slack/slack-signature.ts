import { createHmac, timingSafeEqual } from 'node:crypto';
import { FinopsError } from '#shared/errors';

/** A request that is not provably from Slack (unsigned, wrongly signed, stale or replayed): answer 401. */
export class SlackSignatureError extends FinopsError {}

/** Slack's tolerance for request age, and ours: 5 minutes either way. */
export const MAX_REQUEST_AGE_SECONDS = 300;

/** The signature Slack sends: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the signing secret. */
export function slackSignature(signingSecret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/**
 * Verifies Slack's `X-Slack-Signature` and `X-Slack-Request-Timestamp` over the raw body:
 * present, timestamp within 5 minutes of `now`, HMAC equal in constant time. Then claims the
 * signature once (`claimSignature` returns false for a replay). Throws SlackSignatureError.
 */
export async function verifySlackRequest(input: {
  signingSecret: string;
  headers: Readonly<Record<string, string | undefined>>;
  rawBody: string;
  now: Date;
  claimSignature: (signature: string, expiresAt: Date) => Promise<boolean>;
}): Promise<void> {
  const header = (name: string) =>
    Object.entries(input.headers)
      .find(([key]) => key.toLowerCase() === name)?.[1]
      ?.trim();
  const timestamp = header('x-slack-request-timestamp');
  const signature = header('x-slack-signature');
  if (!timestamp || !signature)
    throw new SlackSignatureError('missing X-Slack-Signature or X-Slack-Request-Timestamp');
  if (!/^\d{1,12}$/.test(timestamp)) throw new SlackSignatureError('malformed X-Slack-Request-Timestamp');
  const ageSeconds = Math.abs(input.now.getTime() / 1000 - Number(timestamp));
  if (ageSeconds > MAX_REQUEST_AGE_SECONDS) {
    throw new SlackSignatureError(`stale request: timestamp is ${Math.round(ageSeconds)} s away from now`);
  }
  const expected = Buffer.from(slackSignature(input.signingSecret, timestamp, input.rawBody), 'utf8');
  const received = Buffer.from(signature, 'utf8');
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
    throw new SlackSignatureError('signature does not match');
  }
  const expiresAt = new Date((Number(timestamp) + 2 * MAX_REQUEST_AGE_SECONDS) * 1000);
  if (!(await input.claimSignature(signature, expiresAt))) {
    throw new SlackSignatureError('replayed request: this signature was already used');
  }
}
