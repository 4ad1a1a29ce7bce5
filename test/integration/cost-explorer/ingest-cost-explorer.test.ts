import { GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { BillingIngestionCompletedEvent, parseDetail } from '#events/index';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { createCostExplorerFetcher } from '#shared/billing/cost-explorer/cost-explorer-query';
import { ingestCostExplorer } from '#shared/billing/cost-explorer/ingest-cost-explorer';
import type { OutgoingEvent } from '#shared/events/publish-port';
import { formatMoney } from '#shared/money';
import { createDynamoCostExplorerWatermarks } from '#shared/store/dynamo-cost-explorer-watermarks';
import { createDynamoCostStore } from '#shared/store/dynamo-cost-store';
import {
  accountOf,
  costCenterOf,
  exactSum,
  expectedPages,
  recordedCostExplorer,
  recordedResults,
} from '../../unit/cost-explorer/support/recorded-cost-explorer';

const OPTIONS = {
  account: '999999999999',
  metric: 'UnblendedCost',
  tagKeys: ['cost-center'],
  lookbackDays: 10,
};
const PAGE = 12;
const USD = (seriesKey: string) => ({ seriesKey, currency: 'USD' });

/** Recorded amounts of one day, optionally of one service only. */
function recordedAmounts(day: string, keep: (service: string) => boolean = () => true): string[] {
  const result = recordedResults().find((r) => r.TimePeriod?.Start === day);
  return (result?.Groups ?? [])
    .filter((g) => keep(g.Keys?.[0] ?? ''))
    .map((g) => g.Metrics?.UnblendedCost?.Amount ?? '0');
}

// The embedded engine shares two cores with other suites; each run stores a few hundred items.
jest.setTimeout(30_000);

describe('Cost Explorer ingestion into the embedded store', () => {
  let dynamo: EmbeddedDynamo;
  beforeEach(async () => {
    dynamo = await startEmbeddedDynamo();
  });
  afterEach(async () => dynamo.stop());

  function run(now: string, amountOverride?: (day: string, service: string, amount: string) => string) {
    const { client, mock } = recordedCostExplorer({
      groupsPerPage: PAGE,
      ...(amountOverride ? { amountOverride } : {}),
    });
    const store = createDynamoCostStore({
      documentClient: dynamo.documentClient,
      tableName: dynamo.tableName,
    });
    const watermarks = createDynamoCostExplorerWatermarks({
      documentClient: dynamo.documentClient,
      tableName: dynamo.tableName,
    });
    const published: OutgoingEvent[] = [];
    const outcome = ingestCostExplorer(
      {
        fetchCostAndUsage: createCostExplorerFetcher(client),
        store,
        watermarks,
        publish: async (events) => void published.push(...events),
        now: () => new Date(now),
      },
      OPTIONS,
    );
    return { outcome, mock, store, watermarks, published };
  }

  it('stores exact daily totals and counts every paid request when run the first time', async () => {
    // Prepare
    const first = run('2024-03-10T06:00:00Z');
    // Act
    const outcome = await first.outcome;
    // Assess
    const pages = expectedPages('2024-02-29', '2024-03-10', PAGE);
    expect(pages).toBeGreaterThan(5);
    expect(outcome.requests).toBe(2 * pages);
    expect(first.mock.commandCalls(GetCostAndUsageCommand)).toHaveLength(2 * pages);
    const total = await first.store.readSeries(USD('total'), { from: '2024-02-29', to: '2024-03-09' });
    expect(total.map((p) => p.day)).toEqual(
      recordedResults()
        .map((r) => r.TimePeriod?.Start ?? '')
        .filter((d) => d >= '2024-02-29' && d < '2024-03-10'),
    );
    for (const point of total) expect(formatMoney(point.amount)).toBe(exactSum(recordedAmounts(point.day)));
    const account = await first.store.readSeries(USD(`account=${accountOf('AWS Glue')}`), {
      from: '2024-03-01',
      to: '2024-03-01',
    });
    expect(formatMoney(account[0]?.amount ?? 0n)).toBe(
      exactSum(recordedAmounts('2024-03-01', (s) => accountOf(s) === accountOf('AWS Glue'))),
    );
    const untagged = await first.store.readSeries(USD('tag:cost-center=(untagged)'), {
      from: '2024-03-01',
      to: '2024-03-01',
    });
    expect(formatMoney(untagged[0]?.amount ?? 0n)).toBe(
      exactSum(recordedAmounts('2024-03-01', (s) => costCenterOf(s) === '')),
    );
  });

  it('marks the last two days provisional and the earlier ones final when run', async () => {
    // Prepare
    const first = run('2024-03-10T06:00:00Z');
    // Act
    const outcome = await first.outcome;
    // Assess
    expect(outcome.provisionalDays).toEqual(['2024-03-08', '2024-03-09']);
    expect(outcome.finalThrough).toBe('2024-03-07');
    expect(await first.watermarks.getFinalThrough(OPTIONS.account)).toBe('2024-03-07');
    const total = await first.store.readSeries(USD('total'), { from: '2024-03-06', to: '2024-03-09' });
    expect(total.map((p) => [p.day, p.provisional === true])).toEqual([
      ['2024-03-06', false],
      ['2024-03-07', false],
      ['2024-03-08', true],
      ['2024-03-09', true],
    ]);
  });

  it('re-asks only the provisional days and replaces their values when run the next day', async () => {
    // Prepare
    await run('2024-03-10T06:00:00Z').outcome;
    const restated = (day: string, _service: string, amount: string) =>
      day === '2024-03-08' ? exactSum([amount, amount]) : amount;
    // Act
    const second = run('2024-03-11T06:00:00Z', restated);
    const outcome = await second.outcome;
    // Assess
    const periods = second.mock.commandCalls(GetCostAndUsageCommand).map((c) => c.args[0].input.TimePeriod);
    expect(new Set(periods.map((p) => JSON.stringify(p)))).toEqual(
      new Set([JSON.stringify({ Start: '2024-03-08', End: '2024-03-11' })]),
    );
    expect(outcome.requests).toBe(2 * expectedPages('2024-03-08', '2024-03-11', PAGE));
    expect(outcome.finalThrough).toBe('2024-03-08');
    const day8 = await second.store.readSeries(USD('total'), { from: '2024-03-08', to: '2024-03-08' });
    const recorded = recordedAmounts('2024-03-08');
    expect(formatMoney(day8[0]?.amount ?? 0n)).toBe(exactSum([...recorded, ...recorded]));
    expect(day8[0]?.provisional).toBeUndefined();
    expect(outcome.daysReplaced).toBe(2);
    expect(outcome.daysUnchanged).toBe(1);
  });

  it('keeps Estimated days provisional and the watermark before them when the month is open', async () => {
    // Prepare
    const { watermarks } = run('2024-03-10T06:00:00Z');
    await watermarks.advanceFinalThrough(OPTIONS.account, '2024-03-28');
    // Act
    const open = run('2024-04-10T06:00:00Z');
    const outcome = await open.outcome;
    // Assess
    expect(outcome.window).toEqual({ start: '2024-03-29', endExclusive: '2024-04-10' });
    expect(outcome.finalThrough).toBe('2024-03-31');
    expect(outcome.provisionalDays[0]).toBe('2024-04-01');
    // April is Estimated in the recording: every April day stays provisional, not only the last two.
    expect(outcome.provisionalDays).toHaveLength(9);
  });

  it('publishes one valid Billing Ingestion Completed event with the exact total when run', async () => {
    // Prepare
    const first = run('2024-03-10T06:00:00Z');
    // Act
    await first.outcome;
    // Assess
    expect(first.published).toHaveLength(1);
    const detail = parseDetail(BillingIngestionCompletedEvent, first.published[0]?.detail);
    expect(detail.source).toEqual({ kind: 'cost-explorer', uri: 'cost-explorer:999999999999' });
    expect(detail.days).toEqual({ from: '2024-02-29', to: '2024-03-09' });
    const days = recordedResults()
      .map((r) => r.TimePeriod?.Start ?? '')
      .filter((d) => d >= '2024-02-29' && d < '2024-03-10');
    expect(detail.totals).toEqual([
      { currency: 'USD', amount: exactSum(days.flatMap((d) => recordedAmounts(d))) },
    ]);
  });

  it('changes nothing in the store when the same provisional answer is ingested twice', async () => {
    // Prepare
    await run('2024-03-10T06:00:00Z').outcome;
    // Act
    const again = await run('2024-03-10T07:00:00Z').outcome;
    // Assess
    expect(again.window).toEqual({ start: '2024-03-08', endExclusive: '2024-03-10' });
    expect(again.daysUnchanged).toBe(2);
    expect(again.seriesDaysWritten).toBe(0);
  });
});
