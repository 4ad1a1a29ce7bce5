import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { type LocalS3, startLocalS3 } from '#infra/local/local-s3';
import { formatMoney } from '#shared/money';
import { objectIngestor } from './support/object-ingestor';

const BUCKET = 'exports';
const DATA = 'focus/refresh/data/BILLING_PERIOD=2026-08';
const MANIFEST = 'focus/refresh/metadata/BILLING_PERIOD=2026-08/refresh-Manifest.json';
const HEADER =
  'BillingCurrency,ChargePeriodStart,ChargeCategory,ServiceName,SubAccountId,RegionId,EffectiveCost';
/** A quarter of an hour ago, so every write time below is in the past, as S3 would report it. */
const T0 = Math.floor(Date.now() / 1000) - 900;

describe('an export period delivered again', () => {
  let bucketDir: string;
  let s3: LocalS3;
  let dynamo: EmbeddedDynamo;

  /** Writes an object with its Last-Modified set to `second` (epoch seconds; S3 keeps whole seconds). */
  const put = (key: string, text: string, second: number) => {
    const file = path.join(bucketDir, key);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    utimesSync(file, second, second);
  };
  const part = (cost: string) =>
    [HEADER, `USD,2026-08-03T00:00:00Z,Usage,S3,111,eu-west-1,${cost}`].join('\n');
  const manifest = (files: string[]) =>
    JSON.stringify({
      exportName: 'refresh',
      billingPeriod: '2026-08',
      dataFiles: files.map((f) => `${DATA}/${f}`),
    });

  beforeAll(async () => {
    bucketDir = mkdtempSync(path.join(tmpdir(), 'redelivery-'));
    s3 = await startLocalS3({ buckets: { [BUCKET]: bucketDir } });
    dynamo = await startEmbeddedDynamo();
  });
  afterAll(async () => {
    await Promise.all([s3.stop(), dynamo.stop()]);
  });

  it('waits for the new manifest while an overwriting export rewrites the files of a stored period, and reads nothing for a late event', async () => {
    // Prepare: the first delivery, arrived in the wrong order (a listed file after the manifest).
    const { store, ingest, close } = objectIngestor({ s3, dynamo });
    const arrive = (key: string) => ingest(`s3://${BUCKET}/${key}`);
    put(`${DATA}/part-1.csv`, part('1.5'), T0 - 100);
    put(MANIFEST, manifest(['part-1.csv', 'part-2.csv']), T0 - 90);
    const incomplete = await arrive(MANIFEST);
    put(`${DATA}/part-2.csv`, part('2.25'), T0 - 80);
    const completed = await arrive(`${DATA}/part-2.csv`);

    // Act: the next refresh rewrites part-1, then part-2, then the manifest.
    put(`${DATA}/part-1.csv`, part('10'), T0 + 10);
    const midDelivery = await arrive(`${DATA}/part-1.csv`);
    const storedMidDelivery = await store.readSeries(
      { seriesKey: 'total', currency: 'USD' },
      { from: '2026-08-01', to: '2026-08-31' },
    );
    put(`${DATA}/part-2.csv`, part('20'), T0 + 11);
    put(MANIFEST, manifest(['part-1.csv', 'part-2.csv']), T0 + 12);
    const refreshed = await arrive(MANIFEST);
    const readsBefore = s3.requests.filter((line) => line.startsWith('GET ')).length;
    const lateEvent = await arrive(`${DATA}/part-2.csv`);
    const readsByLateEvent = s3.requests.filter((line) => line.startsWith('GET ')).length - readsBefore;
    close();

    // Assess: the late file completes the first delivery; mid-refresh nothing is written…
    expect(incomplete.status).toBe('incomplete');
    expect(completed.status).toBe('ingested');
    expect(midDelivery).toEqual({
      status: 'waiting-for-manifest',
      manifestUri: `s3://${BUCKET}/${MANIFEST}`,
      reason: 'newer-delivery',
    });
    expect(storedMidDelivery.map((p) => formatMoney(p.amount))).toEqual(['3.75']);
    // …and the new manifest replaces the period with the whole new delivery.
    expect(refreshed.status).toBe('ingested');
    if (refreshed.status !== 'ingested' || completed.status !== 'ingested') return;
    expect(refreshed.report.versionReplaced).toBe(completed.report.ingestionId);
    expect(refreshed.report.totals.map((t) => formatMoney(t.amount))).toEqual(['30']);
    // A data file's event arriving after its manifest was ingested reads nothing again.
    expect(lateEvent).toEqual({ status: 'already-stored', unitId: 'refresh/2026-08' });
    expect(readsByLateEvent).toBe(1); // the manifest, to plan the period
  });
});
