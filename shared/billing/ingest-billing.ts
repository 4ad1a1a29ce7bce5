import { createHash } from 'node:crypto';
import { BillingIngestionCompletedEvent } from '#events/billing-ingestion-completed';
import type { BillingFormat } from '#shared/billing/billing-formats';
import { CostAggregator } from '#shared/billing/cost-aggregator';
import {
  type BillingSource,
  type ReadTarget,
  RejectionCounter,
  readBillingSource,
  type SourceReadResult,
} from '#shared/billing/read-billing-source';
import type { IsoDay } from '#shared/cost/cost-point';
import type { CostStore, IngestionReport } from '#shared/cost/cost-store-port';
import { TOTAL_SERIES } from '#shared/cost/series-key';
import { InvalidInputError } from '#shared/errors';
import { outgoing, type PublishEvents } from '#shared/events/publish-port';
import { formatMoney } from '#shared/money';

/** Tag keys that become series when none are configured. */
export const DEFAULT_TAG_KEYS = ['cost-center', 'team', 'environment', 'application'] as const;

/** How a billing unit is read and aggregated. */
export interface IngestBillingOptions {
  /** Cost column/measure; defaults per format (FOCUS EffectiveCost, CUR unblended). */
  costColumn?: string;
  /** Allow-listed tag keys (default DEFAULT_TAG_KEYS). */
  tagKeys?: readonly string[];
  /** Contributors kept per dimension on each point (default 10). */
  contributorLimit?: number;
  /** Fine cells kept per day before the smaller half is folded (default 4096; see CostAggregator). */
  maxCellsPerDay?: number;
}

/** Every source of a unit aggregated together. */
export interface UnitAggregate {
  aggregator: CostAggregator;
  rejections: RejectionCounter;
  sources: SourceReadResult[];
}

/** Reads sources into one aggregate (in this thread); the CLI can substitute a worker fan-out. */
export type AggregateBillingSources = (
  sources: readonly BillingSource[],
  options: IngestBillingOptions & { billingPeriod?: { start: IsoDay; end: IsoDay } },
) => Promise<UnitAggregate>;

/** Resolved tag keys of the options. */
export function tagKeysOf(options: IngestBillingOptions): string[] {
  return [...(options.tagKeys ?? DEFAULT_TAG_KEYS)];
}

/** Reads every source, one after the other, into a single aggregate. */
export const aggregateBillingSources: AggregateBillingSources = async (sources, options) => {
  const tagKeys = tagKeysOf(options);
  const target: ReadTarget = {
    aggregator: new CostAggregator({
      tagKeys,
      contributorLimit: options.contributorLimit,
      maxCellsPerDay: options.maxCellsPerDay,
    }),
    rejections: new RejectionCounter(),
    mapperOptions: { tagKeys, costColumn: options.costColumn, billingPeriod: options.billingPeriod },
  };
  const results: SourceReadResult[] = [];
  for (const source of sources) results.push(await readBillingSource(source, target));
  return { aggregator: target.aggregator, rejections: target.rejections, sources: results };
};

/** Input of one ingestion. */
export interface IngestBillingUnitInput {
  /** A file's uri, or `<export>/<period>` for a manifest's period (default: the single source's uri). */
  unitId?: string;
  sources: readonly BillingSource[];
  /** From a manifest: rows outside it are refused. */
  billingPeriod?: { start: IsoDay; end: IsoDay };
  store: CostStore;
  publish: PublishEvents;
  now: () => Date;
  options?: IngestBillingOptions;
  aggregate?: AggregateBillingSources;
}

/**
 * Ingests one unit (a file, or every file of a manifest's period): reads and aggregates it,
 * replaces the unit's previous version in the store as a whole, publishes
 * `Billing Ingestion Completed` (also when nothing changed, so a crash between write and publish
 * heals on re-run), and returns the ingestion report.
 */
export async function ingestBillingUnit(
  input: IngestBillingUnitInput,
): Promise<IngestionReport & { unchanged: boolean }> {
  const { sources, store, publish, now } = input;
  const options = input.options ?? {};
  if (sources.length === 0)
    throw new InvalidInputError('nothing to ingest: a billing unit needs at least one file');
  const unitId = input.unitId ?? (sources.length === 1 ? sources[0]!.uri : undefined);
  if (unitId === undefined) throw new InvalidInputError('a billing unit of several files needs a unitId');
  const startedAt = now().toISOString();
  const aggregate = await (input.aggregate ?? aggregateBillingSources)(sources, {
    ...options,
    billingPeriod: input.billingPeriod,
  });
  const formats = new Set(aggregate.sources.map((s) => s.format));
  if (formats.size > 1) {
    throw new InvalidInputError(
      `${unitId} mixes export formats (${[...formats].join(', ')}); a unit must be one format`,
    );
  }
  const format = aggregate.sources[0]!.format as BillingFormat;
  const costColumn = aggregate.sources[0]!.costColumn;
  const points = aggregate.aggregator.points();
  const fingerprint = createHash('sha256')
    .update(
      JSON.stringify({
        files: aggregate.sources.map((s) => s.fingerprint).sort(),
        costColumn,
        tagKeys: tagKeysOf(options),
        billingPeriod: input.billingPeriod ?? null,
      }),
    )
    .digest('hex')
    .slice(0, 20);
  const ingestionId = `${unitId}@${fingerprint}`;
  const totals = points
    .filter((p) => p.seriesKey === TOTAL_SERIES)
    .reduce(
      (byCurrency, p) => byCurrency.set(p.currency, (byCurrency.get(p.currency) ?? 0n) + p.amount),
      new Map<string, bigint>(),
    );
  const sortedDays = points.map((p) => p.day).sort();
  const days =
    sortedDays.length > 0 ? { from: sortedDays[0]!, to: sortedDays[sortedDays.length - 1]! } : undefined;
  const report: IngestionReport = {
    ingestionId,
    unitId,
    format,
    sourceUris: aggregate.sources.map((s) => s.uri),
    costColumn,
    rowsRead: aggregate.sources.reduce((n, s) => n + s.rowsRead, 0),
    rowsRejected: aggregate.rejections.total,
    rejections: aggregate.rejections.summaries(),
    seriesDaysWritten: points.length,
    seriesCount: new Set(points.map((p) => `${p.currency}|${p.seriesKey}`)).size,
    ...(days ? { days } : {}),
    totals: [...totals]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([currency, amount]) => ({ currency, amount })),
    startedAt,
    completedAt: startedAt,
  };
  report.completedAt = now().toISOString();
  const result = await store.replaceUnitVersion({ unitId, ingestionId, points, report });
  const final: IngestionReport = {
    ...report,
    seriesDaysWritten: result.seriesDaysWritten,
    ...(result.versionReplaced ? { versionReplaced: result.versionReplaced } : {}),
  };
  if (days) {
    await publish([
      outgoing(BillingIngestionCompletedEvent, {
        schemaVersion: 1,
        ingestionId,
        source: { kind: format, uri: sources.length === 1 ? sources[0]!.uri : unitId },
        days,
        rowsRead: final.rowsRead,
        rowsRejected: final.rowsRejected,
        seriesDaysWritten: final.seriesDaysWritten,
        seriesCount: final.seriesCount,
        totals: final.totals.map((t) => ({ currency: t.currency, amount: formatMoney(t.amount) })),
        completedAt: final.completedAt,
      }),
    ]);
  }
  return { ...final, unchanged: result.unchanged };
}
