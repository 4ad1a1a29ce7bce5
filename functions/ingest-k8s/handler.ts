import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { fetchDailyAllocations, ingestKubernetesCosts } from '#shared/k8s/ingest-kubernetes-costs';
import { scheduledRange } from '#shared/k8s/k8s-config';
import { logger, logSink, MetricName, MetricUnit, metrics, tracer } from '#shared/observability';
import { createIngestK8sDependencies } from './dependencies';

let dependencies: ReturnType<typeof createIngestK8sDependencies> | undefined;

/**
 * ingest-k8s (EventBridge Scheduler, daily): fetches the last days of OpenCost allocations,
 * stores namespace/cost-center series and per-container usage, emits Kubernetes Ingestion
 * Completed. Re-running a day replaces it, so retries are safe.
 */
export const handler = middy(async () => {
  dependencies ??= createIngestK8sDependencies(process.env);
  const now = new Date();
  const range = scheduledRange(now, dependencies.config.lookbackDays);
  const responses = await fetchDailyAllocations(
    dependencies.fetchAllocations,
    range,
    dependencies.config.url,
  );
  const result = await ingestKubernetesCosts({
    ...dependencies,
    responses,
    currency: dependencies.config.currency,
    defaultCluster: dependencies.config.defaultCluster,
    now: () => new Date(),
    logger: logSink,
  });
  const seriesDays = result.clusters.reduce((sum, cluster) => sum + cluster.seriesDaysWritten, 0);
  metrics.addMetric(MetricName.seriesDaysWritten, MetricUnit.Count, seriesDays);
  return { range, clusters: result.clusters };
})
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
