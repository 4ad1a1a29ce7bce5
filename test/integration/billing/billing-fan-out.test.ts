import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { handler as aggregateHandler } from '#functions/aggregate-billing-partial/handler';
import { handler as mergeHandler } from '#functions/merge-billing-partials/handler';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { localAwsEnvironment } from '#infra/local/lambda-events';
import { type LocalBus, localLambdaContext, startLocalBus } from '#infra/local/local-bus';
import { type LocalS3, startLocalS3 } from '#infra/local/local-s3';
import type { PartialReference } from '#shared/billing/fan-out-payloads';
import { focusAws, focusMicrosoft, writeLegacyCurReport } from '../../unit/billing/support/billing-test-kit';
import { objectIngestor } from './support/object-ingestor';

jest.setTimeout(60_000);

const EXPORTS = 'finops-exports';
const WORK = 'finops-work';
const BUS = 'finops-test-bus';

/** A Data Exports period: the AWS FOCUS sample split in two (the second half gzipped) plus the Microsoft sample. */
function writePeriod(exportsDir: string, exportName: string): { prefix: string; manifestKey: string } {
  const prefix = `exports/${exportName}/data/BILLING_PERIOD=2024-09/`;
  const manifestKey = `exports/${exportName}/metadata/BILLING_PERIOD=2024-09/${exportName}-Manifest.json`;
  const lines = readFileSync(focusAws, 'utf8').replace(/\n$/, '').split('\n');
  const half = Math.floor(lines.length / 2);
  const files: Record<string, Buffer> = {
    'part-00001.csv': Buffer.from(`${lines.slice(0, half).join('\n')}\n`),
    'part-00002.csv.gz': gzipSync(`${[lines[0], ...lines.slice(half)].join('\n')}\n`),
    'part-00003.csv': readFileSync(focusMicrosoft),
  };
  mkdirSync(path.join(exportsDir, prefix), { recursive: true });
  for (const [name, bytes] of Object.entries(files))
    writeFileSync(path.join(exportsDir, prefix, name), bytes);
  mkdirSync(path.dirname(path.join(exportsDir, manifestKey)), { recursive: true });
  writeFileSync(
    path.join(exportsDir, manifestKey),
    JSON.stringify({
      exportName,
      billingPeriod: '2024-09',
      dataFiles: Object.keys(files).map((name) => `${prefix}${name}`),
    }),
  );
  return { prefix, manifestKey };
}

