import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { aggregateBillingPartial, NotAnExportPeriodError } from '#shared/billing/aggregate-partial';
import type { AggregatedReference, PartialReference } from '#shared/billing/fan-out-payloads';
import { parseAggregateItem, parseMergeInput } from '#shared/billing/fan-out-payloads';
import type { IngestBillingOptions } from '#shared/billing/ingest-billing';
import { ingestBillingObject } from '#shared/billing/ingest-billing-object';
import { createLocalBillingObjects } from '#shared/billing/local-billing-objects';
import {
  IncompletePartialsError,
  mergeBillingPartials,
  PartialMismatchError,
} from '#shared/billing/merge-partials';
import {
  createFilePartialStore,
  deserializePartial,
  InvalidPartialError,
  MissingPartialError,
  type PartialStore,
} from '#shared/billing/partial-store';
import { formatMoney } from '#shared/money';
import { focusAws, focusMicrosoft, InMemoryCostStore, recordingPublisher } from './support/billing-test-kit';

const now = () => new Date('2026-10-02T06:00:00.000Z');
const silent = { info: () => {}, warn: () => {}, error: () => {} };
// Contributors are exact only while no day exceeds maxCellsPerDay; the samples are small.
const options: IngestBillingOptions = { maxCellsPerDay: 1_000_000 };
const PERIOD = 'exports/focus-big/data/BILLING_PERIOD=2024-09';
const MANIFEST = 'exports/focus-big/metadata/BILLING_PERIOD=2024-09/focus-big-Manifest.json';

/** A Data Exports period on disk: the AWS FOCUS sample split in two at a record boundary, plus the Microsoft sample. */
function writePeriod(root: string, dataFiles = ['part-1.csv', 'part-2.csv', 'part-3.csv']) {
  const lines = readFileSync(focusAws, 'utf8').replace(/\n$/, '').split('\n');
  const header = lines[0]!;
  const half = Math.floor(lines.length / 2);
  const contents = [
    `${lines.slice(0, half).join('\n')}\n`,
    `${[header, ...lines.slice(half)].join('\n')}\n`,
    readFileSync(focusMicrosoft, 'utf8'),
  ];
  mkdirSync(path.join(root, PERIOD), { recursive: true });
  for (const [i, text] of contents.entries())
    writeFileSync(path.join(root, PERIOD, `part-${i + 1}.csv`), text);
  mkdirSync(path.dirname(path.join(root, MANIFEST)), { recursive: true });
  writeFileSync(
    path.join(root, MANIFEST),
    JSON.stringify({
      exportName: 'focus-big',
      billingPeriod: '2024-09',
      dataFiles: dataFiles.map((f) => `${PERIOD}/${f}`),
    }),
  );
}

