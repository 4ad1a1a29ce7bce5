import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { type EmbeddedDynamo, localClientConfig, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { type LocalS3, startLocalS3 } from '#infra/local/local-s3';
import { aggregateBillingSources } from '#shared/billing/ingest-billing';
import { type BillingObjectOutcome, ingestBillingObject } from '#shared/billing/ingest-billing-object';
import { createS3BillingObjects } from '#shared/billing/s3-billing-objects';
import { createDynamoCostStore } from '#shared/store/dynamo-cost-store';
import {
  fileSource,
  legacyCur,
  recordingPublisher,
  writeLegacyCurReport,
} from '../../unit/billing/support/billing-test-kit';

const BUCKET = 'cur-bucket';
const silent = { info: () => {}, warn: () => {}, error: () => {} };

describe('a legacy Cost and Usage Report delivered to S3', () => {
  let s3: LocalS3;
  let dynamo: EmbeddedDynamo;
  let client: S3Client;
  let keys: string[];

  beforeAll(async () => {
    const bucketDir = mkdtempSync(path.join(tmpdir(), 'legacy-cur-'));
    keys = writeLegacyCurReport(bucketDir, {
      root: 'cur/',
      name: 'acme',
      assemblyId: '7f6c1a2e-0d1b-4c7e-9e0a-3b2f1c4d5e6f',
    }).keys;
    s3 = await startLocalS3({ buckets: { [BUCKET]: bucketDir } });
    client = new S3Client({ ...localClientConfig(s3.endpoint), forcePathStyle: true });
    dynamo = await startEmbeddedDynamo();
  });
  afterAll(async () => {
    client.destroy();
    await Promise.all([s3.stop(), dynamo.stop()]);
  });

  it('stores the report once, and ignores the manifest copy and the Redshift files, when every delivered object raises an event', async () => {
    // Prepare: one event per delivered object, then every data file again (EventBridge may redeliver).
    const store = createDynamoCostStore({
      documentClient: dynamo.documentClient,
      tableName: dynamo.tableName,
    });
    const { publish, published } = recordingPublisher();
    const deps = {
      objects: createS3BillingObjects(client),
      store,
      publish,
      now: () => new Date(),
      log: silent,
    };
    const arrivals = [...keys, ...keys.filter((key) => key.endsWith('.csv.gz'))];
    // Act
    const outcomes: Array<[string, BillingObjectOutcome]> = [];
    for (const key of arrivals) {
      outcomes.push([key, await ingestBillingObject({ ...deps, uri: `s3://${BUCKET}/${key}` })]);
    }
    // Assess: what each arrival did…
    expect(outcomes.map(([key, outcome]) => [path.basename(key), outcome.status])).toEqual([
      ['acme-1.csv.gz', 'ingested'],
      ['acme-2.csv.gz', 'ingested'],
      ['acme-Manifest.json', 'ignored'],
      ['acme-RedshiftManifest.json', 'ignored'],
      ['acme-RedshiftCommands.sql', 'ignored'],
      ['acme-Manifest.json', 'ingested'],
      ['acme-1.csv.gz', 'ingested'],
      ['acme-2.csv.gz', 'ingested'],
    ]);
    // …one unit, the report version, written once (the later arrivals found it already stored)…
    const reports = outcomes.flatMap(([, outcome]) =>
      outcome.status === 'ingested' ? [outcome.report] : [],
    );
    expect(new Set(reports.map((r) => r.unitId))).toEqual(new Set(['acme/2023-11']));
    expect(reports.filter((r) => r.seriesDaysWritten > 0)).toHaveLength(1);
    const written = published.filter(
      (e) => (e.detail as { seriesDaysWritten: number }).seriesDaysWritten > 0,
    );
    expect(written).toHaveLength(1);
    // …and the stored days add up to the sample read once, exactly.
    const once = await aggregateBillingSources([fileSource(legacyCur)], {});
    const expected = once.aggregator.points().filter((p) => p.seriesKey === 'total');
    const stored = await store.readSeries(
      { seriesKey: 'total', currency: 'USD' },
      { from: '2023-11-01', to: '2023-11-30' },
    );
    expect(stored.map((p) => [p.day, p.amount])).toEqual(expected.map((p) => [p.day, p.amount]));
  });
});
