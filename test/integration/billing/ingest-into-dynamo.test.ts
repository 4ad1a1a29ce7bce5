import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { ingestBillingUnit } from '#shared/billing/ingest-billing';
import { ingestBillingObject } from '#shared/billing/ingest-billing-object';
import { createS3BillingObjects } from '#shared/billing/s3-billing-objects';
import { formatMoney } from '#shared/money';
import { createDynamoCostStore } from '#shared/store/dynamo-cost-store';
import {
  duckdbRows,
  fileSource,
  focusAws,
  recordingPublisher,
} from '../../unit/billing/support/billing-test-kit';

const now = () => new Date('2026-09-02T06:00:00.000Z');
const silent = { info: () => {}, warn: () => {}, error: () => {} };
const HEADER =
  'BillingCurrency,ChargePeriodStart,ChargeCategory,ServiceName,SubAccountId,RegionId,ResourceId,EffectiveCost';
const row = (day: string, service: string, cost: string) =>
  `USD,${day}T00:00:00Z,Usage,${service},111,eu-west-1,r-${service},${cost}`;

/** A loopback S3 (path-style GetObject with Range, HeadObject) over an in-memory object map. */
function startLoopbackS3(objects: Map<string, Buffer>): Promise<Server> {
  const server = createServer((req, res) => {
    const key = decodeURIComponent((req.url ?? '').split('?')[0]!.slice(1));
    const body = objects.get(key);
    if (!body) {
      res.writeHead(404, { 'content-type': 'application/xml' });
      res.end(
        req.method === 'HEAD' ? undefined : '<Error><Code>NoSuchKey</Code><Message>none</Message></Error>',
      );
      return;
    }
    const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range?.[2] ? Number(range[2]) + 1 : body.length;
    const slice = body.subarray(start, end);
    res.writeHead(range ? 206 : 200, {
      'content-length': String(req.method === 'HEAD' ? body.length : slice.length),
    });
    res.end(req.method === 'HEAD' ? undefined : slice);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('billing ingestion into the embedded DynamoDB store', () => {
  let dynamo: EmbeddedDynamo;
  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  const seriesItems = async () => {
    const { Items = [] } = await dynamo.documentClient.send(new ScanCommand({ TableName: dynamo.tableName }));
    return Items.filter((item) => String(item.pk).startsWith('SERIES#')).sort((a, b) =>
      `${a.pk}${a.sk}` < `${b.pk}${b.sk}` ? -1 : 1,
    );
  };

  it('leaves identical items and per-day totals equal to DuckDB when the same file is ingested twice', async () => {
    // Prepare
    const store = createDynamoCostStore({
      documentClient: dynamo.documentClient,
      tableName: dynamo.tableName,
    });
    const { publish } = recordingPublisher();
    const first = await ingestBillingUnit({ sources: [fileSource(focusAws)], store, publish, now });
    const before = await seriesItems();
    // Act
    const second = await ingestBillingUnit({ sources: [fileSource(focusAws)], store, publish, now });
    // Assess
    expect(second.ingestionId).toBe(first.ingestionId);
    expect(second.unchanged).toBe(true);
    expect(await seriesItems()).toEqual(before);
    const expected =
      await duckdbRows(`SELECT strftime(CAST("ChargePeriodStart" AS TIMESTAMP), '%Y-%m-%d') AS d,
      CAST(sum(CAST("EffectiveCost" AS DECIMAL(38,10))) AS VARCHAR) AS amount
      FROM read_csv('${focusAws}', all_varchar=true, nullstr='NULL', header=true) GROUP BY 1 ORDER BY 1`);
    const stored = await store.readSeries(
      { seriesKey: 'total', currency: 'USD' },
      { from: '2024-09-01', to: '2024-09-30' },
    );
    expect(stored.map((p) => [p.day, formatMoney(p.amount)])).toEqual(
      expected.map((r) => [r.d, formatMoney(BigInt(String(r.amount).replace('.', '')))]),
    );
  }, 30_000);

  it('removes series that vanished when a restated period replaces the old version', async () => {
    // Prepare
    const store = createDynamoCostStore({
      documentClient: dynamo.documentClient,
      tableName: dynamo.tableName,
    });
    const { publish } = recordingPublisher();
    const dir = mkdtempSync(path.join(tmpdir(), 'restated-'));
    writeFileSync(
      path.join(dir, 'v1.csv'),
      [HEADER, row('2026-08-01', 'S3', '1'), row('2026-08-01', 'EC2', '2')].join('\n'),
    );
    writeFileSync(path.join(dir, 'v2.csv'), [HEADER, row('2026-08-01', 'S3', '1.5')].join('\n'));
    const unitId = 'focus-restated/2026-08';
    const v1 = await ingestBillingUnit({
      unitId,
      sources: [fileSource(path.join(dir, 'v1.csv'))],
      store,
      publish,
      now,
    });
    // Act
    const v2 = await ingestBillingUnit({
      unitId,
      sources: [fileSource(path.join(dir, 'v2.csv'))],
      store,
      publish,
      now,
    });
    // Assess
    expect(v2.versionReplaced).toBe(v1.ingestionId);
    const range = { from: '2026-08-01', to: '2026-08-01' };
    expect(await store.readSeries({ seriesKey: 'service=EC2', currency: 'USD' }, range)).toEqual([]);
    const total = await store.readSeries({ seriesKey: 'total', currency: 'USD' }, range);
    expect(total.map((p) => formatMoney(p.amount))).toEqual(['1.5']);
  }, 30_000);

  it('ingests a manifest period from S3 only once all listed files are there, reading Parquet with ranged GETs', async () => {
    // Prepare: a loopback S3 holding a Data Exports period whose second file is late.
    const objects = new Map<string, Buffer>();
    const server = await startLoopbackS3(objects);
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const s3 = new S3Client({
      endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const dir = mkdtempSync(path.join(tmpdir(), 's3-period-'));
    const csvPart = path.join(dir, 'part-1.csv');
    writeFileSync(
      csvPart,
      [HEADER, row('2026-08-02', 'S3', '0.25'), row('2026-08-03', 'EC2', '4')].join('\n'),
    );
    const parquetPart = path.join(dir, 'part-2.parquet');
    await duckdbRows(`COPY (SELECT * REPLACE (CAST("EffectiveCost" AS DECIMAL(38,10)) AS "EffectiveCost")
      FROM read_csv('${csvPart}', all_varchar=true, header=true)) TO '${parquetPart}' (FORMAT parquet)`);
    const prefix = 'exports/focus-daily';
    objects.set(`billing/${prefix}/data/BILLING_PERIOD=2026-08/part-1.csv`, readFileSync(csvPart));
    objects.set(
      `billing/${prefix}/metadata/BILLING_PERIOD=2026-08/focus-daily-Manifest.json`,
      Buffer.from(
        JSON.stringify({
          exportName: 'focus-daily',
          billingPeriod: '2026-08',
          dataFiles: [
            `${prefix}/data/BILLING_PERIOD=2026-08/part-1.csv`,
            `${prefix}/data/BILLING_PERIOD=2026-08/part-2.parquet`,
          ],
        }),
      ),
    );
    const store = createDynamoCostStore({
      documentClient: dynamo.documentClient,
      tableName: dynamo.tableName,
    });
    const { publish, published } = recordingPublisher();
    const deps = { objects: createS3BillingObjects(s3), store, publish, now, log: silent };
    try {
      // Act
      const early = await ingestBillingObject({
        ...deps,
        uri: `s3://billing/${prefix}/metadata/BILLING_PERIOD=2026-08/focus-daily-Manifest.json`,
      });
      objects.set(`billing/${prefix}/data/BILLING_PERIOD=2026-08/part-2.parquet`, readFileSync(parquetPart));
      const late = await ingestBillingObject({
        ...deps,
        uri: `s3://billing/${prefix}/data/BILLING_PERIOD=2026-08/part-2.parquet`,
      });
      // Assess
      expect(early).toMatchObject({ status: 'incomplete', unitId: 'focus-daily/2026-08' });
      expect(late.status).toBe('ingested');
      if (late.status !== 'ingested') return;
      expect(late.report.rowsRead).toBe(4);
      expect(late.report.totals.map((t) => formatMoney(t.amount))).toEqual(['8.5']);
      expect(published).toHaveLength(1);
    } finally {
      s3.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 30_000);
});
