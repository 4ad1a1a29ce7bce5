import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { EndpointRestoreRequestedEvent } from '#events/endpoint-restore-requested';
import { contractFor, parseDetail } from '#events/index';
import { InferenceEndpointIdleEvent } from '#events/inference-endpoint-idle';
import { logger, logSink, MetricName, MetricUnit, metrics, tracer } from '#shared/observability';
import {
  handleIdleEndpoint,
  restoreEndpoint,
  type ScaleEndpointDependencies,
} from '#shared/scale/scale-endpoint';
import { createScaleDependencies } from './dependencies';

let dependencies: ScaleEndpointDependencies | undefined;

/**
 * scale-endpoint: Inference Endpoint Idle → policy decision (skip / dry-run / approval / execute),
 * audited once per idle event; Endpoint Restore Requested → back to the recorded capacity.
 */
export const handler = middy(async (event: EventBridgeEvent<string, unknown>) => {
  contractFor(event['detail-type']);
  dependencies ??= createScaleDependencies(process.env, logSink);
  const record =
    event['detail-type'] === EndpointRestoreRequestedEvent.detailType
      ? await restoreFrom(event.detail, dependencies)
      : await handleIdleEndpoint(parseDetail(InferenceEndpointIdleEvent, event.detail), dependencies);
  metrics.addMetric(MetricName.scalingActions, MetricUnit.Count, 1);
  return { actionId: record.actionId, outcome: record.outcome, rule: record.rule };
})
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));

function restoreFrom(detail: unknown, deps: ScaleEndpointDependencies) {
  const request = parseDetail(EndpointRestoreRequestedEvent, detail);
  return restoreEndpoint({ endpoint: request.endpoint, actor: request.requestedBy }, deps);
}
