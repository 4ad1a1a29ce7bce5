import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type BillingFanOut,
  type BillingFanOutRequest,
  fanOutExecutionName,
} from '#shared/billing/billing-fan-out-request';
import { ingestBillingObject } from '#shared/billing/ingest-billing-object';
import { createLocalBillingObjects } from '#shared/billing/local-billing-objects';
import type { PublishEvents } from '#shared/events/publish-port';
import type { LogSink } from '#shared/observability';
import { InMemoryCostStore, recordingPublisher } from './support/billing-test-kit';

const now = () => new Date('2026-09-02T06:00:00.000Z');
const HEADER =
  'BillingCurrency,ChargePeriodStart,ChargeCategory,ServiceName,SubAccountId,RegionId,ResourceId,BilledCost,EffectiveCost';
const row = (day: string, service: string, cost: string) =>
  `USD,${day}T00:00:00Z,Usage,${service},111,eu-west-1,r-${service},${cost},${cost}`;
const DATA = 'focus-daily/data/BILLING_PERIOD=2026-08';
const MANIFEST = 'focus-daily/metadata/BILLING_PERIOD=2026-08/focus-daily-Manifest.json';

/** A complete Data Exports period (two data files and the manifest) in a fresh folder. */
function writePeriod(extra: Record<string, string> = {}): string {
  const root = mkdtempSync(path.join(tmpdir(), 'ingest-fan-out-'));
  const files: Record<string, string> = {
    [`${DATA}/part-00001.csv`]: [HEADER, row('2026-08-01', 'S3', '1.5'), row('2026-08-02', 'EC2', '4')].join(
      '\n',
    ),
    [`${DATA}/part-00002.csv`]: [HEADER, row('2026-08-03', 'S3', '2')].join('\n'),
    [MANIFEST]: JSON.stringify({
      exportName: 'focus-daily',
      executionId: 'delivery-1',
      billingPeriod: '2026-08',
      dataFiles: [`exports/${DATA}/part-00001.csv`, `exports/${DATA}/part-00002.csv`],
    }),
    ...extra,
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

/** A fan-out port that records requests and answers like Step Functions for a repeated name. */
function recordingFanOut(thresholdBytes: number): BillingFanOut & { requests: BillingFanOutRequest[] } {
  const requests: BillingFanOutRequest[] = [];
  const names = new Set<string>();
  return {
    thresholdBytes,
    requests,
    async start(request) {
      requests.push(request);
      if (names.has(request.executionName)) return 'already-started';
      names.add(request.executionName);
      return 'started';
    },
  };
}

const silent = { info: () => {}, warn: () => {}, error: () => {} };

/** ingest-billing's use case for one object under `root` (a local folder), with the fan-out port. */
function arrive(
  root: string,
  relative: string,
  fanOut: BillingFanOut,
  over: { store?: InMemoryCostStore; publish?: PublishEvents; log?: LogSink } = {},
) {
  return ingestBillingObject({
    uri: path.join(root, relative),
    objects: createLocalBillingObjects(root),
    store: over.store ?? new InMemoryCostStore(),
    publish: over.publish ?? recordingPublisher().publish,
    now,
    fanOut,
    log: over.log ?? silent,
  });
}

describe('ingestBillingObject with a fan-out port', () => {
  it('starts the fan-out and writes nothing to the store when a period is above the threshold', async () => {
    // Prepare
    const root = writePeriod();
    const sizes = ['part-00001.csv', 'part-00002.csv'].map((f) => statSync(path.join(root, DATA, f)).size);
    const fanOut = recordingFanOut(sizes[0]! + sizes[1]! - 1);
    const store = new InMemoryCostStore();
    const { publish, published } = recordingPublisher();
    // Act
    const outcome = await arrive(root, MANIFEST, fanOut, { store, publish });
    // Assess
    expect(fanOut.requests).toEqual([
      {
        unitId: 'focus-daily/2026-08',
        prefix: `${path.join(root, DATA)}/`,
        uris: [path.join(root, DATA, 'part-00001.csv'), path.join(root, DATA, 'part-00002.csv')],
        totalBytes: sizes[0]! + sizes[1]!,
        executionName: expect.stringMatching(/^focus-daily_2026-08-[0-9a-f]{32}$/),
      },
    ]);
    expect(outcome).toEqual({
      status: 'fanned-out',
      unitId: 'focus-daily/2026-08',
      executionName: fanOut.requests[0]!.executionName,
      totalBytes: sizes[0]! + sizes[1]!,
      execution: 'started',
    });
    expect(store.units.size).toBe(0);
    expect(store.reports.size).toBe(0);
    expect(published).toEqual([]);
  });

  it('ingests inline without starting anything when the period is at or below the threshold', async () => {
    // Prepare
    const root = writePeriod();
    const total = ['part-00001.csv', 'part-00002.csv']
      .map((f) => statSync(path.join(root, DATA, f)).size)
      .reduce((a, b) => a + b, 0);
    const fanOut = recordingFanOut(total);
    const store = new InMemoryCostStore();
    // Act
    const outcome = await arrive(root, MANIFEST, fanOut, { store });
    // Assess
    expect(fanOut.requests).toEqual([]);
    expect(outcome.status).toBe('ingested');
    expect(store.units.get('focus-daily/2026-08')?.points.length).toBeGreaterThan(0);
  });

  it('uses one execution name and reports already-started when the same period is delivered again', async () => {
    // Prepare: each data file and the manifest trigger ingest-billing, and S3 may deliver twice.
    const root = writePeriod();
    const fanOut = recordingFanOut(1);
    const store = new InMemoryCostStore();
    // Act
    const outcomes = [];
    for (const uri of [`${DATA}/part-00001.csv`, `${DATA}/part-00002.csv`, MANIFEST, MANIFEST]) {
      outcomes.push(await arrive(root, uri, fanOut, { store }));
    }
    // Assess
    const names = new Set(fanOut.requests.map((r) => r.executionName));
    expect(fanOut.requests).toHaveLength(4);
    expect(names.size).toBe(1);
    expect(outcomes.map((o) => (o.status === 'fanned-out' ? o.execution : o.status))).toEqual([
      'started',
      'already-started',
      'already-started',
      'already-started',
    ]);
    expect(store.units.size).toBe(0);
  });

  it('starts another execution when the period is restated with a new manifest', async () => {
    // Prepare
    const root = writePeriod();
    const fanOut = recordingFanOut(1);
    const store = new InMemoryCostStore();
    await arrive(root, MANIFEST, fanOut, { store });
    writeFileSync(
      path.join(root, MANIFEST),
      JSON.stringify({
        exportName: 'focus-daily',
        executionId: 'delivery-2',
        billingPeriod: '2026-08',
        dataFiles: [`exports/${DATA}/part-00001.csv`, `exports/${DATA}/part-00002.csv`],
      }),
    );
    // Act
    const restated = await arrive(root, MANIFEST, fanOut, { store });
    // Assess
    expect(restated).toMatchObject({ status: 'fanned-out', execution: 'started' });
    expect(new Set(fanOut.requests.map((r) => r.executionName)).size).toBe(2);
  });

  it('ingests a loose file inline with a warning when it is above the threshold', async () => {
    // Prepare: the merge step only plans Data Exports periods, so a loose file cannot fan out.
    const root = writePeriod({ 'loose/bill.csv': [HEADER, row('2026-08-05', 'S3', '7')].join('\n') });
    const fanOut = recordingFanOut(1);
    const warnings: string[] = [];
    const store = new InMemoryCostStore();
    // Act
    const outcome = await arrive(root, 'loose/bill.csv', fanOut, {
      store,
      log: { ...silent, warn: (message) => warnings.push(message) },
    });
    // Assess
    expect(outcome.status).toBe('ingested');
    expect(fanOut.requests).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(/exceeds the fan-out threshold/)]);
    expect(store.units.has(path.join(root, 'loose/bill.csv'))).toBe(true);
  });
});

describe('fanOutExecutionName', () => {
  it('stays within 80 characters of [0-9A-Za-z_-] when the unit id is long and has other characters', () => {
    // Prepare
    const unitId = `${'très-long export name with spaces/'.repeat(5)}2026-08`;
    const files = [{ uri: 's3://b/k', size: 1 }];
    // Act
    const name = fanOutExecutionName({ unitId, version: 'v1', files });
    // Assess
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^[0-9A-Za-z_-]+$/);
    expect(name).toMatch(/-[0-9a-f]{32}$/);
  });

  it('ignores file order and changes when a file size changes', () => {
    // Prepare
    const a = { uri: 's3://b/a.csv', size: 10 };
    const b = { uri: 's3://b/b.csv', size: 20 };
    // Act
    const one = fanOutExecutionName({ unitId: 'x/2026-08', version: 'v', files: [a, b] });
    const reordered = fanOutExecutionName({ unitId: 'x/2026-08', version: 'v', files: [b, a] });
    const resized = fanOutExecutionName({
      unitId: 'x/2026-08',
      version: 'v',
      files: [a, { ...b, size: 21 }],
    });
    // Assess
    expect(reordered).toBe(one);
    expect(resized).not.toBe(one);
  });
});
