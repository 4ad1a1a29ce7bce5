import { BatchWriteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import type { CostPoint } from '#shared/cost/cost-point';
import type { IngestionReport, UnitVersionWrite } from '#shared/cost/cost-store-port';
import { parseMoney } from '#shared/money';
import { BatchWriteError } from '#shared/store/batch-write';
import type { DocumentClientLike } from '#shared/store/dynamo-client';
import { createDynamoCostStore } from '#shared/store/dynamo-cost-store';
import { crashAfter, interceptSend, recordCommands } from './support/client-wrappers';

const noSleep = { sleep: async () => {}, maxAttempts: 4 };

function point(seriesKey: string, day: string, amount: string, extra: Partial<CostPoint> = {}): CostPoint {
  return { seriesKey, currency: 'USD', day, amount: parseMoney(amount), rowCount: 1, ...extra };
}

function report(
  unitId: string,
  ingestionId: string,
  completedAt = '2026-09-01T00:00:00.000Z',
): IngestionReport {
  return {
    ingestionId,
    unitId,
    format: 'focus',
    sourceUris: [`file://${unitId}`],
    costColumn: 'EffectiveCost',
    rowsRead: 10,
    rowsRejected: 1,
    rejections: [{ reason: 'unparseable number', count: 1, firstLines: [7] }],
    seriesDaysWritten: 0,
    seriesCount: 0,
    days: { from: '2026-08-01', to: '2026-08-02' },
    totals: [{ currency: 'USD', amount: parseMoney('0.0000000003') }],
    startedAt: '2026-09-01T00:00:00.000Z',
    completedAt,
  };
}

function version(unitId: string, ingestionId: string, points: CostPoint[]): UnitVersionWrite {
  return { unitId, ingestionId, points, report: report(unitId, ingestionId) };
}

const V1 = version('file-a', 'file-a:v1', [
  point('total', '2026-08-01', '10.0000000001'),
  point('total', '2026-08-02', '20'),
  point('service=Amazon S3', '2026-08-01', '4.0000000001'),
  point('service=Amazon EC2', '2026-08-01', '6', {
    contributors: [{ dimension: 'resource', value: 'i-1', amount: parseMoney('6') }],
  }),
  point('service=Amazon EC2', '2026-08-02', '20'),
]);
const V2 = version('file-a', 'file-a:v2', [
  point('total', '2026-08-01', '7.5'),
  point('total', '2026-08-02', '2.25'),
  point('service=Amazon EC2', '2026-08-01', '7.5'),
  point('service=Amazon EC2', '2026-08-02', '2.25'),
]);
const OTHER_UNIT = version('file-b', 'file-b:v1', [
  point('total', '2026-08-01', '0.0000000002', { provisional: true }),
  point('service=Amazon EC2', '2026-08-01', '0.0000000002', {
    contributors: [
      { dimension: 'resource', value: 'i-1', amount: parseMoney('1') },
      { dimension: 'resource', value: 'i-2', amount: parseMoney('-0.9999999998') },
    ],
  }),
]);
const AUGUST = { from: '2026-08-01', to: '2026-08-31' };
const USD = (seriesKey: string) => ({ seriesKey, currency: 'USD' });

async function dump(dynamo: EmbeddedDynamo) {
  const { Items = [] } = await dynamo.documentClient.send(new ScanCommand({ TableName: dynamo.tableName }));
  return Items.sort((a, b) => (`${a.pk}|${a.sk}` < `${b.pk}|${b.sk}` ? -1 : 1));
}

async function totals(store: ReturnType<typeof createDynamoCostStore>) {
  const out: Record<string, string[]> = {};
  for (const ref of await store.listSeries()) {
    out[ref.seriesKey] = (await store.readSeries(ref, AUGUST)).map((p) => `${p.day}=${p.amount}`);
  }
  return out;
}

describe('DynamoDB cost store', () => {
  let dynamo: EmbeddedDynamo;
  beforeEach(async () => {
    dynamo = await startEmbeddedDynamo();
  });
  afterEach(async () => dynamo.stop());
  const storeOver = (client: DocumentClientLike = dynamo.documentClient) =>
    createDynamoCostStore({ documentClient: client, tableName: dynamo.tableName, batchWrite: noSleep });

  it('leaves every item identical when the same version is ingested again', async () => {
    // Prepare
    const store = storeOver();
    const first = await store.replaceUnitVersion(V1);
    const before = await dump(dynamo);
    // Act
    const second = await store.replaceUnitVersion(V1);
    // Assess
    expect(first).toEqual({ unchanged: false, seriesDaysWritten: 5, versionReplaced: undefined });
    expect(second).toEqual({ unchanged: true, seriesDaysWritten: 0 });
    expect(await dump(dynamo)).toEqual(before);
  });

  it('writes exactly one item per series-day when a version is ingested', async () => {
    // Prepare
    const store = storeOver();
    // Act
    await store.replaceUnitVersion(V1);
    // Assess
    const seriesItems = (await dump(dynamo)).filter((item) => String(item.pk).startsWith('SERIES#'));
    expect(seriesItems).toHaveLength(V1.points.length);
  });

  it('sums the current versions of every unit exactly when several units touch a series', async () => {
    // Prepare
    const store = storeOver();
    await store.replaceUnitVersion(V1);
    // Act
    await store.replaceUnitVersion(OTHER_UNIT);
    // Assess
    const ec2 = await store.readSeries(USD('service=Amazon EC2'), AUGUST);
    expect(ec2).toEqual(
      [
        {
          ...point('service=Amazon EC2', '2026-08-01', '6.0000000002'),
          rowCount: 2,
          provisional: undefined,
          contributors: [
            { dimension: 'resource', value: 'i-1', amount: parseMoney('7') },
            { dimension: 'resource', value: 'i-2', amount: parseMoney('-0.9999999998') },
          ],
        },
        point('service=Amazon EC2', '2026-08-02', '20'),
      ].map(({ provisional, ...rest }) => rest),
    );
    const total = await store.readSeries(USD('total'), { from: '2026-08-01', to: '2026-08-01' });
    expect(total).toEqual([
      { ...point('total', '2026-08-01', '10.0000000003'), rowCount: 2, provisional: true },
    ]);
  });

  it('drops the vanished series and the old items when a restated version has fewer series', async () => {
    // Prepare
    const store = storeOver();
    await store.replaceUnitVersion(V1);
    // Act
    const result = await store.replaceUnitVersion(V2);
    // Assess
    expect(result).toEqual({ unchanged: false, seriesDaysWritten: 4, versionReplaced: 'file-a:v1' });
    expect(await store.readSeries(USD('service=Amazon S3'), AUGUST)).toEqual([]);
    expect((await store.readSeries(USD('total'), AUGUST)).map((p) => p.amount)).toEqual([
      parseMoney('7.5'),
      parseMoney('2.25'),
    ]);
    const leftovers = (await dump(dynamo)).filter(
      (item) => item.ingestionId === 'file-a:v1' && item.sk !== 'CURRENT',
    );
    expect(leftovers).toEqual([]);
    expect((await store.getIngestionReport('file-a:v2'))?.versionReplaced).toBe('file-a:v1');
  });

  it('deletes every old item when the old version manifest spans several parts', async () => {
    // Prepare: a tiny part budget forces one manifest part per series.
    const store = createDynamoCostStore({
      documentClient: dynamo.documentClient,
      tableName: dynamo.tableName,
      manifestPartChars: 50,
    });
    await store.replaceUnitVersion(V1);
    const parts = (await dump(dynamo)).filter((item) =>
      String(item.sk).startsWith('VERSION#file-a:v1#PART#'),
    );
    // Act
    await store.replaceUnitVersion(V2);
    // Assess
    expect(parts).toHaveLength(3);
    const leftovers = (await dump(dynamo)).filter(
      (item) => item.ingestionId === 'file-a:v1' && item.sk !== 'CURRENT',
    );
    expect(leftovers).toEqual([]);
    expect(filterEmpty(await totals(store))).toEqual(await totalsOf(V2));
  });

  it('gives the same totals as an uninterrupted run when a crash at any call is followed by a re-run', async () => {
    // Prepare: the reference run counts the calls a restatement makes.
    await storeOver().replaceUnitVersion(V1);
    const { client: counting, names } = recordCommands(dynamo.documentClient);
    await storeOver(counting).replaceUnitVersion(V2);
    const expected = await totals(storeOver());
    await dynamo.stop();
    expect(names.length).toBeGreaterThan(5);
    for (let crashAt = 1; crashAt <= names.length; crashAt++) {
      dynamo = await startEmbeddedDynamo();
      await storeOver().replaceUnitVersion(V1);
      // Act
      await expect(
        storeOver(crashAfter(dynamo.documentClient, crashAt)).replaceUnitVersion(V2),
      ).rejects.toThrow('simulated crash');
      const middle = await totals(storeOver());
      await storeOver().replaceUnitVersion(V2);
      // Assess: mid-crash the reader sees one whole version; after the re-run, exactly the new one.
      const v1Totals = await totalsOf(V1);
      expect([JSON.stringify(v1Totals), JSON.stringify(filterEmpty(expected))]).toContain(
        JSON.stringify(filterEmpty(middle)),
      );
      expect(filterEmpty(await totals(storeOver()))).toEqual(filterEmpty(expected));
      const stale = (await dump(dynamo)).filter(
        (item) => item.ingestionId === 'file-a:v1' && item.sk !== 'CURRENT',
      );
      expect({ crashAt, stale }).toEqual({ crashAt, stale: [] });
      if (crashAt < names.length) await dynamo.stop();
    }
    // One fresh engine and two restatements per call of the reference run: tens of seconds on CI.
  }, 180_000);

  it('gives the same totals when two deliveries of the same version run concurrently', async () => {
    // Prepare
    await storeOver().replaceUnitVersion(V1);
    // Act
    const results = await Promise.all([
      storeOver().replaceUnitVersion(V2),
      storeOver().replaceUnitVersion(V2),
    ]);
    // Assess
    expect(results.filter((r) => !r.unchanged)).toHaveLength(1);
    expect(filterEmpty(await totals(storeOver()))).toEqual(await totalsOf(V2));
  });

  it('retries UnprocessedItems until every item lands when the engine returns some unprocessed', async () => {
    // Prepare: the first three batch calls only write half their requests.
    let throttled = 0;
    const client = interceptSend(dynamo.documentClient, async (command, forward) => {
      if (command.name !== 'BatchWriteCommand' || throttled >= 3) return forward();
      throttled++;
      const [table, requests = []] = Object.entries(
        command.input.RequestItems as Record<string, unknown[]>,
      )[0]!;
      const half = Math.ceil(requests.length / 2);
      await forward(new BatchWriteCommand({ RequestItems: { [table]: requests.slice(0, half) as never } }));
      return { UnprocessedItems: requests.length > half ? { [table]: requests.slice(half) } : {} };
    });
    // Act
    await storeOver(client).replaceUnitVersion(V1);
    // Assess
    expect(throttled).toBe(3);
    expect(filterEmpty(await totals(storeOver()))).toEqual(await totalsOf(V1));
  });

  it('throws BatchWriteError and keeps the old version current when items stay unprocessed', async () => {
    // Prepare
    await storeOver().replaceUnitVersion(V1);
    const client = interceptSend(dynamo.documentClient, async (command, forward) => {
      if (command.name !== 'BatchWriteCommand') return forward();
      return { UnprocessedItems: command.input.RequestItems };
    });
    // Act
    const outcome = storeOver(client).replaceUnitVersion(V2);
    // Assess
    await expect(outcome).rejects.toBeInstanceOf(BatchWriteError);
    await expect(outcome).rejects.toMatchObject({ failed: expect.arrayContaining([expect.anything()]) });
    expect(filterEmpty(await totals(storeOver()))).toEqual(await totalsOf(V1));
  });

  it('reads series and their history without a Scan when listing and reading', async () => {
    // Prepare
    await storeOver().replaceUnitVersion(V1);
    await storeOver().replaceUnitVersion(OTHER_UNIT);
    const { client, names } = recordCommands(dynamo.documentClient);
    const store = storeOver(client);
    // Act
    const refs = await store.listSeries();
    for (const ref of refs) await store.readSeries(ref, AUGUST);
    await store.listIngestionReports();
    // Assess
    expect(refs).toHaveLength(3);
    expect(new Set(names)).toEqual(new Set(['QueryCommand', 'BatchGetCommand']));
  });

  it('lists only series with a day on or after activeSince when given one', async () => {
    // Prepare
    const store = storeOver();
    await store.replaceUnitVersion(V1);
    // Act
    const active = await store.listSeries({ activeSince: '2026-08-02' });
    // Assess
    expect(active).toEqual([USD('service=Amazon EC2'), USD('total')]);
  });

  it('returns stored reports with exact totals, most recent first, when listing reports', async () => {
    // Prepare
    const store = storeOver();
    await store.replaceUnitVersion({
      ...V1,
      report: report('file-a', 'file-a:v1', '2026-09-01T00:00:00.000Z'),
    });
    await store.replaceUnitVersion({
      ...OTHER_UNIT,
      report: report('file-b', 'file-b:v1', '2026-09-02T00:00:00.000Z'),
    });
    // Act
    const reports = await store.listIngestionReports();
    const one = await store.getIngestionReport('file-a:v1');
    // Assess
    expect(reports.map((r) => r.ingestionId)).toEqual(['file-b:v1', 'file-a:v1']);
    expect(one).toEqual(report('file-a', 'file-a:v1'));
    expect(await store.getIngestionReport('missing')).toBeUndefined();
  });

  it('refuses a version with two points for one series-day when given duplicates', async () => {
    // Prepare
    const store = storeOver();
    const duplicate = version('file-c', 'file-c:v1', [
      point('total', '2026-08-01', '1'),
      point('total', '2026-08-01', '2'),
    ]);
    // Act
    const outcome = store.replaceUnitVersion(duplicate);
    // Assess
    await expect(outcome).rejects.toThrow('two points for 2026-08-01');
    expect(await dump(dynamo)).toEqual([]);
  });
});

function filterEmpty(series: Record<string, string[]>) {
  return Object.fromEntries(Object.entries(series).filter(([, days]) => days.length > 0));
}

/** Totals a version alone produces, computed independently of the store. */
async function totalsOf(write: UnitVersionWrite) {
  const out: Record<string, string[]> = {};
  for (const p of [...write.points].sort((a, b) => (a.day < b.day ? -1 : 1))) {
    const days = out[p.seriesKey] ?? [];
    days.push(`${p.day}=${p.amount}`);
    out[p.seriesKey] = days;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}
