import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { aggregateBillingPartial } from '#shared/billing/aggregate-partial';
import { parseAggregateItem } from '#shared/billing/fan-out-payloads';
import { logger, MetricName, MetricUnit, metrics, tracer } from '#shared/observability';
import { createAggregateBillingPartialDependencies } from './dependencies';

let dependencies: ReturnType<typeof createAggregateBillingPartialDependencies> | undefined;

/**
 * aggregate-billing-partial: one item of the billing fan-out's Distributed Map. Streams the
 * object `{ bucket, key, size, prefix }` from S3, aggregates it and writes the partial to the
 * work bucket; returns a small reference for the merge step. Retries overwrite the same partial.
 */
export const handler = middy(async (event: unknown) => {
  const item = parseAggregateItem(event);
  dependencies ??= createAggregateBillingPartialDependencies(process.env);
  const reference = await aggregateBillingPartial({
    ...dependencies,
    prefixUri: `s3://${item.bucket}/${item.prefix}`,
    objectUri: `s3://${item.bucket}/${item.key}`,
    key: item.key,
  });
  if (reference.status === 'aggregated') {
    metrics.addMetric(MetricName.rowsIngested, MetricUnit.Count, reference.rowsRead);
    metrics.addMetric(MetricName.rowsRejected, MetricUnit.Count, reference.rowsRejected);
  }
  logger.info('billing partial', { ...reference, size: item.size });
  return reference;
})
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
