import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parquetMetadata, parquetSchema } from 'hyparquet';
import { createRecordMapper } from '#shared/billing/billing-formats';
import { CostAggregator } from '#shared/billing/cost-aggregator';
import { columnarUnsupported } from '#shared/billing/parquet-columnar-read';
import { RejectionCounter, readBillingSource } from '#shared/billing/read-billing-source';
import { formatMoney } from '#shared/money';
import { duckdbRows, fileSource, focusAws } from './support/billing-test-kit';

const workDir = mkdtempSync(path.join(tmpdir(), 'parquet-columnar-'));
const sqlPath = (file: string) => file.replaceAll("'", "''");
const TAG_KEYS = ['application', 'environment', 'business-unit'];

/**
 * The AWS FOCUS sample as typed columns, plus rows that must be refused or read as zero:
 * no usage start, no currency, a usage day outside its billing period, a null cost, no service.
 */
const TYPED_WITH_BAD_ROWS = `WITH src AS (
    SELECT * REPLACE (
      CAST("ChargePeriodStart" AS TIMESTAMP) AS "ChargePeriodStart",
      CAST("BillingPeriodStart" AS TIMESTAMP) AS "BillingPeriodStart",
      CAST("BillingPeriodEnd" AS TIMESTAMP) AS "BillingPeriodEnd",
      CAST("EffectiveCost" AS DECIMAL(38,10)) AS "EffectiveCost",
      CAST("BilledCost" AS DECIMAL(38,10)) AS "BilledCost")
    FROM read_csv('${sqlPath(focusAws)}', all_varchar=true, nullstr='NULL', header=true))
  SELECT * FROM src
  UNION ALL SELECT * REPLACE (NULL AS "ChargePeriodStart") FROM (FROM src LIMIT 3)
  UNION ALL SELECT * REPLACE (NULL AS "BillingCurrency") FROM (FROM src LIMIT 2 OFFSET 10)
  UNION ALL SELECT * REPLACE ("ChargePeriodStart" + INTERVAL 40 DAY AS "ChargePeriodStart") FROM (FROM src LIMIT 4 OFFSET 20)
  UNION ALL SELECT * REPLACE (NULL AS "EffectiveCost") FROM (FROM src LIMIT 2 OFFSET 30)
  UNION ALL SELECT * REPLACE (NULL AS "ServiceName", NULL AS "Tags", NULL AS "ResourceName") FROM (FROM src LIMIT 5 OFFSET 40)
  UNION ALL SELECT * REPLACE ("BillingPeriodEnd" AS "ChargePeriodStart") FROM (FROM src LIMIT 2 OFFSET 50)
  UNION ALL SELECT * REPLACE ('web-frontend' AS "ResourceName", "EffectiveCost" + 5000 AS "EffectiveCost") FROM (FROM src LIMIT 3 OFFSET 60)
  UNION ALL SELECT * REPLACE (NULL AS "ChargeDescription", "EffectiveCost" + 7000 AS "EffectiveCost") FROM (FROM src LIMIT 2 OFFSET 70)`;

/** Every column as text, with unparseable costs and dates among them. */
const TEXT_WITH_BAD_TEXT = `WITH src AS (
    FROM read_csv('${sqlPath(focusAws)}', all_varchar=true, nullstr='NULL', header=true))
  SELECT * FROM src
  UNION ALL SELECT * REPLACE ('12,5 USD' AS "EffectiveCost") FROM (FROM src LIMIT 2)
  UNION ALL SELECT * REPLACE ('yesterday' AS "ChargePeriodStart") FROM (FROM src LIMIT 2 OFFSET 5)
  UNION ALL SELECT * REPLACE ('NULL' AS "EffectiveCost", '2024-09-03T10:00:00+02:00' AS "ChargePeriodStart") FROM (FROM src LIMIT 2 OFFSET 9)`;

/** Costs as binary floats (as CUR 2.0 Parquet stores them), gzip pages, dictionary pages. */
const DOUBLE_COSTS = `SELECT * REPLACE (
    CAST("EffectiveCost" AS DOUBLE) AS "EffectiveCost",
    CAST("ChargePeriodStart" AS TIMESTAMP_MS) AS "ChargePeriodStart")
  FROM read_csv('${sqlPath(focusAws)}', all_varchar=true, nullstr='NULL', header=true)`;

async function writeParquet(name: string, sql: string, options: string): Promise<string> {
  const file = path.join(workDir, `${name}.parquet`);
  await duckdbRows(`COPY (${sql}) TO '${sqlPath(file)}' (FORMAT parquet, ${options})`);
  return file;
}

/** Everything a read leaves behind, as plain data: points with contributors, rejections, rows. */
async function readWith(
  file: string,
  rowWiseParquet: boolean,
  contributorLimit: number,
  billingPeriod?: { start: string; end: string },
) {
  const target = {
    aggregator: new CostAggregator({ tagKeys: TAG_KEYS, contributorLimit }),
    rejections: new RejectionCounter(),
    mapperOptions: { tagKeys: TAG_KEYS, billingPeriod },
    rowWiseParquet,
  };
  const result = await readBillingSource(fileSource(file), target);
  const points = target.aggregator.points().map((p) => ({
    ...p,
    amount: formatMoney(p.amount),
    contributors: p.contributors?.map((c) => ({ ...c, amount: formatMoney(c.amount) })),
  }));
  return { result, points, rejections: target.rejections.summaries() };
}

