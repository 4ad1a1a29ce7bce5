import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { type LocalS3, startLocalS3 } from '#infra/local/local-s3';
import { aggregateBillingSources } from '#shared/billing/ingest-billing';
import type { BillingObjectOutcome } from '#shared/billing/ingest-billing-object';
import {
  fileSource,
  legacyCur,
  recordingPublisher,
  writeLegacyCurReport,
} from '../../unit/billing/support/billing-test-kit';
import { objectIngestor } from './support/object-ingestor';

const BUCKET = 'cur-bucket';

describe('a legacy Cost and Usage Report delivered to S3', () => {
  let s3: LocalS3;
  let dynamo: EmbeddedDynamo;
  let keys: string[];

  beforeAll(async () => {
    const bucketDir = mkdtempSync(path.join(tmpdir(), 'legacy-cur-'));
    keys = writeLegacyCurReport(bucketDir, {
      root: 'cur/',
      name: 'acme',
      assemblyId: '7f6c1a2e-0d1b-4c7e-9e0a-3b2f1c4d5e6f',
    }).keys;
    s3 = await startLocalS3({ buckets: { [BUCKET]: bucketDir } });
    dynamo = await startEmbeddedDynamo();
  });
  afterAll(async () => {
    await Promise.all([s3.stop(), dynamo.stop()]);
  });

  it('stores the report once, and ignores the manifest copy and the Redshift files, when every delivered object raises an event', async () => {
    // Prepare: one event per delivered object, then every data file again (EventBridge may redeliver).
    const { publish, published } = recordingPublisher();
    const { store, ingest, close } = objectIngestor({ s3, dynamo, publish });
    const arrivals = [...keys, ...keys.filter((key) => key.endsWith('.csv.gz'))];
    // Act
    const outcomes: Array<[string, BillingObjectOutcome]> = [];
    for (const key of arrivals) {
      outcomes.push([key, await ingest(`s3://${BUCKET}/${key}`)]);
    }
    close();
    // Assess: what each arrival did…
    expect(outcomes.map(([key, outcome]) => [path.basename(key), outcome.status])).toEqual([
      ['acme-1.csv.gz', 'ingested'],
      ['acme-2.csv.gz', 'already-stored'],
      ['acme-Manifest.json', 'ignored'],
      ['acme-RedshiftManifest.json', 'ignored'],
      ['acme-RedshiftCommands.sql', 'ignored'],
      ['acme-Manifest.json', 'ingested'],
      ['acme-1.csv.gz', 'already-stored'],
      ['acme-2.csv.gz', 'already-stored'],
    ]);
    // …one unit, the report version, written once (later data-file events do not even read it again)…
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
