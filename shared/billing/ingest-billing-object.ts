import type { BillingObjects } from '#shared/billing/billing-objects';
import {
  type AggregateBillingSources,
  type IngestBillingOptions,
  ingestBillingUnit,
} from '#shared/billing/ingest-billing';
import { planObjectUnit } from '#shared/billing/plan-billing-units';
import type { CostStore, IngestionReport } from '#shared/cost/cost-store-port';
import type { PublishEvents } from '#shared/events/publish-port';
import type { LogSink } from '#shared/observability';

/** What became of an arriving billing object. */
export type BillingObjectOutcome =
  | { status: 'ingested'; report: IngestionReport }
  | { status: 'incomplete'; unitId: string; missing: string[] }
  | { status: 'waiting-for-manifest'; manifestUri: string };

/**
 * Handles one arriving object (a data file or a manifest): plans its unit and ingests it when
 * complete. An incomplete period or a data file whose manifest has not arrived is logged and
 * left for the arrival that completes it.
 */
export async function ingestBillingObject(input: {
  uri: string;
  objects: BillingObjects;
  store: CostStore;
  publish: PublishEvents;
  now: () => Date;
  options?: IngestBillingOptions;
  aggregate?: AggregateBillingSources;
  log: LogSink;
}): Promise<BillingObjectOutcome> {
  const plan = await planObjectUnit(input.uri, input.objects);
  if (plan.status === 'waiting-for-manifest') {
    input.log.info('billing data file waits for its manifest', {
      uri: input.uri,
      manifestUri: plan.manifestUri,
    });
    return { status: 'waiting-for-manifest', manifestUri: plan.manifestUri };
  }
  if (plan.status === 'incomplete') {
    input.log.info('billing period incomplete, not ingested yet', {
      unitId: plan.unitId,
      missing: plan.missing,
    });
    return { status: 'incomplete', unitId: plan.unitId, missing: plan.missing };
  }
  const report = await ingestBillingUnit({
    unitId: plan.unitId,
    sources: plan.sources,
    billingPeriod: plan.billingPeriod,
    store: input.store,
    publish: input.publish,
    now: input.now,
    options: input.options,
    aggregate: input.aggregate,
  });
  input.log.info('billing unit ingested', {
    unitId: report.unitId,
    ingestionId: report.ingestionId,
    rowsRead: report.rowsRead,
    rowsRejected: report.rowsRejected,
    seriesDaysWritten: report.seriesDaysWritten,
  });
  return { status: 'ingested', report };
}
