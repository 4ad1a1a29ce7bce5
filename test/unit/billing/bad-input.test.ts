import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { UnsupportedBillingFileError } from '#shared/billing/billing-formats';
import { aggregateBillingSources, ingestBillingUnit } from '#shared/billing/ingest-billing';
import { UnreadableBillingFileError } from '#shared/billing/read-billing-source';
import { InvalidInputError } from '#shared/errors';
import { formatMoney } from '#shared/money';
import {
  bytesSource,
  fileSource,
  focusAws,
  InMemoryCostStore,
  recordingPublisher,
} from './support/billing-test-kit';

const HEADER =
  'BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargeCategory,ChargeClass,ServiceName,SubAccountId,RegionId,ResourceId,EffectiveCost,Tags';
const good = (day: string, cost: string, service = 'Amazon S3') =>
  `USD,2026-08-01 00:00:00,2026-09-01 00:00:00,${day} 00:00:00,Usage,NULL,${service},111,us-east-1,r-1,${cost},"{""cost-center"": ""ai-vision""}"`;

describe('bad billing input', () => {
  it('counts each bad row by reason with its line while good rows land when a file mixes both', async () => {
    // Prepare: line numbers are physical lines, header = 1.
    const csv = [
      HEADER,
      good('2026-08-03', '1.25'), // 2
      good('2026-08-03', 'abc'), // 3 unparseable cost
      good('2026-13-40', '1'), // 4 unparseable date
      good('2026-07-31', '1'), // 5 outside billing period
      HEADER, // 6 stray header
      'USD,2026-08-01,2026-09-01,2026-08-03', // 7 ragged
      good('2026-08-04', '-0.5'), // 8
      good('2026-08-03', 'x1'), // 9 unparseable cost
    ].join('\n');
    // Act
    const aggregate = await aggregateBillingSources([bytesSource('mem://mixed.csv', csv)], {});
    // Assess
    expect(aggregate.rejections.summaries()).toEqual([
      { reason: 'outside-billing-period', count: 1, firstLines: [5] },
      { reason: 'ragged-row', count: 1, firstLines: [7] },
      { reason: 'repeated-header', count: 1, firstLines: [6] },
      { reason: 'unparseable-cost', count: 2, firstLines: [3, 9] },
      { reason: 'unparseable-date', count: 1, firstLines: [4] },
    ]);
    expect(aggregate.sources[0]!.rowsRead).toBe(8);
    const totals = aggregate.aggregator
      .points()
      .filter((p) => p.seriesKey === 'total')
      .map((p) => [p.day, formatMoney(p.amount), p.rowCount]);
    expect(totals).toEqual([
      ['2026-08-03', '1.25', 1],
      ['2026-08-04', '-0.5', 1],
    ]);
  });

  it('refuses the whole file naming every missing column and writes nothing when required columns are absent', async () => {
    // Prepare
    const csv = 'BillingCurrency,ServiceName,BilledCost\nUSD,Amazon S3,1\n';
    const store = new InMemoryCostStore();
    const { publish, published } = recordingPublisher();
    // Act
    const attempt = ingestBillingUnit({
      sources: [bytesSource('mem://no-columns.csv', csv)],
      store,
      publish,
      now: () => new Date('2026-09-01T00:00:00Z'),
    });
    // Assess
    await expect(attempt).rejects.toThrow(UnsupportedBillingFileError);
    await expect(attempt).rejects.toThrow(
      /missing required columns: ChargePeriodStart, ChargeCategory, EffectiveCost/,
    );
    expect(store.units.size).toBe(0);
    expect(published).toEqual([]);
  });

  it.each([
    ['an empty file', Buffer.alloc(0), UnreadableBillingFileError, /is empty/],
    [
      'an unknown format',
      Buffer.from('date,amount\n2026-08-01,3\n'),
      UnsupportedBillingFileError,
      /not a billing export we know/,
    ],
    [
      'a malformed gzip',
      Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.from('garbage garbage garbage')]),
      UnreadableBillingFileError,
      /not a valid gzip/,
    ],
    [
      'a truncated gzip',
      gzipSync(readFileSync(focusAws)).subarray(0, 5000),
      UnreadableBillingFileError,
      /not a valid gzip/,
    ],
    [
      'a ZIP archive (a legacy CUR delivered with ZIP compression)',
      Buffer.concat([Buffer.from([0x50, 0x4b, 3, 4]), Buffer.alloc(64, 1)]),
      UnreadableBillingFileError,
      /is a ZIP archive, which is not read \(CSV, CSV.gz and Parquet are\)/,
    ],
    [
      'a malformed Parquet',
      Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(64, 7), Buffer.from('PAR1')]),
      UnreadableBillingFileError,
      /not a valid Parquet/,
    ],
  ])('throws a clear error when given %s', async (_what, bytes, errorClass, message) => {
    // Prepare
    const source = bytesSource('mem://bad-input', bytes, 4096);
    // Act
    const attempt = aggregateBillingSources([source], {});
    // Assess
    await expect(attempt).rejects.toThrow(errorClass);
    await expect(attempt).rejects.toThrow(message);
    await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('refuses a cost column that the format does not have when a CUR measure is asked of a FOCUS file', async () => {
    // Prepare
    const source = fileSource(focusAws);
    // Act
    const attempt = aggregateBillingSources([source], { costColumn: 'unblended' });
    // Assess
    await expect(attempt).rejects.toThrow(
      /does not apply to a FOCUS file; use one of EffectiveCost, BilledCost/,
    );
  });

  it('reads a file with a BOM and CRLF line ends the same as a clean one', async () => {
    // Prepare
    const dir = mkdtempSync(path.join(tmpdir(), 'bom-'));
    const clean = [HEADER, good('2026-08-03', '1.1'), good('2026-08-03', '2.2')].join('\n');
    const messy = path.join(dir, 'messy.csv');
    writeFileSync(messy, `\uFEFF${clean.replaceAll('\n', '\r\n')}\r\n`);
    // Act
    const a = await aggregateBillingSources([bytesSource('mem://clean.csv', clean)], {});
    const b = await aggregateBillingSources([fileSource(messy)], {});
    // Assess
    expect(b.aggregator.points()).toEqual(a.aggregator.points());
    expect(b.rejections.total).toBe(0);
    expect(b.aggregator.points().find((p) => p.seriesKey === 'tag:cost-center=ai-vision')?.amount).toBe(
      33_000_000_000n,
    );
  });
});
