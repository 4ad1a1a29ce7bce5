import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { logger, logSink, metrics, tracer } from '#shared/observability';
import type { ScaleEndpointDependencies } from '#shared/scale/scale-endpoint';
import { handleSlackInteraction, readSigningSecretSource } from '#shared/scale/slack-interactions';
import { createScaleDependencies } from '../scale-endpoint/dependencies';

let scale: ScaleEndpointDependencies | undefined;

/** Slack's signing secret, from the env locally or Secrets Manager (cached 5 min) in AWS. */
async function signingSecret(): Promise<string> {
  const source = readSigningSecretSource(process.env);
  return source.kind === 'value' ? source.secret : String(await getSecret(source.secretArn, { maxAge: 300 }));
}

/**
 * slack-interactions (Lambda Function URL): Approve / Reject clicks on scaling approvals.
 * Unsigned, wrongly signed, stale or replayed requests get 401.
 */
export const handler = middy(async (event: APIGatewayProxyEventV2) => {
  scale ??= createScaleDependencies(process.env, logSink);
  return handleSlackInteraction(
    { headers: event.headers, body: event.body, isBase64Encoded: event.isBase64Encoded },
    { signingSecret, store: scale.store, scale, now: () => new Date(), log: logSink },
  );
})
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
