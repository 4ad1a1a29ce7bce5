import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { parseDetail } from '#events/contract';
import { KubernetesIngestionCompletedEvent } from '#events/kubernetes-ingestion-completed';
import { detectIdleEndpoints } from '#shared/idle/detect-idle-endpoints';
import { logger, logSink, MetricName, MetricUnit, metrics, tracer } from '#shared/observability';
import { createIdleDetectionDependencies } from './dependencies';

let dependencies: ReturnType<typeof createIdleDetectionDependencies> | undefined;

/**
 * detect-idle-endpoints: on Kubernetes Ingestion Completed or its schedule (EventBridge Scheduler,
 * `Scheduled Event`), finds idle SageMaker endpoints and Kubernetes inference workloads and
 * publishes Inference Endpoint Idle for each (ids are per window hour, so retries dedupe downstream).
 */
export const handler = middy(async (event: EventBridgeEvent<string, unknown>) => {
  if (event['detail-type'] === KubernetesIngestionCompletedEvent.detailType) {
    parseDetail(KubernetesIngestionCompletedEvent, event.detail);
  }
  dependencies ??= createIdleDetectionDependencies(process.env, logSink);
  const result = await detectIdleEndpoints({ ...dependencies, now: new Date() });
  metrics.addMetric(MetricName.idleEndpointsDetected, MetricUnit.Count, result.idle.length);
  return {
    examined: result.examined,
    idle: result.idle.map((idle) => idle.idleId),
    unpriced: result.unpriced,
  };
})
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
