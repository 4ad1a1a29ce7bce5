import { manifestOfDataFile, partialSettingsOf } from '#shared/billing/aggregate-partial';
import type { BillingObjects } from '#shared/billing/billing-objects';
import { CostAggregator } from '#shared/billing/cost-aggregator';
import type { AggregatedReference, PartialReference } from '#shared/billing/fan-out-payloads';
import {
  type AggregateBillingSources,
  type IngestBillingOptions,
  ingestBillingUnit,
  tagKeysOf,
} from '#shared/billing/ingest-billing';
import type { BillingPartial } from '#shared/billing/partial-store';
import { planManifestUnit } from '#shared/billing/plan-billing-units';
import { RejectionCounter, type SourceReadResult } from '#shared/billing/read-billing-source';
import type { IsoDay } from '#shared/cost/cost-point';
import type { CostStore, IngestionReport, RejectionSummary } from '#shared/cost/cost-store-port';
import { FinopsError, InvalidInputError } from '#shared/errors';
import type { PublishEvents } from '#shared/events/publish-port';
import { formatMoney } from '#shared/money';
import type { LogSink } from '#shared/observability';

/** The partials cannot make the whole period: a listed file has none, or the manifest lacks files. */
export class IncompletePartialsError extends FinopsError {}

/** A partial that does not belong to this merge (other content, settings or period than expected). */
export class PartialMismatchError extends InvalidInputError {}

/** What the merge step returns (small, JSON-safe: amounts as decimal text). */
export interface MergeSummary {
  unitId: string;
  ingestionId: string;
  /** True when this exact version was already stored (a re-run): nothing was written. */
  unchanged: boolean;
  versionReplaced?: string;
  format: IngestionReport['format'];
  partialsMerged: number;
  /** Listed objects skipped by the map (folder markers, files the manifest does not list). */
  skipped: string[];
  rowsRead: number;
  rowsRejected: number;
  rejections: RejectionSummary[];
  seriesDaysWritten: number;
  seriesCount: number;
  days?: { from: IsoDay; to: IsoDay };
  totals: Array<{ currency: string; amount: string }>;
}

function sameSettings(a: BillingPartial['settings'], b: BillingPartial['settings']): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Reads each partial (one at a time, so memory holds one partial plus the merged aggregate) and
 * merges it exactly, after checking it is the content the map step reported and was made with
 * the merge's settings.
 */
function mergePartialsAggregate(props: {
  references: ReadonlyMap<string, AggregatedReference>;
  readPartial: (uri: string) => Promise<BillingPartial>;
  billingPeriod: { start: IsoDay; end: IsoDay };
}): AggregateBillingSources {
  return async (sources, options) => {
    const expected = partialSettingsOf(options, props.billingPeriod);
    const aggregator = new CostAggregator({
      tagKeys: tagKeysOf(options),
      contributorLimit: options.contributorLimit,
      maxCellsPerDay: options.maxCellsPerDay,
    });
    const rejections = new RejectionCounter();
    const results: SourceReadResult[] = [];
    for (const source of sources) {
      const reference = props.references.get(source.uri)!;
      const partial = await props.readPartial(reference.partialUri);
      if (partial.sourceUri !== source.uri || partial.fingerprint !== reference.fingerprint) {
        throw new PartialMismatchError(
          `partial ${reference.partialUri} holds ${partial.sourceUri}@${partial.fingerprint.slice(0, 12)}, the map step reported ${source.uri}@${reference.fingerprint.slice(0, 12)}: another run overwrote it; re-run the fan-out`,
        );
      }
      if (!sameSettings(partial.settings, expected)) {
        throw new PartialMismatchError(
          `partial ${reference.partialUri} was aggregated with ${JSON.stringify(partial.settings)}, the merge runs with ${JSON.stringify(expected)}: give both functions the same COST_COLUMN and TAG_KEYS, then re-run the fan-out`,
        );
      }
      aggregator.merge(partial.aggregate);
      rejections.merge(partial.rejections);
      results.push({
        uri: source.uri,
        format: partial.format,
        costColumn: partial.costColumn,
        rowsRead: partial.rowsRead,
        fingerprint: partial.fingerprint,
      });
    }
    return { aggregator, rejections, sources: results };
  };
}

