import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { handler as aggregateHandler } from '#functions/aggregate-billing-partial/handler';
import { handler as mergeHandler } from '#functions/merge-billing-partials/handler';
import { localLambdaContext } from '#infra/local/local-bus';
import { focusAws, focusMicrosoft, writeLegacyCurReport } from '../../unit/billing/support/billing-test-kit';
import { EXPORTS, type FanOutEnvironment, startFanOutEnvironment, WORK } from './support/fan-out-environment';

jest.setTimeout(60_000);

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
  let env: FanOutEnvironment;
  beforeAll(async () => {
    env = await startFanOutEnvironment('billing-fan-out');
  });
  afterAll(() => env.stop());

  it('stores the same series items as a direct single-pass ingest of the period when the fan-out merges its partials', async () => {
    // Prepare
    const { prefix, manifestKey } = writePeriod(env.exportsDir, 'focus-fan-out');
    const direct = await env.ingestInline(manifestKey);

    // Act
    const summary = await env.runFanOut(prefix);

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
    const fanOutSeries = await env.items(env.fanOutDynamo, 'SERIES#');
    expect(fanOutSeries.length).toBeGreaterThan(100);
    expect(fanOutSeries).toEqual(await env.items(env.directDynamo, 'SERIES#'));
    const partialFiles = readdirSync(path.join(env.workDir, 'partials'), { recursive: true }).filter((f) =>
      String(f).endsWith('.json.gz'),
    );
    expect(partialFiles).toHaveLength(3);
    await env.bus.drain();
    const completed = env.bus.events.filter((e) => e['detail-type'] === 'Billing Ingestion Completed');
    expect(completed.map((e) => (e.detail as { ingestionId: string }).ingestionId)).toEqual([
      summary.ingestionId,
    ]);
  });

  it('stores the same series items as a direct ingest when a legacy CUR report version fans out', async () => {
    // Prepare: the map lists the assembly folder, which also holds the manifest copy and Redshift files.
    const { manifestKey, assemblyPrefix } = writeLegacyCurReport(env.exportsDir, {
      root: 'legacy/',
      name: 'acme-cur',
      assemblyId: 'a1b2c3d4',
    });
    const direct = await env.ingestInline(manifestKey);

    // Act
    const summary = await env.runFanOut(assemblyPrefix);

    // Assess
    expect(direct.status).toBe('ingested');
    expect(summary).toMatchObject({ unitId: 'acme-cur/2023-11', partialsMerged: 2, rowsRead: 1281 });
    expect(summary.skipped.map((key) => path.basename(key))).toEqual([
      'acme-cur-Manifest.json',
      'acme-cur-RedshiftCommands.sql',
      'acme-cur-RedshiftManifest.json',
    ]);
    if (direct.status === 'ingested') expect(summary.ingestionId).toBe(direct.report.ingestionId);
    const legacySeries = (all: Awaited<ReturnType<typeof env.items>>) =>
      all.filter((item) => String(item.ingestionId ?? '').startsWith('acme-cur/'));
    expect(legacySeries(await env.items(env.fanOutDynamo, 'SERIES#')).length).toBeGreaterThan(100);
    expect(legacySeries(await env.items(env.fanOutDynamo, 'SERIES#'))).toEqual(
      legacySeries(await env.items(env.directDynamo, 'SERIES#')),
    );
  });

  it('leaves every item identical when the whole fan-out runs again', async () => {
    // Prepare
    const { prefix } = writePeriod(env.exportsDir, 'focus-rerun');
    const first = await env.runFanOut(prefix);
    const before = await env.items(env.fanOutDynamo);

    // Act
    const second = await env.runFanOut(prefix);

    // Assess
    expect(second.ingestionId).toBe(first.ingestionId);
    expect(second.unchanged).toBe(true);
    expect(await env.items(env.fanOutDynamo)).toEqual(before);
  });

  it('fails with a clear error and writes nothing when a partial is missing from the work bucket', async () => {
    // Prepare
    const { prefix } = writePeriod(env.exportsDir, 'focus-missing');
    const references = await env.mapStep(prefix);
    const lost = references[1]!;
    if (lost.status !== 'aggregated') throw new Error('expected an aggregated reference');
    const lostFile = path.join(env.workDir, ...lost.partialUri.replace(`s3://${WORK}/`, '').split('/'));
    rmSync(lostFile);
    const before = await env.items(env.fanOutDynamo);
    const eventsBefore = env.bus.events.length;

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
    expect(await env.items(env.fanOutDynamo)).toEqual(before);
    await env.bus.drain();
    expect(env.bus.events.length).toBe(eventsBefore);
  });

  it('rejects a map item without a key, naming the field, before reading anything', async () => {
    // Prepare
    const requestsBefore = env.s3.requests.length;

    // Act
    const attempt = aggregateHandler(
      { bucket: EXPORTS, size: 10, prefix: 'exports/' },
      localLambdaContext('aggregate-billing-partial'),
    );

    // Assess
    await expect(attempt).rejects.toThrow(/not a billing fan-out item .*key: /);
    expect(env.s3.requests.length).toBe(requestsBefore);
  });
});