describe('billing fan-out: partials and their merge', () => {
  let root: string;
  let partials: PartialStore;
  const objects = () => createLocalBillingObjects(root);
  const mapStep = (
    files: string[],
    props: { partials?: PartialStore; options?: IngestBillingOptions } = {},
  ) =>
    Promise.all(
      files.map((name) =>
        aggregateBillingPartial({
          prefixUri: path.join(root, PERIOD),
          objectUri: path.join(root, PERIOD, name),
          key: `${PERIOD}/${name}`,
          objects: objects(),
          partials: props.partials ?? partials,
          options: props.options ?? options,
        }),
      ),
    );
  const mergeStep = (references: PartialReference[], store: InMemoryCostStore) => {
    const { publish, published } = recordingPublisher();
    const run = mergeBillingPartials({
      prefix: `${PERIOD}/`,
      partials: references,
      objects: objects(),
      readPartial: (uri) => partials.read(uri),
      store,
      publish,
      now,
      options,
      log: silent,
    });
    return { run, published };
  };

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'fan-out-merge-'));
    partials = createFilePartialStore(path.join(root, 'work'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('stores exactly what a direct single-pass ingest of the period stores when the partials of a split file are merged', async () => {
    // Prepare
    writePeriod(root);
    const direct = new InMemoryCostStore();
    const directOutcome = await ingestBillingObject({
      uri: path.join(root, MANIFEST),
      objects: objects(),
      store: direct,
      publish: recordingPublisher().publish,
      now,
      options,
      log: silent,
    });
    const merged = new InMemoryCostStore();

    // Act
    const references = await mapStep(['part-1.csv', 'part-2.csv', 'part-3.csv']);
    const { run, published } = mergeStep(references, merged);
    const summary = await run;

    // Assess
    expect(directOutcome.status).toBe('ingested');
    const directUnit = direct.units.get('focus-big/2024-09')!;
    const mergedUnit = merged.units.get('focus-big/2024-09')!;
    expect(summary.unitId).toBe('focus-big/2024-09');
    expect(summary.ingestionId).toBe(directUnit.ingestionId);
    expect(mergedUnit.points).toEqual(directUnit.points);
    expect(mergedUnit.points.length).toBeGreaterThan(100);
    expect(summary.rowsRead).toBe(942 + 51);
    expect(summary.partialsMerged).toBe(3);
    const report = merged.reports.get(summary.ingestionId)!;
    const directReport = direct.reports.get(directUnit.ingestionId)!;
    expect({ ...report, startedAt: '', completedAt: '' }).toEqual({
      ...directReport,
      startedAt: '',
      completedAt: '',
    });
    expect(summary.totals).toEqual(directReport.totals.map((t) => ({ ...t, amount: formatMoney(t.amount) })));
    expect(published.map((e) => e.contract.detailType)).toEqual(['Billing Ingestion Completed']);
  }, 20_000);

  it('leaves the store unchanged when the same fan-out runs again', async () => {
    // Prepare
    writePeriod(root);
    const store = new InMemoryCostStore();
    const first = await mergeStep(await mapStep(['part-1.csv', 'part-2.csv', 'part-3.csv']), store).run;
    const before = structuredClone(store.units.get(first.unitId));

    // Act
    const second = await mergeStep(await mapStep(['part-1.csv', 'part-2.csv', 'part-3.csv']), store).run;

    // Assess
    expect(second.ingestionId).toBe(first.ingestionId);
    expect(second.unchanged).toBe(true);
    expect(store.units.get(first.unitId)).toEqual(before);
  }, 20_000);

  it('fails naming the partial and writes nothing when a partial has disappeared', async () => {
    // Prepare
    writePeriod(root);
    const references = await mapStep(['part-1.csv', 'part-2.csv', 'part-3.csv']);
    rmSync((references[1] as AggregatedReference).partialUri);
    const store = new InMemoryCostStore();

    // Act
    const { run, published } = mergeStep(references, store);

    // Assess
    await expect(run).rejects.toThrow(MissingPartialError);
    await expect(run).rejects.toThrow(/partial .*\.json\.gz is missing .*re-run the fan-out/);
    expect(store.units.size).toBe(0);
    expect(published).toEqual([]);
  }, 20_000);

  it('fails naming the file when a listed data file has no partial', async () => {
    // Prepare: the map listed the prefix before part-3 arrived.
    writePeriod(root);
    const references = await mapStep(['part-1.csv', 'part-2.csv']);
    const store = new InMemoryCostStore();

    // Act
    const { run } = mergeStep(references, store);

    // Assess
    await expect(run).rejects.toThrow(IncompletePartialsError);
    await expect(run).rejects.toThrow(/no partial for 1 listed file\(s\) \(.*part-3\.csv\)/);
    expect(store.units.size).toBe(0);
  }, 20_000);

  it('refuses partials aggregated with another cost column than the merge runs with', async () => {
    // Prepare
    writePeriod(root);
    const references = await mapStep(['part-1.csv', 'part-2.csv', 'part-3.csv'], {
      options: { ...options, costColumn: 'BilledCost' },
    });
    const store = new InMemoryCostStore();

    // Act
    const { run } = mergeStep(references, store);

    // Assess
    await expect(run).rejects.toThrow(PartialMismatchError);
    await expect(run).rejects.toThrow(/same COST_COLUMN and TAG_KEYS/);
    expect(store.units.size).toBe(0);
  }, 20_000);

  it('refuses a partial another run overwrote with different content than the map step reported', async () => {
    // Prepare: a restated part-1 arrives and a second execution rewrites its partial.
    writePeriod(root);
    const references = await mapStep(['part-1.csv', 'part-2.csv', 'part-3.csv']);
    writeFileSync(path.join(root, PERIOD, 'part-1.csv'), readFileSync(path.join(root, PERIOD, 'part-2.csv')));
    await mapStep(['part-1.csv']);
    const store = new InMemoryCostStore();

    // Act
    const { run } = mergeStep(references, store);

    // Assess
    await expect(run).rejects.toThrow(PartialMismatchError);
    await expect(run).rejects.toThrow(/another run overwrote it; re-run the fan-out/);
    expect(store.units.size).toBe(0);
  }, 20_000);

  it('skips folder markers and files the manifest does not list without reading them', async () => {
    // Prepare: part-3 is a stale file the manifest no longer lists.
    writePeriod(root, ['part-1.csv', 'part-2.csv']);
    const marker = {
      prefixUri: path.join(root, PERIOD),
      objectUri: `${path.join(root, PERIOD)}/`,
      key: `${PERIOD}/`,
      objects: objects(),
      partials,
    };

    // Act
    const [markerReference] = await Promise.all([aggregateBillingPartial(marker)]);
    const references = await mapStep(['part-1.csv', 'part-2.csv', 'part-3.csv']);
    const summary = await mergeStep([markerReference!, ...references], new InMemoryCostStore()).run;

    // Assess
    expect(markerReference).toMatchObject({ status: 'skipped', reason: 'folder marker, not a data file' });
    expect(references[2]).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/not listed/) });
    expect(summary.partialsMerged).toBe(2);
    expect(summary.rowsRead).toBe(942);
    expect(summary.skipped).toHaveLength(2);
  }, 20_000);

  it('skips a loose file and then fails the merge naming why when nothing under the prefix is in the Data Exports layout', async () => {
    // Prepare
    const loose = path.join(root, 'loose.csv');
    writeFileSync(loose, readFileSync(focusMicrosoft));
    const reference = await aggregateBillingPartial({
      prefixUri: root,
      objectUri: loose,
      key: 'loose.csv',
      objects: objects(),
      partials,
    });

    // Act
    const { run } = mergeStep([reference], new InMemoryCostStore());

    // Assess
    expect(reference).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/not a data file/) });
    await expect(run).rejects.toThrow(IncompletePartialsError);
    await expect(run).rejects.toThrow(
      /no data file was aggregated .*loose\.csv: not a data file of a Data Exports period/,
    );
  });

  it('fails naming the manifest when a data file of a period arrives before its manifest', async () => {
    // Prepare
    writePeriod(root);
    rmSync(path.join(root, MANIFEST));

    // Act
    const attempt = mapStep(['part-1.csv']);

    // Assess
    await expect(attempt).rejects.toThrow(NotAnExportPeriodError);
    await expect(attempt).rejects.toThrow(/focus-big-Manifest\.json of .*part-1\.csv has not arrived/);
  });

  it('refuses stored bytes that are not a gzipped partial', async () => {
    // Act
    const attempt = deserializePartial(Buffer.from('{"not":"gzip"}'), 's3://work/partials/x.json.gz');

    // Assess
    await expect(attempt).rejects.toThrow(InvalidPartialError);
    await expect(attempt).rejects.toThrow(/s3:\/\/work\/partials\/x\.json\.gz is not a gzipped JSON partial/);
  });

  it.each([
    [() => parseAggregateItem({ bucket: '', key: 7, size: 1 }), /bucket: .*; key: .*; prefix: /],
    [() => parseMergeInput({ prefix: 'p/', partials: [{ status: 'done' }] }), /partials\.0\.status/],
  ])('names the wrong fields when a fan-out payload is malformed (%#)', (parse, message) => {
    // Act / Assess
    expect(parse).toThrow(message);
  });
});
