import { createHash } from 'node:crypto';
import { BillingIngestionCompletedEvent } from '#events/billing-ingestion-completed';
import type { IsoDay } from '#shared/cost/cost-point';
import type { CostStore, IngestionReport } from '#shared/cost/cost-store-port';
import { TOTAL_SERIES } from '#shared/cost/series-key';
import { outgoing, type PublishEvents } from '#shared/events/publish-port';
import { formatMoney, type Money } from '#shared/money';
import type { LogSink } from '#shared/observability';
import {
  advanceFinalThrough,
  type CostExplorerAnswers,
  type CostExplorerWindow,
  costExplorerDayPoints,
  daysOf,
  fingerprintPoints,
  planCostExplorerWindow,
} from './cost-explorer-points';
import type { FetchCostAndUsage } from './cost-explorer-query';
import type { CostExplorerWatermarks } from './cost-explorer-watermarks';

/** What one Cost Explorer pull asks for. */
export interface IngestCostExplorerOptions {
  /** The (payer) account whose Cost Explorer is read; part of unit ids and the watermark key. */
  account: string;
  /** Cost metric, e.g. `UnblendedCost`. */
  metric: string;
  /** Tag keys to ask for (one extra request, or more pages, per key). */
  tagKeys: string[];
  /** Days asked on the first run, before any watermark exists. */
  lookbackDays: number;
  /** Days before today that are provisional (billing lag, default 2). */
  provisionalDays?: number;
  /** Days written to the store at once (default 4). */
  dayConcurrency?: number;
}

/** The adapters a pull uses. */
export interface IngestCostExplorerDeps {
  fetchCostAndUsage: FetchCostAndUsage;
  store: CostStore;
  watermarks: CostExplorerWatermarks;
  publish: PublishEvents;
  now: () => Date;
  log?: LogSink;
}

/** What a pull did; `requests` is the number of paid GetCostAndUsage calls ($0.01 each). */
export interface CostExplorerIngestionOutcome {
  requests: number;
  window?: CostExplorerWindow;
  daysReplaced: number;
  daysUnchanged: number;
  provisionalDays: IsoDay[];
  seriesDaysWritten: number;
  finalThrough?: IsoDay;
  /** ingestionId of the published Billing Ingestion Completed event. */
  ingestionId?: string;
}

/** Unit id of one Cost Explorer day: each day is replaced as a whole when it is asked again. */
export function costExplorerUnitId(account: string, day: IsoDay): string {
  return `cost-explorer/${account}/${day}`;
}

/**
 * Pulls the days not yet final from Cost Explorer (one SERVICE × LINKED_ACCOUNT query plus one
 * TAG × SERVICE query per tag key, every page counted), stores each day as its own unit version,
 * moves the final-through watermark, and publishes Billing Ingestion Completed.
 */
