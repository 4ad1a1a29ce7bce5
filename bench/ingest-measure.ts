// One measurement of the ingest benchmark, run in its own child process so its peak RSS
// (process.resourceUsage().maxRSS) is its own. Prints one JSON line on stdout.
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import { startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { createRecordMapper } from '#shared/billing/billing-formats';
import { CostAggregator } from '#shared/billing/cost-aggregator';
import { splitCsvStream } from '#shared/billing/csv-splitter';
import {
  type AggregateBillingSources,
  aggregateBillingSources,
  ingestBillingUnit,
} from '#shared/billing/ingest-billing';
import { localFileSource } from '#shared/billing/local-billing-objects';
import { createParallelAggregate } from '#shared/billing/parallel-aggregate';
import { decodeRowGroupColumns } from '#shared/billing/parquet-columns';
import {
  csvState,
  type ReadTarget,
  RejectionCounter,
  readBillingSource,
} from '#shared/billing/read-billing-source';
import { formatMoney } from '#shared/money';
import { createDynamoCostStore } from '#shared/store/dynamo-cost-store';

export const BENCH_TAG_KEYS = ['cost-center', 'team', 'environment', 'application'];
const DIMENSIONS = ['service', 'account', 'region', 'charge-category', 'charge-class'];

interface Measure {
  mode:
    | 'ours'
    | 'ours-parallel'
    | 'ours-ingest'
    | 'ours-split'
    | 'ours-map'
    | 'hyparquet-decode'
    | 'parquet-columns-decode'
    | 'duckdb';
  /** `ours` on Parquet: read row by row through hyparquet (the reader before the columnar one, still used for CUR). */
  rowWise?: boolean;
  /** `ours`: hash the file in the reading thread too (no second thread at all). */
  oneThread?: boolean;
  /** `ours`: false = series sums only (contributorLimit 0), the work DuckDB's query does. */
  contributors?: boolean;
  workers?: number;
  file: string;
  threads?: number;
  dump?: string;
}

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** DuckDB doing the same group-by as our aggregation: every series family per currency and day, exact DECIMAL sums. */
export function duckdbSeriesSql(file: string): string {
  const source = file.endsWith('.parquet')
    ? `read_parquet(${sqlString(file)})`
    : `read_csv(${sqlString(file)}, all_varchar=true, nullstr='NULL', header=true)`;
  const tags = BENCH_TAG_KEYS.map(
    (k, i) => `json_extract_string("Tags", ${sqlString(`$."${k}"`)}) AS t${i}`,
  ).join(', ');
  const columns = ['service', 'account', 'region', 'category', 'class', 't0', 't1', 't2', 't3'];
  return `WITH r AS (
    SELECT "BillingCurrency" AS currency, strftime(CAST("ChargePeriodStart" AS TIMESTAMP), '%Y-%m-%d') AS day,
      CAST("ServiceName" AS VARCHAR) AS service, CAST("SubAccountId" AS VARCHAR) AS account, CAST("RegionId" AS VARCHAR) AS region,
      CAST("ChargeCategory" AS VARCHAR) AS category, CAST("ChargeClass" AS VARCHAR) AS class, ${tags},
      CAST("EffectiveCost" AS DECIMAL(38,10)) AS cost
    FROM ${source})
  SELECT currency, day, GROUPING(${columns.join(', ')}) AS gid, ${columns.join(', ')},
    CAST(sum(cost) AS VARCHAR) AS amount, count(*) AS n
  FROM r GROUP BY GROUPING SETS ((currency, day), ${columns.map((c) => `(currency, day, ${c})`).join(', ')})`;
}

async function measureDuckdb(m: Measure) {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run("SET TimeZone='UTC'");
  if (m.threads) await connection.run(`SET threads=${m.threads}`);
  const started = performance.now();
  const reader = await connection.runAndReadAll(duckdbSeriesSql(m.file));
  const rows = reader.getRowObjects();
  const seconds = (performance.now() - started) / 1000;
  const columns = ['service', 'account', 'region', 'category', 'class', 't0', 't1', 't2', 't3'];
  const sums: Record<string, string> = {};
  let rowsRead = 0;
  for (const row of rows) {
    const gid = Number(row.gid);
    const grouped = columns.findIndex((_, i) => (gid & (1 << (columns.length - 1 - i))) === 0);
    const amount = canonical(String(row.amount));
    if (grouped < 0) {
      sums[`${row.currency}|${row.day}|total`] = amount;
      rowsRead += Number(row.n);
      continue;
    }
    const value = row[columns[grouped]!];
    if (value === null || value === '') continue;
    const dimension = grouped < 5 ? DIMENSIONS[grouped] : `tag:${BENCH_TAG_KEYS[grouped - 5]}`;
    sums[`${row.currency}|${row.day}|${dimension}=${value}`] = amount;
  }
  if (m.dump) writeFileSync(m.dump, JSON.stringify(sums));
  return { rows: rowsRead, seconds, seriesDays: Object.keys(sums).length };
}

function canonical(text: string): string {
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const f = fraction.replace(/0+$/, '');
  const body = f === '' ? String(BigInt(whole)) : `${BigInt(whole)}.${f}`;
  return negative && body !== '0' ? `-${body}` : body;
}

/** One file read with reader options aggregateBillingSources does not expose (row-wise Parquet, one thread). */
const readerWith =
  (options: Pick<ReadTarget, 'rowWiseParquet' | 'fingerprintThread'>): AggregateBillingSources =>
  async (sources, aggregation) => {
    const target: ReadTarget = {
      aggregator: new CostAggregator({
        tagKeys: BENCH_TAG_KEYS,
        contributorLimit: aggregation.contributorLimit,
      }),
      rejections: new RejectionCounter(),
      mapperOptions: { tagKeys: BENCH_TAG_KEYS },
      ...options,
    };
    const read = await readBillingSource(sources[0]!, target);
    return { aggregator: target.aggregator, rejections: target.rejections, sources: [read] };
  };

async function measureOurs(m: Measure) {
  const started = performance.now();
  const aggregateSources =
    m.mode === 'ours-parallel'
      ? createParallelAggregate({ workers: m.workers ?? 2, minRangeBytes: 16 << 20 })
      : m.rowWise || m.oneThread
        ? readerWith({ rowWiseParquet: m.rowWise, fingerprintThread: !m.oneThread })
        : aggregateBillingSources;
  const aggregate = await aggregateSources([localFileSource(m.file)], {
    tagKeys: BENCH_TAG_KEYS,
    ...(m.contributors === false ? { contributorLimit: 0 } : {}),
  });
  const points = aggregate.aggregator.points();
  const seconds = (performance.now() - started) / 1000;
  if (m.dump) {
    const sums: Record<string, string> = {};
    for (const p of points) sums[`${p.currency}|${p.day}|${p.seriesKey}`] = formatMoney(p.amount);
    writeFileSync(m.dump, JSON.stringify(sums));
  }
  return {
    rows: aggregate.sources[0]!.rowsRead,
    rejected: aggregate.rejections.total,
    seconds,
    seriesDays: points.length,
    droppedContributorCells: aggregate.aggregator.droppedCells,
  };
}

async function measureIngest(m: Measure) {
  const dynamo = await startEmbeddedDynamo();
  let seriesPuts = 0;
  let totalSeriesPuts = 0;
  const counting = {
    send: ((command: {
      input?: { RequestItems?: Record<string, Array<{ PutRequest?: { Item?: { pk?: string } } }>> };
    }) => {
      for (const requests of Object.values(command.input?.RequestItems ?? {})) {
        if (!Array.isArray(requests)) continue; // BatchGet: keys, not writes
        for (const request of requests) {
          const pk = request.PutRequest?.Item?.pk;
          if (pk?.startsWith('SERIES#')) {
            seriesPuts++;
            if (pk.endsWith('#total')) totalSeriesPuts++;
          }
        }
      }
      return dynamo.documentClient.send(command as never);
    }) as typeof dynamo.documentClient.send,
  };
  const store = createDynamoCostStore({ documentClient: counting, tableName: dynamo.tableName });
  const started = performance.now();
  const report = await ingestBillingUnit({
    sources: [localFileSource(m.file)],
    store,
    publish: async () => {},
    now: () => new Date(),
    options: { tagKeys: BENCH_TAG_KEYS },
  });
  const seconds = (performance.now() - started) / 1000;
  const totalDays = new Set<string>();
  const range = report.days!;
  for (const t of report.totals) {
    const points = await store.readSeries({ seriesKey: 'total', currency: t.currency }, range);
    for (const p of points) totalDays.add(`${t.currency}|${p.day}`);
  }
  await dynamo.stop();
  return {
    rows: report.rowsRead,
    seconds,
    seriesDays: report.seriesDaysWritten,
    seriesItemsWritten: seriesPuts,
    itemsPerSeriesDay: seriesPuts / report.seriesDaysWritten,
    totalItemsWritten: totalSeriesPuts,
    totalItemsPerDistinctDay: totalSeriesPuts / totalDays.size,
  };
}

/**
 * Stages of our CSV path, to show where the time goes: `ours-split` cuts the projected columns
 * out of every record and stops there; `ours-map` also maps each row to a CostRecord (the whole
 * read, sha256 fingerprint included) but aggregates nothing.
 */
async function measureStage(m: Measure) {
  // Series-only projection (no resource/usage type columns): the stages add up to the series-only run.
  const target: ReadTarget = {
    aggregator: new CostAggregator({ tagKeys: BENCH_TAG_KEYS, contributorLimit: 0 }),
    rejections: new RejectionCounter(),
    mapperOptions: { tagKeys: BENCH_TAG_KEYS },
  };
  target.aggregator.add = () => {};
  const started = performance.now();
  let rows = 0;
  if (m.mode === 'ours-map') {
    rows = (await readBillingSource(localFileSource(m.file), target)).rowsRead;
  } else {
    const state = csvState(m.file, target);
    await splitCsvStream(
      createReadStream(m.file, { highWaterMark: 1 << 20 }),
      (fields, line) => {
        if (state.mapper === undefined) state.onRow(fields, line);
        else rows++;
      },
      state.onBad,
      1,
      state.useSplitter,
    );
  }
  return { rows, seconds: (performance.now() - started) / 1000 };
}

/** A Parquet file in memory, its footer and the columns the FOCUS mapper reads (the decode-only rows). */
async function mappedParquetColumns(path: string) {
  const bytes = readFileSync(path);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const metadata = await parquetMetadataAsync(file);
  const header = parquetSchema(metadata).children.map((child) => child.element.name);
  const columns = [...new Set(createRecordMapper(header, { tagKeys: BENCH_TAG_KEYS }).columnsRead)];
  return { file, metadata, columns };
}

/** hyparquet alone decoding the columns our mapper reads (DECIMALs as bytes, as ours does): the library's floor. */
async function measureParquetDecode(m: Measure) {
  const started = performance.now();
  const { file, metadata, columns } = await mappedParquetColumns(m.file);
  for (const element of metadata.schema) {
    if (element.converted_type === 'DECIMAL' || element.logical_type?.type === 'DECIMAL') {
      element.converted_type = undefined;
      element.logical_type = undefined;
    }
  }
  let values = 0;
  await parquetRead({
    file,
    metadata,
    columns,
    onChunk: (chunk) => {
      values += chunk.rowEnd - chunk.rowStart;
    },
  });
  return {
    rows: values / columns.length,
    columns: columns.length,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Our column decoder alone on the same columns (dictionary indices, no rows built). */
async function measureColumnsDecode(m: Measure) {
  const started = performance.now();
  const { file, metadata, columns } = await mappedParquetColumns(m.file);
  let rows = 0;
  for (let group = 0; group < metadata.row_groups.length; group++) {
    const decoded = await decodeRowGroupColumns(file, metadata, group, columns);
    rows += decoded[0]!.indices.length;
  }
  return { rows, columns: columns.length, seconds: (performance.now() - started) / 1000 };
}

async function measure(): Promise<void> {
  const m = JSON.parse(process.argv[2]!) as Measure;
  const result =
    m.mode === 'duckdb'
      ? await measureDuckdb(m)
      : m.mode === 'ours-ingest'
        ? await measureIngest(m)
        : m.mode === 'ours-split' || m.mode === 'ours-map'
          ? await measureStage(m)
          : m.mode === 'hyparquet-decode'
            ? await measureParquetDecode(m)
            : m.mode === 'parquet-columns-decode'
              ? await measureColumnsDecode(m)
              : await measureOurs(m);
  process.stdout.write(`${JSON.stringify({ ...result, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

if (require.main === module) {
  measure().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
