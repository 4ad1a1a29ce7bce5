import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { parseMergeInput } from '#shared/billing/fan-out-payloads';
import { mergeBillingPartials } from '#shared/billing/merge-partials';
import { logger, logSink, MetricName, MetricUnit, metrics, tracer } from '#shared/observability';
import { createMergeBillingPartialsDependencies } from './dependencies';

let dependencies: ReturnType<typeof createMergeBillingPartialsDependencies> | undefined;

/**
 * merge-billing-partials: the billing fan-out's final step. Merges the partials `{ prefix,
 * partials }` of one billing period exactly, replaces the period as one unit and publishes
 * `Billing Ingestion Completed`; returns the ingestion summary. Re-runs change nothing.
 */
export const handler = middy(async (event: unknown) => {
  const input = parseMergeInput(event);
  dependencies ??= createMergeBillingPartialsDependencies(process.env);
  const summary = await mergeBillingPartials({
    ...dependencies,
    ...input,
    now: () => new Date(),
    log: logSink,
  });
  metrics.addMetric(MetricName.seriesDaysWritten, MetricUnit.Count, summary.seriesDaysWritten);
  logger.info('billing partials merged', {
    unitId: summary.unitId,
    ingestionId: summary.ingestionId,
    unchanged: summary.unchanged,
    partialsMerged: summary.partialsMerged,
    rowsRead: summary.rowsRead,
  });
  return summary;
})
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