export async function ingestCostExplorer(
  deps: IngestCostExplorerDeps,
  options: IngestCostExplorerOptions,
): Promise<CostExplorerIngestionOutcome> {
  const now = deps.now();
  const previous = await deps.watermarks.getFinalThrough(options.account);
  const window = planCostExplorerWindow({ now, finalThrough: previous, lookbackDays: options.lookbackDays });
  if (!window) {
    deps.log?.info('cost explorer: nothing to ask', { account: options.account, finalThrough: previous });
    return {
      requests: 0,
      daysReplaced: 0,
      daysUnchanged: 0,
      provisionalDays: [],
      seriesDaysWritten: 0,
      finalThrough: previous,
    };
  }
  const base = { start: window.start, endExclusive: window.endExclusive, metric: options.metric };
  const main = await deps.fetchCostAndUsage({
    ...base,
    groupBy: [
      { type: 'DIMENSION', key: 'SERVICE' },
      { type: 'DIMENSION', key: 'LINKED_ACCOUNT' },
    ],
  });
  let requests = main.requests;
  const answers: CostExplorerAnswers = { byServiceAndAccount: main.days, byTag: [] };
  for (const tagKey of options.tagKeys) {
    const byTag = await deps.fetchCostAndUsage({
      ...base,
      groupBy: [
        { type: 'TAG', key: tagKey },
        { type: 'DIMENSION', key: 'SERVICE' },
      ],
    });
    requests += byTag.requests;
    answers.byTag.push({ tagKey, days: byTag.days });
  }

  const startedAt = now.toISOString();
  const outcome: CostExplorerIngestionOutcome = {
    requests,
    window,
    daysReplaced: 0,
    daysUnchanged: 0,
    provisionalDays: [],
    seriesDaysWritten: 0,
  };
  const provisional = new Map<IsoDay, boolean>();
  const totals = new Map<string, Money>();
  const series = new Set<string>();
  const versions: string[] = [];
  let rowsRead = 0;
  const writes: Array<() => Promise<void>> = [];
  for (const day of daysOf(window)) {
    const converted = costExplorerDayPoints(answers, day, {
      now,
      ...(options.provisionalDays === undefined ? {} : { provisionalDays: options.provisionalDays }),
    });
    provisional.set(day, converted.provisional);
    if (converted.provisional) outcome.provisionalDays.push(day);
    const unitId = costExplorerUnitId(options.account, day);
    const ingestionId = `${unitId}@${fingerprintPoints(converted.points)}`;
    versions.push(ingestionId);
    rowsRead += converted.groupCount;
    const dayTotals = new Map<string, Money>();
    for (const point of converted.points) {
      series.add(`${point.currency}\u0000${point.seriesKey}`);
      if (point.seriesKey !== TOTAL_SERIES) continue;
      dayTotals.set(point.currency, (dayTotals.get(point.currency) ?? 0n) + point.amount);
      totals.set(point.currency, (totals.get(point.currency) ?? 0n) + point.amount);
    }
    const report: IngestionReport = {
      ingestionId,
      unitId,
      format: 'cost-explorer',
      sourceUris: [`cost-explorer:${options.account}`],
      costColumn: options.metric,
      rowsRead: converted.groupCount,
      rowsRejected: 0,
      rejections: [],
      seriesDaysWritten: converted.points.length,
      seriesCount: converted.points.length,
      ...(converted.points.length > 0 ? { days: { from: day, to: day } } : {}),
      totals: [...dayTotals].map(([currency, amount]) => ({ currency, amount })),
      startedAt,
      completedAt: deps.now().toISOString(),
    };
    writes.push(async () => {
      const result = await deps.store.replaceUnitVersion({
        unitId,
        ingestionId,
        points: converted.points,
        report,
      });
      if (result.unchanged) outcome.daysUnchanged++;
      else {
        outcome.daysReplaced++;
        outcome.seriesDaysWritten += result.seriesDaysWritten;
      }
    });
  }
  // Days are independent units: a few in flight at once.
  let next = 0;
  const worker = async () => {
    while (next < writes.length) await writes[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(options.dayConcurrency ?? 4, writes.length) }, worker));

  // Only after every day is stored: a crash before this re-asks the same days next run.
  const finalThrough = advanceFinalThrough(window, (day) => provisional.get(day) ?? true, previous);
  if (finalThrough && finalThrough !== previous)
    await deps.watermarks.advanceFinalThrough(options.account, finalThrough);
  outcome.finalThrough = finalThrough;

  const lastDay = daysOf(window).at(-1) ?? window.start;
  const ingestionId = `cost-explorer/${options.account}/${window.start}..${lastDay}@${createHash('sha256')
    .update(versions.join('\n'))
    .digest('hex')
    .slice(0, 16)}`;
  await deps.publish([
    outgoing(BillingIngestionCompletedEvent, {
      schemaVersion: BillingIngestionCompletedEvent.schemaVersion,
      ingestionId,
      source: { kind: 'cost-explorer', uri: `cost-explorer:${options.account}` },
      days: { from: window.start, to: lastDay },
      rowsRead,
      rowsRejected: 0,
      seriesDaysWritten: outcome.seriesDaysWritten,
      seriesCount: series.size,
      totals: [...totals].map(([currency, amount]) => ({ currency, amount: formatMoney(amount) })),
      completedAt: deps.now().toISOString(),
    }),
  ]);
  outcome.ingestionId = ingestionId;
  deps.log?.info('cost explorer ingested', {
    account: options.account,
    requests,
    window,
    daysReplaced: outcome.daysReplaced,
    daysUnchanged: outcome.daysUnchanged,
    provisionalDays: outcome.provisionalDays.length,
    finalThrough,
  });
  return outcome;
}
