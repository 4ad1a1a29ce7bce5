import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { ingestBillingObject } from '#shared/billing/ingest-billing-object';
import { objectUrisOfS3Event, resolveEventObjectUri } from '#shared/billing/s3-object-event';
import { logger, logSink, MetricName, MetricUnit, metrics, tracer } from '#shared/observability';
import { createIngestBillingDependencies } from './dependencies';

let dependencies: ReturnType<typeof createIngestBillingDependencies> | undefined;

/**
 * ingest-billing: on an S3 object-created event (EventBridge or S3 notification shape) for an
 * export file or manifest, streams the object(s) from S3 and ingests the unit they complete, or
 * starts the Step Functions fan-out for a period above BILLING_FAN_OUT_THRESHOLD_BYTES.
 * A malformed event throws (to the DLQ); re-deliveries are idempotent.
 */
export const handler = middy(async (event: unknown) => {
  const uris = objectUrisOfS3Event(event);
  dependencies ??= createIngestBillingDependencies(process.env);
  const outcomes = [];
  for (const given of uris) {
    const uri = await resolveEventObjectUri(given, dependencies.objects.exists);
    const outcome = await ingestBillingObject({ ...dependencies, uri, now: () => new Date(), log: logSink });
    if (outcome.status === 'ingested') {
      metrics.addMetric(MetricName.rowsIngested, MetricUnit.Count, outcome.report.rowsRead);
      metrics.addMetric(MetricName.rowsRejected, MetricUnit.Count, outcome.report.rowsRejected);
      metrics.addMetric(MetricName.seriesDaysWritten, MetricUnit.Count, outcome.report.seriesDaysWritten);
    }
    outcomes.push(
      outcome.status === 'ingested'
        ? { status: outcome.status, ingestionId: outcome.report.ingestionId }
        : outcome,
    );
  }
  return outcomes;
})
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