/**
 * The billing fan-out's final step: checks the map's partials cover every data file the
 * period's manifest lists, merges them exactly and replaces the period as ONE unit
 * (`<export>/<billing period>`, the unit a direct ingest of the manifest writes, with the same
 * ingestion id for the same files), then publishes `Billing Ingestion Completed`. Nothing is
 * written when a partial is missing, mismatched or unreadable.
 */
export async function mergeBillingPartials(input: {
  prefix: string;
  partials: readonly PartialReference[];
  /** Where the export's data files and manifest are (to plan the period). */
  objects: BillingObjects;
  readPartial: (uri: string) => Promise<BillingPartial>;
  store: CostStore;
  publish: PublishEvents;
  now: () => Date;
  options?: IngestBillingOptions;
  log?: LogSink;
}): Promise<MergeSummary> {
  const aggregated = input.partials.filter((p): p is AggregatedReference => p.status === 'aggregated');
  const skipped = input.partials.filter((p) => p.status === 'skipped').map((p) => p.sourceUri);
  if (aggregated.length === 0) {
    const first = input.partials[0];
    const why = first?.status === 'skipped' ? `; ${first.sourceUri}: ${first.reason}` : '';
    throw new IncompletePartialsError(
      `no data file was aggregated under ${JSON.stringify(input.prefix)} (${input.partials.length} objects listed${why}): check the execution's prefix (<export>/data/BILLING_PERIOD=…/)`,
    );
  }
  const { manifestUri } = await manifestOfDataFile(aggregated[0]!.sourceUri, input.objects);
  const elsewhere = aggregated.filter((p) => input.objects.manifestFor(p.sourceUri) !== manifestUri);
  if (elsewhere.length > 0) {
    throw new PartialMismatchError(
      `the partials span several billing periods (${elsewhere[0]!.sourceUri} is not in the period of ${manifestUri}): run one fan-out per period`,
    );
  }
  const plan = await planManifestUnit(manifestUri, input.objects);
  if (plan.status === 'incomplete') {
    throw new IncompletePartialsError(
      `${plan.unitId}: the manifest lists files that are not in the bucket: ${plan.missing.join(', ')}; re-run the fan-out once they are delivered`,
    );
  }
  const references = new Map(aggregated.map((p) => [p.sourceUri, p]));
  const withoutPartial = plan.sources.filter((s) => !references.has(s.uri)).map((s) => s.uri);
  if (withoutPartial.length > 0) {
    throw new IncompletePartialsError(
      `${plan.unitId}: no partial for ${withoutPartial.length} listed file(s) (${withoutPartial.slice(0, 5).join(', ')}): they arrived after the map listed ${JSON.stringify(input.prefix)}; re-run the fan-out`,
    );
  }
  const listed = new Set(plan.sources.map((s) => s.uri));
  const unlisted = aggregated.filter((p) => !listed.has(p.sourceUri)).map((p) => p.sourceUri);
  if (unlisted.length > 0)
    input.log?.warn('partials of files the manifest does not list are left out', { unlisted });

  const report = await ingestBillingUnit({
    unitId: plan.unitId,
    sources: plan.sources,
    billingPeriod: plan.billingPeriod,
    store: input.store,
    publish: input.publish,
    now: input.now,
    options: input.options,
    aggregate: mergePartialsAggregate({
      references,
      readPartial: input.readPartial,
      billingPeriod: plan.billingPeriod!,
    }),
  });
  return {
    unitId: report.unitId,
    ingestionId: report.ingestionId,
    unchanged: report.unchanged,
    ...(report.versionReplaced ? { versionReplaced: report.versionReplaced } : {}),
    format: report.format,
    partialsMerged: plan.sources.length,
    skipped: [...skipped, ...unlisted],
    rowsRead: report.rowsRead,
    rowsRejected: report.rowsRejected,
    rejections: report.rejections,
    seriesDaysWritten: report.seriesDaysWritten,
    seriesCount: report.seriesCount,
    ...(report.days ? { days: report.days } : {}),
    totals: report.totals.map((t) => ({ currency: t.currency, amount: formatMoney(t.amount) })),
  };
}
