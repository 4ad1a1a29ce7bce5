import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { aggregateBillingSources } from '#shared/billing/ingest-billing';
import { formatMoney } from '#shared/money';
import {
  canonicalDecimal,
  duckdbRows,
  fileSource,
  focusAws,
  focusMicrosoft,
  legacyCur,
} from './support/billing-test-kit';

const workDir = mkdtempSync(path.join(tmpdir(), 'billing-exactness-'));

/** Our per day × service sums as `day|service → decimal text`. */
async function ourDayServiceSums(file: string, costColumn?: string): Promise<Map<string, string>> {
  const aggregate = await aggregateBillingSources([fileSource(file)], costColumn ? { costColumn } : {});
  expect(aggregate.rejections.summaries()).toEqual([]);
  const sums = new Map<string, string>();
  for (const point of aggregate.aggregator.points()) {
    if (point.seriesKey.startsWith('service=')) {
      sums.set(`${point.day}|${point.seriesKey.slice('service='.length)}`, formatMoney(point.amount));
    }
  }
  return sums;
}

function toMap(rows: Array<Record<string, unknown>>): Map<string, string> {
  return new Map(rows.map((row) => [`${row.d}|${row.s}`, canonicalDecimal(String(row.amount))]));
}

const sqlPath = (file: string) => file.replaceAll("'", "''");

/** DuckDB's exact per day × service sum of a FOCUS cost column. */
function focusSql(from: string, costColumn: string): string {
  return `SELECT strftime(CAST("ChargePeriodStart" AS TIMESTAMP), '%Y-%m-%d') AS d, "ServiceName" AS s,
    CAST(sum(CAST("${costColumn}" AS DECIMAL(38,10))) AS VARCHAR) AS amount
    FROM ${from} WHERE "ServiceName" IS NOT NULL GROUP BY 1, 2`;
}

const focusCsv = (file: string) =>
  `read_csv('${sqlPath(file)}', all_varchar=true, nullstr='NULL', header=true)`;

/** Renames legacy CUR `category/ColumnName` to CUR 2.0 `category_column_name`. */
function toCur2Name(name: string): string {
  return name
    .split('/')
    .map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase())
    .join('_');
}

describe('per day × service sums equal DuckDB DECIMAL(38,10) sums exactly', () => {
  it.each([
    ['AWS', 'EffectiveCost', focusAws],
    ['AWS', 'BilledCost', focusAws],
    ['AWS', 'ListCost', focusAws],
    ['Microsoft', 'EffectiveCost', focusMicrosoft],
  ])('matches DuckDB when the FOCUS 1.0 %s sample is summed on %s', async (_provider, costColumn, file) => {
    // Prepare
    const expected = toMap(await duckdbRows(focusSql(focusCsv(file), costColumn)));
    // Act
    const ours = await ourDayServiceSums(file, costColumn);
    // Assess
    expect(expected.size).toBeGreaterThan(10);
    expect(ours).toEqual(expected);
  });

  it('matches DuckDB when the FOCUS sample is read gzipped', async () => {
    // Prepare
    const gz = path.join(workDir, 'focus_sample_aws.csv.gz');
    writeFileSync(gz, gzipSync(readFileSync(focusAws)));
    const expected = toMap(await duckdbRows(focusSql(focusCsv(focusAws), 'EffectiveCost')));
    // Act
    const ours = await ourDayServiceSums(gz);
    // Assess
    expect(ours).toEqual(expected);
  });

  it('matches DuckDB when the FOCUS sample is read from Parquet with DECIMAL and TIMESTAMP columns', async () => {
    // Prepare: DuckDB writes the Parquet file (typed columns, several row groups).
    const parquet = path.join(workDir, 'focus_sample_aws.parquet');
    await duckdbRows(`COPY (SELECT * REPLACE (CAST("EffectiveCost" AS DECIMAL(38,10)) AS "EffectiveCost",
        CAST("ChargePeriodStart" AS TIMESTAMP) AS "ChargePeriodStart")
      FROM ${focusCsv(focusAws)}) TO '${sqlPath(parquet)}' (FORMAT parquet, ROW_GROUP_SIZE 200)`);
    const expected = toMap(await duckdbRows(focusSql(focusCsv(focusAws), 'EffectiveCost')));
    // Act
    const ours = await ourDayServiceSums(parquet);
    // Assess
    expect(ours).toEqual(expected);
  });

  const curSql = (from: string, name: (n: string) => string) => `SELECT
      strftime(CAST("${name('lineItem/UsageStartDate')}" AS TIMESTAMPTZ), '%Y-%m-%d') AS d,
      coalesce("${name('product/ProductName')}", "${name('product/servicecode')}", "${name('lineItem/ProductCode')}") AS s,
      CAST(sum(CAST("${name('lineItem/UnblendedCost')}" AS DECIMAL(38,10))) AS VARCHAR) AS amount
    FROM ${from} GROUP BY 1, 2 HAVING s IS NOT NULL`;

  it('matches DuckDB when the legacy CUR sample is summed on unblended cost', async () => {
    // Prepare
    const expected = toMap(
      await duckdbRows(curSql(`read_csv('${sqlPath(legacyCur)}', all_varchar=true, header=true)`, (n) => n)),
    );
    // Act
    const ours = await ourDayServiceSums(legacyCur);
    // Assess
    expect(expected.size).toBeGreaterThan(10);
    expect(ours).toEqual(expected);
  });

  it('matches DuckDB when the legacy CUR sample is renamed to CUR 2.0 snake_case columns (CSV and Parquet)', async () => {
    // Prepare: no public CUR 2.0 file exists, so the legacy sample's header is renamed to
    // CUR 2.0 names (lineItem/UnblendedCost → line_item_unblended_cost), as ../shared/data/cur says.
    const [header, ...rest] = readFileSync(legacyCur, 'utf8').split('\n');
    const renamed = header!.split(',').map(toCur2Name).join(',');
    const cur2Csv = path.join(workDir, 'cur2.csv');
    writeFileSync(cur2Csv, [renamed, ...rest].join('\n'));
    const cur2Parquet = path.join(workDir, 'cur2.parquet');
    await duckdbRows(`COPY (SELECT * REPLACE (CAST(line_item_unblended_cost AS DOUBLE) AS line_item_unblended_cost)
      FROM read_csv('${sqlPath(cur2Csv)}', all_varchar=true, header=true)) TO '${sqlPath(cur2Parquet)}' (FORMAT parquet)`);
    const expected = toMap(
      await duckdbRows(curSql(`read_csv('${sqlPath(cur2Csv)}', all_varchar=true, header=true)`, toCur2Name)),
    );
    // Act
    const fromCsv = await ourDayServiceSums(cur2Csv);
    const fromParquet = await ourDayServiceSums(cur2Parquet);
    // Assess
    expect(fromCsv).toEqual(expected);
    expect(fromParquet).toEqual(expected);
  });
});
