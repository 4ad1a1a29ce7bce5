import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CostAggregator } from '#shared/billing/cost-aggregator';
import { createFingerprint } from '#shared/billing/file-fingerprint';
import { RejectionCounter, readBillingSource } from '#shared/billing/read-billing-source';
import { fileSource, focusAws } from './support/billing-test-kit';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Feeds `bytes` in chunks of the given sizes, cycling through them. */
async function fingerprintOf(bytes: Uint8Array, chunkSizes: number[], threadFromBytes?: number) {
  const fingerprint = createFingerprint({ threadFromBytes });
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = chunkSizes[i % chunkSizes.length]!;
    fingerprint.update(bytes.subarray(at, at + size));
    at += size;
  }
  return fingerprint.digest();
}

describe('createFingerprint', () => {
  const bytes = randomBytes(3 * (1 << 20) + 12_345);

  it.each([
    ['in this thread', undefined],
    ['on a worker thread from the first MiB', 1 << 20],
    ['on a worker thread from the first byte', 1],
  ])('equals the sha256 of the bytes when hashed %s', async (_label, threadFromBytes) => {
    // Act
    const digest = await fingerprintOf(bytes, [1, 65_536, 1_048_577, 7], threadFromBytes);
    // Assess
    expect(digest).toBe(sha256(bytes));
  });

  it('gives the sha256 of nothing when no bytes arrive', async () => {
    // Act
    const digest = await createFingerprint({ threadFromBytes: 1 }).digest();
    // Assess
    expect(digest).toBe(sha256(new Uint8Array(0)));
  });

  it('reports the file sha256 as the fingerprint of a billing file larger than the thread threshold', async () => {
    // Prepare: the FOCUS sample repeated past 16 MiB, so the hash runs on the worker thread.
    const [header, ...rows] = readFileSync(focusAws, 'utf8').trimEnd().split('\n');
    const body = rows.join('\n');
    const parts = [header];
    while (parts.join('\n').length < 17 << 20) parts.push(body);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'fingerprint-')), 'big.csv');
    writeFileSync(file, `${parts.join('\n')}\n`);
    const target = {
      aggregator: new CostAggregator({ tagKeys: [], contributorLimit: 0 }),
      rejections: new RejectionCounter(),
      mapperOptions: { tagKeys: [] },
    };
    // Act
    const result = await readBillingSource(fileSource(file), target);
    // Assess
    expect(result.fingerprint).toBe(sha256(readFileSync(file)));
    expect(result.rowsRead).toBeGreaterThan(20_000);
  });
});
