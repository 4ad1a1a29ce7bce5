import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BillingIngestionCompletedEvent } from '#events/billing-ingestion-completed';
import { parseDetail } from '#events/contract';
import { ingestBillingUnit } from '#shared/billing/ingest-billing';
import { createLocalBillingObjects } from '#shared/billing/local-billing-objects';
import { planManifestUnit, planObjectUnit } from '#shared/billing/plan-billing-units';
import { formatMoney } from '#shared/money';
import { fileSource, focusAws, InMemoryCostStore, recordingPublisher } from './support/billing-test-kit';

const now = () => new Date('2026-09-02T06:00:00.000Z');
const HEADER =
  'BillingCurrency,ChargePeriodStart,ChargeCategory,ServiceName,SubAccountId,RegionId,ResourceId,BilledCost,EffectiveCost';
const row = (currency: string, day: string, service: string, cost: string) =>
  `${currency},${day}T00:00:00Z,Usage,${service},111,eu-west-1,r-${service},${cost},${cost}`;

function writeFiles(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'ingest-billing-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

describe('ingestBillingUnit', () => {
  it('writes every series-day, reports the file and publishes a valid event when a FOCUS sample is ingested', async () => {
    // Prepare
    const store = new InMemoryCostStore();
    const { publish, published } = recordingPublisher();
    // Act
    const report = await ingestBillingUnit({ sources: [fileSource(focusAws)], store, publish, now });
    // Assess
    expect(report).toMatchObject({
      unitId: focusAws,
      format: 'focus',
      costColumn: 'EffectiveCost',
      rowsRead: 942,
      rowsRejected: 0,
    });
    expect(report.totals.map((t) => [t.currency, formatMoney(t.amount)])).toEqual([['USD', '13']]);
    expect(store.units.get(focusAws)?.points).toHaveLength(report.seriesDaysWritten);
    expect(published).toHaveLength(1);
    const detail = parseDetail(BillingIngestionCompletedEvent, published[0]!.detail);
    expect(detail).toMatchObject({
      ingestionId: report.ingestionId,
      days: { from: '2024-09-01', to: '2024-09-30' },
    });
  });

  it('keeps the same ingestion id and changes nothing when the same file is ingested twice', async () => {
    // Prepare
    const store = new InMemoryCostStore();
    const { publish } = recordingPublisher();
    const first = await ingestBillingUnit({ sources: [fileSource(focusAws)], store, publish, now });
    const before = structuredClone(store.units.get(focusAws));
    // Act
    const second = await ingestBillingUnit({ sources: [fileSource(focusAws)], store, publish, now });
    // Assess
    expect(second.ingestionId).toBe(first.ingestionId);
    expect(second.seriesDaysWritten).toBe(0);
    expect(store.units.get(focusAws)).toEqual(before);
  });

  it('keeps currencies apart when one file bills in two currencies', async () => {
    // Prepare
    const root = writeFiles({
      'mixed.csv': [
        HEADER,
        row('USD', '2026-08-01', 'S3', '1.5'),
        row('EUR', '2026-08-01', 'S3', '2.25'),
        row('USD', '2026-08-01', 'EC2', '3'),
      ].join('\n'),
    });
    const store = new InMemoryCostStore();
    // Act
    const report = await ingestBillingUnit({
      sources: [fileSource(path.join(root, 'mixed.csv'))],
      store,
      publish: recordingPublisher().publish,
      now,
    });
    // Assess
    expect(report.totals.map((t) => [t.currency, formatMoney(t.amount)])).toEqual([
      ['EUR', '2.25'],
      ['USD', '4.5'],
    ]);
  });

  it('ingests nothing while a manifest lists a file that has not arrived, then the whole period once it has', async () => {
    // Prepare: the Data Exports layout, part 2 still missing.
    const manifest = JSON.stringify({
      exportName: 'focus-daily',
      billingPeriod: { start: '2026-08-01T00:00:00.000Z', end: '2026-09-01T00:00:00.000Z' },
      dataFiles: [
        's3://bucket/exports/focus-daily/data/BILLING_PERIOD=2026-08/focus-daily-00001.csv',
        's3://bucket/exports/focus-daily/data/BILLING_PERIOD=2026-08/focus-daily-00002.csv',
      ],
    });
    const part1 = [HEADER, row('USD', '2026-08-01', 'S3', '1'), row('USD', '2026-07-31', 'S3', '9')].join(
      '\n',
    );
    const root = writeFiles({
      'focus-daily/metadata/BILLING_PERIOD=2026-08/focus-daily-Manifest.json': manifest,
      'focus-daily/data/BILLING_PERIOD=2026-08/focus-daily-00001.csv': part1,
    });
    const objects = createLocalBillingObjects(root);
    const manifestUri = path.join(
      root,
      'focus-daily/metadata/BILLING_PERIOD=2026-08/focus-daily-Manifest.json',
    );
    // Act
    const early = await planManifestUnit(manifestUri, objects);
    writeFileSync(
      path.join(root, 'focus-daily/data/BILLING_PERIOD=2026-08/focus-daily-00002.csv'),
      [HEADER, row('USD', '2026-08-02', 'EC2', '2')].join('\n'),
    );
    const late = await planObjectUnit(
      path.join(root, 'focus-daily/data/BILLING_PERIOD=2026-08/focus-daily-00002.csv'),
      objects,
    );
    // Assess
    expect(early).toMatchObject({
      status: 'incomplete',
      unitId: 'focus-daily/2026-08',
      missing: [expect.stringContaining('00002.csv')],
    });
    expect(late.status).toBe('ready');
    if (late.status !== 'ready') return;
    const store = new InMemoryCostStore();
    const report = await ingestBillingUnit({ ...late, store, publish: recordingPublisher().publish, now });
    expect(report.unitId).toBe('focus-daily/2026-08');
    expect(report.sourceUris).toHaveLength(2);
    expect(report.rejections).toEqual([{ reason: 'outside-billing-period', count: 1, firstLines: [3] }]);
    expect(report.totals.map((t) => formatMoney(t.amount))).toEqual(['3']);
  });

  it('replaces the old version so vanished series disappear when a restated period has fewer series', async () => {
    // Prepare
    const store = new InMemoryCostStore();
    const { publish } = recordingPublisher();
    const root = writeFiles({
      'v1.csv': [HEADER, row('USD', '2026-08-01', 'S3', '1'), row('USD', '2026-08-01', 'EC2', '2')].join(
        '\n',
      ),
      'v2.csv': [HEADER, row('USD', '2026-08-01', 'S3', '1.5')].join('\n'),
    });
    const first = await ingestBillingUnit({
      unitId: 'focus/2026-08',
      sources: [fileSource(path.join(root, 'v1.csv'))],
      store,
      publish,
      now,
    });
    // Act
    const second = await ingestBillingUnit({
      unitId: 'focus/2026-08',
      sources: [fileSource(path.join(root, 'v2.csv'))],
      store,
      publish,
      now,
    });
    // Assess
    expect(second.versionReplaced).toBe(first.ingestionId);
    const range = { from: '2026-08-01', to: '2026-08-31' };
    expect(await store.readSeries({ seriesKey: 'service=EC2', currency: 'USD' }, range)).toEqual([]);
    const total = await store.readSeries({ seriesKey: 'total', currency: 'USD' }, range);
    expect(total.map((p) => formatMoney(p.amount))).toEqual(['1.5']);
  });
});
