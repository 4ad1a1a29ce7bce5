import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { readCostExplorerConfig } from '#shared/billing/cost-explorer/cost-explorer-config';
import { ingestCostExplorer } from '#shared/billing/cost-explorer/ingest-cost-explorer';
import { logger, logSink, MetricName, MetricUnit, metrics, tracer } from '#shared/observability';
import { createIngestCostExplorerDependencies } from './dependencies';

let dependencies: ReturnType<typeof createIngestCostExplorerDependencies> | undefined;

/**
 * ingest-cost-explorer: on its daily schedule, asks Cost Explorer for the days not yet final,
 * stores them and publishes Billing Ingestion Completed. The schedule's payload is not used.
 */
export const handler = middy(async (_event: unknown, context: Context) => {
  dependencies ??= createIngestCostExplorerDependencies(process.env);
  const options = readCostExplorerConfig(process.env, context);
  const outcome = await ingestCostExplorer({ ...dependencies, now: () => new Date(), log: logSink }, options);
  metrics.addMetric(MetricName.costExplorerRequests, MetricUnit.Count, outcome.requests);
  metrics.addMetric(MetricName.seriesDaysWritten, MetricUnit.Count, outcome.seriesDaysWritten);
  return outcome;
})
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
