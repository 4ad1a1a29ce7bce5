import * as z from 'zod';
import { EnvName } from '#shared/config/env-names';
import { type Env, optionalEnv } from '#shared/config/read-env';
import { ConfigError } from '#shared/errors';
import type { LogSink } from '#shared/observability';
import type { ActionStore } from '#shared/scale/action-record';
import { ApprovalAction } from '#shared/scale/approval-message';
import {
  ApprovalNotApplicableError,
  approveAction,
  rejectAction,
  type ScaleEndpointDependencies,
} from '#shared/scale/scale-endpoint';
import { SlackSignatureError, verifySlackRequest } from '#shared/slack/slack-signature';

/** An HTTP request as a Lambda Function URL (or the local loopback server) delivers it. */
export interface HttpRequest {
  headers: Readonly<Record<string, string | undefined>>;
  body?: string;
  isBase64Encoded?: boolean;
}

/** The HTTP answer: Slack only needs the status; `body` is shown to nobody but logged. */
export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const blockActionsPayload = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1), username: z.string().optional() }),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional() })).min(1),
});

const respond = (statusCode: number, text: string): HttpResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ text }),
});

/** Where the Slack signing secret comes from: the env (local) or Secrets Manager (AWS). */
export type SigningSecretSource = { kind: 'value'; secret: string } | { kind: 'secret'; secretArn: string };

/** Reads SLACK_SIGNING_SECRET (local) or SLACK_SIGNING_SECRET_ARN; never echoes the value. */
export function readSigningSecretSource(env: Env): SigningSecretSource {
  const secret = optionalEnv(env, EnvName.slackSigningSecret);
  if (secret !== undefined) return { kind: 'value', secret };
  const secretArn = optionalEnv(env, EnvName.slackSigningSecretArn);
  if (secretArn !== undefined) return { kind: 'secret', secretArn };
  throw new ConfigError(
    `${EnvName.slackSigningSecret} or ${EnvName.slackSigningSecretArn} is required: Slack's signing secret verifies approval clicks`,
  );
}

/**
 * Handles a Slack interactivity request: verifies the signature (401 when unsigned, wrongly
 * signed, stale or replayed), parses the `payload` form field (400 when malformed), then
 * approves (executes once) or rejects the action named by the button's value.
 */
export async function handleSlackInteraction(
  request: HttpRequest,
  deps: {
    signingSecret: () => Promise<string>;
    store: Pick<ActionStore, 'claimRequestSignature'>;
    scale: ScaleEndpointDependencies;
    now: () => Date;
    log?: LogSink;
  },
): Promise<HttpResponse> {
  const rawBody = request.isBase64Encoded
    ? Buffer.from(request.body ?? '', 'base64').toString('utf8')
    : (request.body ?? '');
  try {
    await verifySlackRequest({
      signingSecret: await deps.signingSecret(),
      headers: request.headers,
      rawBody,
      now: deps.now(),
      claimSignature: (signature, expiresAt) => deps.store.claimRequestSignature(signature, expiresAt),
    });
  } catch (error) {
    if (error instanceof SlackSignatureError) {
      deps.log?.warn('slack request refused', { reason: error.message });
      return respond(401, 'unauthorized');
    }
    throw error;
  }
  const payloadText = new URLSearchParams(rawBody).get('payload');
  let payload: z.infer<typeof blockActionsPayload>;
  try {
    payload = blockActionsPayload.parse(JSON.parse(payloadText ?? 'null'));
  } catch {
    return respond(400, 'expected a block_actions payload');
  }
  const action = payload.actions.find(
    (candidate) =>
      candidate.action_id === ApprovalAction.approve || candidate.action_id === ApprovalAction.reject,
  );
  if (!action?.value) return respond(400, 'no approval action in the payload');
  const actor = `slack:${payload.user.id}`;
  try {
    const record =
      action.action_id === ApprovalAction.approve
        ? await approveAction(action.value, actor, deps.scale)
        : await rejectAction(action.value, actor, deps.scale);
    return respond(
      200,
      `${record.outcome}: ${record.endpoint.id} ${record.previousCapacity} → ${record.targetCapacity}`,
    );
  } catch (error) {
    // Already decided, expired, unknown: Slack must not retry; the audit already says why.
    if (error instanceof ApprovalNotApplicableError) return respond(200, error.message);
    throw error;
  }
}