async function mapperAndMetadata(file: string) {
  const bytes = await readFile(file);
  const metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const header = parquetSchema(metadata).children.map((child) => child.element.name);
  return { metadata, mapper: createRecordMapper(header, { tagKeys: TAG_KEYS }) };
}

describe('the columnar Parquet reader gives what the row-wise reader gives', () => {
  it.each([
    [
      'typed columns with refused rows, snappy, 100-row groups',
      'typed',
      TYPED_WITH_BAD_ROWS,
      'ROW_GROUP_SIZE 100',
    ],
    [
      'text columns with unparseable costs and dates, uncompressed',
      'text',
      TEXT_WITH_BAD_TEXT,
      'COMPRESSION uncompressed',
    ],
    [
      'DOUBLE costs and millisecond timestamps, gzip',
      'double',
      DOUBLE_COSTS,
      'COMPRESSION gzip, ROW_GROUP_SIZE 300',
    ],
  ])(
    'matches points, contributors, rejections and line numbers for %s',
    async (_label, name, sql, options) => {
      // Prepare
      const file = await writeParquet(name, sql, options);
      const { mapper, metadata } = await mapperAndMetadata(file);
      // Act
      const columnar = await readWith(file, false, 10);
      const rowWise = await readWith(file, true, 10);
      const columnarSeriesOnly = await readWith(file, false, 0);
      const rowWiseSeriesOnly = await readWith(file, true, 0);
      // Assess: the columnar reader applies to this file, and both readers agree on everything.
      expect(columnarUnsupported(mapper, metadata)).toBeUndefined();
      expect(columnar.points.length).toBeGreaterThan(100);
      expect(columnar.points.some((p) => (p.contributors?.length ?? 0) > 0)).toBe(true);
      if (name === 'typed') {
        // ResourceName wins over ResourceId, and SkuId stands in for a missing ChargeDescription.
        const children = columnar.points.flatMap((p) => p.contributors ?? []);
        expect(children).toContainEqual(
          expect.objectContaining({ dimension: 'resource', value: 'web-frontend' }),
        );
        expect(children.some((c) => c.dimension === 'usage-type' && /^[A-Z0-9]{16}$/.test(c.value))).toBe(
          true,
        );
      }
      expect(columnar).toEqual(rowWise);
      expect(columnarSeriesOnly).toEqual(rowWiseSeriesOnly);
      expect(
        columnarSeriesOnly.points.every((p) => p.contributors === undefined || p.contributors.length === 0),
      ).toBe(true);
    },
  );

  it('refuses the same rows with the same line numbers when the typed file has bad rows', async () => {
    // Prepare
    const file = await writeParquet('typed-rejections', TYPED_WITH_BAD_ROWS, 'ROW_GROUP_SIZE 100');
    // Act
    const { rejections, result } = await readWith(file, false, 10);
    // Assess: 942 sample rows + 23 added; the added rows start at line 944 (header = line 1).
    expect(result.rowsRead).toBe(965);
    expect(rejections).toEqual([
      { reason: 'missing-currency', count: 2, firstLines: [947, 948] },
      { reason: 'outside-billing-period', count: 6, firstLines: [949, 950, 951, 952, 960, 961] },
      { reason: 'unparseable-date', count: 3, firstLines: [944, 945, 946] },
    ]);
  });

  it('applies a billing period given by a manifest when rows fall outside it', async () => {
    // Prepare
    const file = await writeParquet('typed-period', TYPED_WITH_BAD_ROWS, 'ROW_GROUP_SIZE 100');
    const period = { start: '2024-09-10', end: '2024-09-20' };
    // Act
    const columnar = await readWith(file, false, 10, period);
    const rowWise = await readWith(file, true, 10, period);
    // Assess
    expect(columnar).toEqual(rowWise);
    expect(columnar.rejections.find((r) => r.reason === 'outside-billing-period')!.count).toBeGreaterThan(
      100,
    );
  });
});

describe('columnarUnsupported', () => {
  it('sends CUR files and tags stored as a Parquet MAP to the row-wise reader', async () => {
    // Prepare
    const mapTags = await writeParquet(
      'map-tags',
      `SELECT * REPLACE (MAP {'application': 'x'} AS "Tags") FROM read_csv('${sqlPath(focusAws)}', all_varchar=true, nullstr='NULL', header=true)`,
      'ROW_GROUP_SIZE 500',
    );
    const cur = await writeParquet(
      'cur2',
      `SELECT '2024-09-01T00:00:00Z' AS line_item_usage_start_date, 'USD' AS line_item_currency_code,
        'Usage' AS line_item_line_item_type, '000111222333' AS line_item_usage_account_id,
        'Amazon S3' AS product_product_name, 1.5 AS line_item_unblended_cost`,
      'ROW_GROUP_SIZE 500',
    );
    // Act
    const mapReason = columnarUnsupported(
      (await mapperAndMetadata(mapTags)).mapper,
      (await mapperAndMetadata(mapTags)).metadata,
    );
    const curFile = await mapperAndMetadata(cur);
    const curReason = columnarUnsupported(curFile.mapper, curFile.metadata);
    const columnar = await readWith(mapTags, false, 10);
    const rowWise = await readWith(mapTags, true, 10);
    // Assess: the reasons name the cause, and such a file still reads (row-wise) like before.
    expect(mapReason).toMatch(/Tags/);
    expect(curReason).toMatch(/cur2/);
    expect(columnar).toEqual(rowWise);
    expect(columnar.points.some((p) => p.seriesKey === 'tag:application=x')).toBe(true);
  });
});
