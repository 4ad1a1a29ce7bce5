import { createHash } from 'node:crypto';
import {
  type BillingFanOut,
  dataFolderPrefix,
  type FanOutStart,
  fanOutExecutionName,
} from '#shared/billing/billing-fan-out-request';
import type { BillingObjects } from '#shared/billing/billing-objects';
import { isManifestUri } from '#shared/billing/export-manifest';
import {
  type AggregateBillingSources,
  type IngestBillingOptions,
  ingestBillingUnit,
} from '#shared/billing/ingest-billing';
import { planObjectUnit, type ReadyUnit } from '#shared/billing/plan-billing-units';
import type { CostStore, IngestionReport } from '#shared/cost/cost-store-port';
import type { PublishEvents } from '#shared/events/publish-port';
import type { LogSink } from '#shared/observability';

/** What became of an arriving billing object. */
export type BillingObjectOutcome =
  | { status: 'ingested'; report: IngestionReport }
  | { status: 'incomplete'; unitId: string; missing: string[] }
  | { status: 'waiting-for-manifest'; manifestUri: string; reason: 'no-manifest' | 'newer-delivery' }
  | { status: 'ignored'; reason: string }
  /** A late event of a data file whose period was stored since its manifest arrived: nothing read. */
  | { status: 'already-stored'; unitId: string }
  | {
      status: 'fanned-out';
      unitId: string;
      executionName: string;
      totalBytes: number;
      /** `already-started`: a duplicate delivery, the execution of that name runs or ran; `redriven`: it had failed and was restarted. */
      execution: FanOutStart;
    };

/**
 * Hands a ready unit above the fan-out threshold to the Step Functions fan-out. A manifest's
 * period qualifies when its data files sit in one folder and map back to that manifest (a Data
 * Exports `data/BILLING_PERIOD=…/` folder, a legacy CUR report version's folder): the merge step
 * plans the period from the folder's manifest. Loose files are always ingested inline.
 */
async function fanOutIfTooBig(
  plan: ReadyUnit,
  fanOut: BillingFanOut,
  objects: BillingObjects,
  log: LogSink,
): Promise<BillingObjectOutcome | undefined> {
  const uris = plan.sources.map((s) => s.uri);
  const sizes = await Promise.all(uris.map((uri) => objects.size(uri)));
  const totalBytes = sizes.reduce((sum, size) => sum + size, 0);
  if (totalBytes <= fanOut.thresholdBytes) return undefined;
  const prefix = dataFolderPrefix(uris);
  const mergeable =
    isManifestUri(plan.uri) &&
    prefix !== undefined &&
    uris.every((uri) => objects.manifestFor(uri) === plan.uri);
  if (!mergeable) {
    log.warn(
      'billing unit exceeds the fan-out threshold but is not an export period in one folder; ingesting inline',
      {
        unitId: plan.unitId,
        totalBytes,
        thresholdBytes: fanOut.thresholdBytes,
      },
    );
    return undefined;
  }
  const version = createHash('sha256')
    .update(await objects.readText(plan.uri))
    .digest('hex');
  const executionName = fanOutExecutionName({
    unitId: plan.unitId,
    version,
    files: uris.map((uri, i) => ({ uri, size: sizes[i]! })),
  });
  const execution = await fanOut.start({ unitId: plan.unitId, prefix, uris, totalBytes, executionName });
  log.info('billing unit handed to the fan-out', {
    unitId: plan.unitId,
    executionName,
    execution,
    prefix,
    files: uris.length,
    totalBytes,
  });
  return { status: 'fanned-out', unitId: plan.unitId, executionName, totalBytes, execution };
}

/**
 * What a data file's event should do about its period's manifest, from the objects' write times
 * and the stored version's completion time (AWS writes the manifest after the data files):
 * - `newer-delivery`: a file the manifest lists is newer than it, and the stored version is newer
 *   still: the manifest present is the previous delivery's and its files are being overwritten;
 *   ingesting now would store a mix of two deliveries. The new manifest's event ingests them.
 * - `already-stored`: no listed file changed since the manifest, and a version was stored after
 *   it: that version was read from these very files; reading them again would change nothing.
 * - `ingest`: anything else, e.g. a period first seen incomplete and completed by this late file.
 */
async function dataFileDecision(
  plan: ReadyUnit,
  input: { objects: BillingObjects; store: CostStore },
): Promise<'newer-delivery' | 'already-stored' | 'ingest'> {
  const [manifestTime, ...fileTimes] = await Promise.all(
    [plan.uri, ...plan.sources.map((s) => s.uri)].map((uri) => input.objects.lastModified(uri)),
  );
  const current = await input.store.currentUnitReport(plan.unitId);
  const storedSinceManifest = current !== undefined && Date.parse(current.completedAt) >= manifestTime!;
  if (!storedSinceManifest) return 'ingest';
  return fileTimes.some((time) => time > manifestTime!) ? 'newer-delivery' : 'already-stored';
}

/**
 * Handles one arriving object (a data file or a manifest): plans its unit and ingests it when
 * complete. An incomplete period or a data file whose manifest has not arrived is logged and
 * left for the arrival that completes it. With a `fanOut` port, a Data Exports period whose
 * files total more than its threshold is handed to the fan-out instead (nothing written here).
 */
export async function ingestBillingObject(input: {
  uri: string;
  objects: BillingObjects;
  store: CostStore;
  publish: PublishEvents;
  now: () => Date;
  options?: IngestBillingOptions;
  aggregate?: AggregateBillingSources;
  /** Unset (the local runtime): every unit is ingested inline. */
  fanOut?: BillingFanOut;
  log: LogSink;
}): Promise<BillingObjectOutcome> {
  const plan = await planObjectUnit(input.uri, input.objects);
  if (plan.status === 'ignored') {
    input.log.info('not billing data, ignored', { uri: input.uri, reason: plan.reason });
    return { status: 'ignored', reason: plan.reason };
  }
  if (plan.status === 'waiting-for-manifest') {
    input.log.info('billing data file waits for its manifest', {
      uri: input.uri,
      manifestUri: plan.manifestUri,
      reason: plan.reason,
    });
    return { status: 'waiting-for-manifest', manifestUri: plan.manifestUri, reason: plan.reason };
  }
  if (plan.status === 'ready' && plan.uri !== input.uri) {
    const decision = await dataFileDecision(plan, input);
    if (decision === 'newer-delivery') {
      input.log.info('billing data file belongs to a delivery in progress; its manifest will ingest it', {
        uri: input.uri,
        manifestUri: plan.uri,
      });
      return { status: 'waiting-for-manifest', manifestUri: plan.uri, reason: 'newer-delivery' };
    }
    if (decision === 'already-stored') {
      input.log.info('billing period already stored from these files; not read again', {
        uri: input.uri,
        unitId: plan.unitId,
      });
      return { status: 'already-stored', unitId: plan.unitId };
    }
  }
  if (plan.status === 'incomplete') {
    input.log.info('billing period incomplete, not ingested yet', {
      unitId: plan.unitId,
      missing: plan.missing,
    });
    return { status: 'incomplete', unitId: plan.unitId, missing: plan.missing };
  }
  if (input.fanOut) {
    const fannedOut = await fanOutIfTooBig(plan, input.fanOut, input.objects, input.log);
    if (fannedOut) return fannedOut;
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
