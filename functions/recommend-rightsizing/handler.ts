import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { parseDetail } from '#events/contract';
import { KubernetesIngestionCompletedEvent } from '#events/kubernetes-ingestion-completed';
import { logger, logSink, MetricName, MetricUnit, metrics, tracer } from '#shared/observability';
import { recommendWorkloads } from '#shared/rightsizing/recommend-workloads';
import { createRecommendDependencies } from './dependencies';

let dependencies: ReturnType<typeof createRecommendDependencies> | undefined;

/**
 * recommend-rightsizing: on Kubernetes Ingestion Completed, recommends requests for the
 * cluster's workloads from their usage and the GitOps manifests, publishing Rightsizing
 * Recommended (deterministic ids: duplicates are harmless downstream).
 */
export const handler = middy(async (event: EventBridgeEvent<string, unknown>) => {
  const detail = parseDetail(KubernetesIngestionCompletedEvent, event.detail);
  dependencies ??= createRecommendDependencies(process.env);
  const now = () => new Date();
  const result = await recommendWorkloads({
    cluster: detail.cluster,
    toDay: detail.days.to,
    k8sStore: dependencies.k8sStore,
    readSpec: await dependencies.specReader(now),
    publish: dependencies.publish,
    params: dependencies.params,
    now,
    logger: logSink,
  });
  metrics.addMetric(MetricName.rightsizingRecommendations, MetricUnit.Count, result.recommended.length);
  return {
    recommended: result.recommended.map((r) => r.recommendationId),
    unchanged: result.unchanged.length,
  };
})
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
