import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parquetMetadata, parquetSchema } from 'hyparquet';
import { createRecordMapper } from '#shared/billing/billing-formats';
import { CostAggregator } from '#shared/billing/cost-aggregator';
import { columnarUnsupported } from '#shared/billing/parquet-columnar-read';
import { RejectionCounter, readBillingSource } from '#shared/billing/read-billing-source';
import { formatMoney } from '#shared/money';
import { duckdbRows, fileSource, focusAws, legacyCur } from './support/billing-test-kit';

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

/** Costs as a DECIMAL small enough for an integer column (INT64 up to 18 digits, INT32 up to 9), some negative. */
const INTEGER_DECIMAL_COSTS = (type: string) => `SELECT * REPLACE (
    CAST(CASE WHEN random() < 0.2 THEN -CAST("EffectiveCost" AS DOUBLE) ELSE CAST("EffectiveCost" AS DOUBLE) END AS ${type}) AS "EffectiveCost")
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
  tagKeys = TAG_KEYS,
  costColumn?: string,
) {
  const target = {
    aggregator: new CostAggregator({ tagKeys, contributorLimit }),
    rejections: new RejectionCounter(),
    mapperOptions: { tagKeys, billingPeriod, costColumn },
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

async function mapperAndMetadata(file: string, tagKeys = TAG_KEYS, costColumn?: string) {
  const bytes = await readFile(file);
  const metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const header = parquetSchema(metadata).children.map((child) => child.element.name);
  return { metadata, mapper: createRecordMapper(header, { tagKeys, costColumn }) };
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
    [
      'DECIMAL(18,6) costs stored as INT64 and negative amounts',
      'int64',
      INTEGER_DECIMAL_COSTS('DECIMAL(18,6)'),
      'ROW_GROUP_SIZE 400',
    ],
    [
      'DECIMAL(9,3) costs stored as INT32',
      'int32',
      INTEGER_DECIMAL_COSTS('DECIMAL(9,3)'),
      'ROW_GROUP_SIZE 400',
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

/** The legacy CUR sample under CUR 2.0 names, as CSV (no public CUR 2.0 file exists; see ../shared/data/cur). */
function cur2Csv(): string {
  const [header, ...rest] = readFileSync(legacyCur, 'utf8').split('\n');
  const toCur2Name = (name: string) =>
    name
      .split('/')
      .map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase())
      .join('_');
  const file = path.join(workDir, 'cur2.csv');
  writeFileSync(file, [header!.split(',').map(toCur2Name).join(','), ...rest].join('\n'));
  return file;
}

/**
 * CUR 2.0 as Data Exports writes it: DOUBLE costs, TIMESTAMP usage starts, resource_tags as a
 * MAP (null, empty, a null value, keys in several spellings), resource ids, plus refused rows.
 */
function cur2Sql(csv: string, tags: 'map' | 'json'): string {
  const map = `CASE WHEN n % 11 = 0 THEN NULL WHEN n % 13 = 0 THEN MAP {}::MAP(VARCHAR, VARCHAR)
    WHEN n % 5 = 0 THEN MAP {'user:cost_center': 'cc-' || (n % 3), 'user:team': NULL}
    ELSE MAP {'user:cost_center': 'cc-' || (n % 4), 'user:Team': 'team-' || (n % 2), 'aws:createdBy': 'x'} END`;
  return `WITH src AS (
      SELECT *, row_number() OVER () AS n FROM read_csv('${sqlPath(csv)}', all_varchar=true, header=true)),
    typed AS (
      SELECT * EXCLUDE (n) REPLACE (
        CAST(line_item_unblended_cost AS DOUBLE) AS line_item_unblended_cost,
        CAST(line_item_usage_start_date AS TIMESTAMP) AS line_item_usage_start_date),
        'arn:aws:ec2:us-east-1:123:instance/i-' || (n % 9) AS line_item_resource_id,
        ${tags === 'map' ? map : `to_json(${map})::VARCHAR`} AS resource_tags
      FROM src)
    SELECT * FROM typed
    UNION ALL SELECT * REPLACE (NULL AS line_item_usage_start_date) FROM (FROM typed LIMIT 2)
    UNION ALL SELECT * REPLACE (NULL AS line_item_currency_code) FROM (FROM typed LIMIT 3 OFFSET 4)
    UNION ALL SELECT * REPLACE ('Refund' AS line_item_line_item_type, 'SomethingNew' AS product_product_name) FROM (FROM typed LIMIT 2 OFFSET 9)
    UNION ALL SELECT * REPLACE ('BrandNewType' AS line_item_line_item_type) FROM (FROM typed LIMIT 1 OFFSET 20)`;
}

const CUR_TAGS = ['cost-center', 'team'];

describe('usage days of typed timestamps in the columnar reader', () => {
  it.each([
    ['TIMESTAMP_NS', "TIMESTAMP_NS '2024-09-01 23:59:59.999999999'", "TIMESTAMP_NS '2024-09-02 00:00:00'"],
    ['TIMESTAMP (microseconds)', "TIMESTAMP '2024-09-01 23:59:59.999999'", "TIMESTAMP '2024-09-02 00:00:00'"],
    ['TIMESTAMP_MS', "TIMESTAMP_MS '2024-09-01 23:59:59.999'", "TIMESTAMP_MS '2024-09-02 00:00:00'"],
    ['DATE', "DATE '2024-09-01'", "DATE '2024-09-02'"],
  ])(
    'puts the last instant before midnight and midnight itself on their own days for %s',
    async (type, before, midnight) => {
      // Prepare
      const file = await writeParquet(
        `midnight-${type.replace(/\W+/g, '-')}`,
        `SELECT * FROM (VALUES (${before}, 1.5), (${midnight}, 2.25), (${before}, 0.25))
        AS t("ChargePeriodStart", "EffectiveCost"), (SELECT 'USD' AS "BillingCurrency", 'S3' AS "ServiceName", 'Usage' AS "ChargeCategory")`,
        'ROW_GROUP_SIZE 100',
      );
      // Act
      const columnar = await readWith(file, false, 10);
      const rowWise = await readWith(file, true, 10);
      // Assess
      const totals = columnar.points.filter((p) => p.seriesKey === 'total').map((p) => [p.day, p.amount]);
      expect(totals).toEqual([
        ['2024-09-01', '1.75'],
        ['2024-09-02', '2.25'],
      ]);
      expect(columnar).toEqual(rowWise);
    },
  );
});

describe('CUR 2.0 and MAP tags in the columnar reader', () => {
  it.each([
    ['resource_tags as a Parquet MAP', 'map'],
    ['resource_tags as JSON text', 'json'],
  ] as const)('matches the row-wise reader when CUR 2.0 carries %s', async (_label, tags) => {
    // Prepare
    const file = await writeParquet(`cur2-${tags}`, cur2Sql(cur2Csv(), tags), 'ROW_GROUP_SIZE 500');
    const { mapper, metadata } = await mapperAndMetadata(file, CUR_TAGS);
    // Act
    const columnar = await readWith(file, false, 10, undefined, CUR_TAGS);
    const rowWise = await readWith(file, true, 10, undefined, CUR_TAGS);
    // Assess: columnar applies, agrees with row-wise, and the tags and line item types came through.
    expect(columnarUnsupported(mapper, metadata)).toBeUndefined();
    expect(columnar).toEqual(rowWise);
    const keys = new Set(columnar.points.map((p) => p.seriesKey));
    expect([...keys].filter((k) => k.startsWith('tag:')).sort()).toEqual([
      'tag:cost-center=cc-0',
      'tag:cost-center=cc-1',
      'tag:cost-center=cc-2',
      'tag:cost-center=cc-3',
      'tag:team=team-0',
      'tag:team=team-1',
    ]);
    expect(keys).toContain('charge-class=Correction');
    expect(keys).toContain('charge-category=Adjustment');
    expect(keys).toContain('service=SomethingNew');
    expect(columnar.rejections.map((r) => [r.reason, r.count])).toEqual([
      ['missing-currency', 3],
      ['unparseable-date', 2],
    ]);
  });

  it('reads FOCUS Tags stored as a MAP like the row-wise reader', async () => {
    // Prepare
    const file = await writeParquet(
      'focus-map-tags',
      `SELECT * REPLACE (CASE WHEN "Tags" IS NULL THEN NULL ELSE MAP {'application': 'app-' || length("Tags") % 3, 'Environment': 'prod'} END AS "Tags")
        FROM read_csv('${sqlPath(focusAws)}', all_varchar=true, nullstr='NULL', header=true)`,
      'ROW_GROUP_SIZE 500',
    );
    const { mapper, metadata } = await mapperAndMetadata(file);
    // Act
    const columnar = await readWith(file, false, 10);
    const rowWise = await readWith(file, true, 10);
    // Assess
    expect(columnarUnsupported(mapper, metadata)).toBeUndefined();
    expect(columnar).toEqual(rowWise);
    expect(columnar.points.some((p) => p.seriesKey === 'tag:environment=prod')).toBe(true);
  });

  it('leaves amortized CUR measures to the row-wise reader with a reason', async () => {
    // Prepare
    const file = await writeParquet('cur2-amortized', cur2Sql(cur2Csv(), 'map'), 'ROW_GROUP_SIZE 500');
    const { mapper, metadata } = await mapperAndMetadata(file, CUR_TAGS, 'amortized');
    // Act
    const reason = columnarUnsupported(mapper, metadata);
    const read = await readWith(file, false, 10, undefined, CUR_TAGS, 'amortized');
    // Assess
    expect(reason).toMatch(/amortized/);
    expect(read.result.costColumn).toBe('amortized');
    expect(read.points.length).toBeGreaterThan(10);
  });
});