describe('billing fan-out handlers over local S3 and the embedded DynamoDB', () => {
  const savedEnv = { ...process.env };
  let root: string;
  let exportsDir: string;
  let workDir: string;
  let s3: LocalS3;
  let bus: LocalBus;
  let fanOutDynamo: EmbeddedDynamo;
  let directDynamo: EmbeddedDynamo;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'billing-fan-out-'));
    exportsDir = path.join(root, 'exports-bucket');
    workDir = path.join(root, 'work-bucket');
    mkdirSync(exportsDir);
    mkdirSync(workDir);
    s3 = await startLocalS3({ buckets: { [EXPORTS]: exportsDir, [WORK]: workDir }, writableBuckets: [WORK] });
    bus = await startLocalBus({ rules: [], eventBusName: BUS });
    fanOutDynamo = await startEmbeddedDynamo();
    directDynamo = await startEmbeddedDynamo();
    Object.assign(process.env, {
      TABLE_NAME: fanOutDynamo.tableName,
      EVENT_BUS_NAME: BUS,
      WORK_BUCKET_NAME: WORK,
      ...localAwsEnvironment({ dynamodb: fanOutDynamo.endpoint, eventbridge: bus.endpoint, s3: s3.endpoint }),
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
  });
  afterAll(async () => {
    process.env = savedEnv;
    await Promise.all([s3.stop(), bus.stop(), fanOutDynamo.stop(), directDynamo.stop()]);
    rmSync(root, { recursive: true, force: true });
  });

  /** What the Distributed Map does: list the objects under the prefix, one aggregate invocation each. */
  const mapStep = async (prefix: string): Promise<PartialReference[]> => {
    const names = readdirSync(path.join(exportsDir, prefix)).sort();
    const references: PartialReference[] = [];
    for (const name of names) {
      const item = {
        bucket: EXPORTS,
        key: `${prefix}${name}`,
        size: statSync(path.join(exportsDir, prefix, name)).size,
        prefix,
      };
      references.push(await aggregateHandler(item, localLambdaContext('aggregate-billing-partial')));
    }
    return references;
  };
  /** The same period ingested inline by ingest-billing's use case, into the direct engine. */
  const ingestInline = async (manifestKey: string) => {
    const { ingest, close } = objectIngestor({ s3, dynamo: directDynamo });
    const outcome = await ingest(`s3://${EXPORTS}/${manifestKey}`);
    close();
    return outcome;
  };
  const runFanOut = async (prefix: string) =>
    mergeHandler({ prefix, partials: await mapStep(prefix) }, localLambdaContext('merge-billing-partials'));

  const items = async (dynamo: EmbeddedDynamo, prefix = '') => {
    const { Items = [] } = await dynamo.documentClient.send(new ScanCommand({ TableName: dynamo.tableName }));
    return Items.filter((item) => String(item.pk).startsWith(prefix)).sort((a, b) =>
      `${a.pk}${a.sk}` < `${b.pk}${b.sk}` ? -1 : 1,
    );
  };

  it('stores the same series items as a direct single-pass ingest of the period when the fan-out merges its partials', async () => {
    // Prepare
    const { prefix, manifestKey } = writePeriod(exportsDir, 'focus-fan-out');
    const direct = await ingestInline(manifestKey);

    // Act
    const summary = await runFanOut(prefix);

    // Assess
    expect(direct.status).toBe('ingested');
    expect(summary).toMatchObject({
      unitId: 'focus-fan-out/2024-09',
      unchanged: false,
      partialsMerged: 3,
      rowsRead: 942 + 51,
      skipped: [],
    });
    if (direct.status === 'ingested') expect(summary.ingestionId).toBe(direct.report.ingestionId);
    const fanOutSeries = await items(fanOutDynamo, 'SERIES#');
    expect(fanOutSeries.length).toBeGreaterThan(100);
    expect(fanOutSeries).toEqual(await items(directDynamo, 'SERIES#'));
    const partialFiles = readdirSync(path.join(workDir, 'partials'), { recursive: true }).filter((f) =>
      String(f).endsWith('.json.gz'),
    );
    expect(partialFiles).toHaveLength(3);
    await bus.drain();
    const completed = bus.events.filter((e) => e['detail-type'] === 'Billing Ingestion Completed');
    expect(completed.map((e) => (e.detail as { ingestionId: string }).ingestionId)).toEqual([
      summary.ingestionId,
    ]);
  });

  it('stores the same series items as a direct ingest when a legacy CUR report version fans out', async () => {
    // Prepare: the map lists the assembly folder, which also holds the manifest copy and Redshift files.
    const { manifestKey, assemblyPrefix } = writeLegacyCurReport(exportsDir, {
      root: 'legacy/',
      name: 'acme-cur',
      assemblyId: 'a1b2c3d4',
    });
    const direct = await ingestInline(manifestKey);

    // Act
    const summary = await runFanOut(assemblyPrefix);

    // Assess
    expect(direct.status).toBe('ingested');
    expect(summary).toMatchObject({ unitId: 'acme-cur/2023-11', partialsMerged: 2, rowsRead: 1281 });
    expect(summary.skipped.map((key) => path.basename(key))).toEqual([
      'acme-cur-Manifest.json',
      'acme-cur-RedshiftCommands.sql',
      'acme-cur-RedshiftManifest.json',
    ]);
    if (direct.status === 'ingested') expect(summary.ingestionId).toBe(direct.report.ingestionId);
    const legacySeries = (all: Awaited<ReturnType<typeof items>>) =>
      all.filter((item) => String(item.ingestionId ?? '').startsWith('acme-cur/'));
    expect(legacySeries(await items(fanOutDynamo, 'SERIES#')).length).toBeGreaterThan(100);
    expect(legacySeries(await items(fanOutDynamo, 'SERIES#'))).toEqual(
      legacySeries(await items(directDynamo, 'SERIES#')),
    );
  });

  it('leaves every item identical when the whole fan-out runs again', async () => {
    // Prepare
    const { prefix } = writePeriod(exportsDir, 'focus-rerun');
    const first = await runFanOut(prefix);
    const before = await items(fanOutDynamo);

    // Act
    const second = await runFanOut(prefix);

    // Assess
    expect(second.ingestionId).toBe(first.ingestionId);
    expect(second.unchanged).toBe(true);
    expect(await items(fanOutDynamo)).toEqual(before);
  });

  it('fails with a clear error and writes nothing when a partial is missing from the work bucket', async () => {
    // Prepare
    const { prefix } = writePeriod(exportsDir, 'focus-missing');
    const references = await mapStep(prefix);
    const lost = references[1]!;
    if (lost.status !== 'aggregated') throw new Error('expected an aggregated reference');
    const lostFile = path.join(workDir, ...lost.partialUri.replace(`s3://${WORK}/`, '').split('/'));
    rmSync(lostFile);
    const before = await items(fanOutDynamo);
    const eventsBefore = bus.events.length;

    // Act
    const attempt = mergeHandler(
      { prefix, partials: references },
      localLambdaContext('merge-billing-partials'),
    );

    // Assess
    expect(existsSync(lostFile)).toBe(false);
    await expect(attempt).rejects.toThrow(
      new RegExp(`partial s3://${WORK}/partials/[0-9a-f]+/[0-9a-f]+\\.json\\.gz is missing`),
    );
    expect(await items(fanOutDynamo)).toEqual(before);
    await bus.drain();
    expect(bus.events.length).toBe(eventsBefore);
  });

  it('rejects a map item without a key, naming the field, before reading anything', async () => {
    // Prepare
    const requestsBefore = s3.requests.length;

    // Act
    const attempt = aggregateHandler(
      { bucket: EXPORTS, size: 10, prefix: 'exports/' },
      localLambdaContext('aggregate-billing-partial'),
    );

    // Assess
    await expect(attempt).rejects.toThrow(/not a billing fan-out item .*key: /);
    expect(s3.requests.length).toBe(requestsBefore);
  });
});
