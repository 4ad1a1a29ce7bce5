import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { detectionRangeOf } from '#shared/detect/detection-trigger';
import { runDetection } from '#shared/detect/run-detection';
import { logger, logSink, MetricName, MetricUnit, metrics, tracer } from '#shared/observability';
import { createDetectionDependencies } from './dependencies';

let dependencies: ReturnType<typeof createDetectionDependencies> | undefined;

/**
 * detect-anomalies: on Billing/Kubernetes Ingestion Completed, evaluates the monitored series
 * active in the event's days (with their history), stores episodes and publishes
 * Cost Anomaly Detected for opened or raised ones. Idempotent, so retries are safe.
 */
export const handler = middy(async (event: EventBridgeEvent<string, unknown>) => {
  const range = detectionRangeOf(event['detail-type'], event.detail);
  dependencies ??= createDetectionDependencies(process.env);
  const summary = await runDetection({ ...dependencies, now: new Date(), range, logger: logSink });
  metrics.addMetric(MetricName.anomaliesDetected, MetricUnit.Count, summary.published.length);
  return {
    range: summary.range,
    seriesEvaluated: summary.seriesEvaluated,
    published: summary.published.map((detail) => detail.anomalyId),
    suppressed: summary.suppressed.length,
  };
})
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
