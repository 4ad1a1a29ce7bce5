import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type BillingPartial,
  createFilePartialStore,
  InvalidPartialError,
  MissingPartialError,
  PARTIAL_SCHEMA_VERSION,
  partialKey,
} from '#shared/billing/partial-store';

const partial: BillingPartial = {
  schemaVersion: PARTIAL_SCHEMA_VERSION,
  sourceUri: 's3://exports/x/data/BILLING_PERIOD=2026-08/part-1.csv',
  format: 'focus',
  costColumn: 'EffectiveCost',
  rowsRead: 3,
  fingerprint: 'a'.repeat(64),
  rejections: [{ reason: 'unparseable cost', count: 1, firstLines: [3] }],
  settings: {
    costColumn: null,
    tagKeys: ['team'],
    billingPeriod: { start: '2026-08-01', end: '2026-09-01' },
    contributorLimit: null,
    maxCellsPerDay: null,
  },
  aggregate: {
    tagKeys: ['team'],
    buckets: [
      {
        currency: 'USD',
        day: '2026-08-01',
        // 10^-10 units beyond 2^53: must survive the JSON round trip exactly.
        series: [[-1, '', '123456789012345678901234567', 2]],
        cells: [[['S3', '111'], '123456789012345678901234567', 2]],
      },
    ],
  },
};

describe('partial store on a folder', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'partials-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('reads back exactly the partial it wrote when amounts exceed 2^53', async () => {
    // Prepare
    const store = createFilePartialStore(folder);

    // Act
    const uri = await store.write(partialKey('s3://exports/x/', partial.sourceUri), partial);
    const read = await store.read(uri);

    // Assess
    expect(read).toEqual(partial);
    expect(uri).toMatch(/partials\/[0-9a-f]{32}\/[0-9a-f]{32}\.json\.gz$/);
  });

  it('derives the same key for the same prefix and object, and another key for another object', () => {
    // Act
    const first = partialKey('s3://exports/x/', 's3://exports/x/a.csv');
    const again = partialKey('s3://exports/x/', 's3://exports/x/a.csv');
    const other = partialKey('s3://exports/x/', 's3://exports/x/b.csv');

    // Assess
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(first.split('/')[1]).toBe(other.split('/')[1]);
  });

  it('fails with MissingPartialError naming the uri when nothing was written there', async () => {
    // Prepare
    const store = createFilePartialStore(folder);
    const uri = path.join(folder, 'partials', 'nope.json.gz');

    // Act
    const attempt = store.read(uri);

    // Assess
    await expect(attempt).rejects.toThrow(MissingPartialError);
    await expect(attempt).rejects.toThrow(uri);
  });

  it('refuses a uri outside its folder', async () => {
    // Act
    const attempt = createFilePartialStore(folder).read(path.join(folder, '..', 'elsewhere.json.gz'));

    // Assess
    await expect(attempt).rejects.toThrow(InvalidPartialError);
  });
});
