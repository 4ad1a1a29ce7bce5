import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { parseMoney, sumMoney } from '#shared/money';
import { createDynamoCostStore } from '#shared/store/dynamo-cost-store';
import { runFinops } from '../../support/cli-io';

const FOCUS_AWS = path.resolve(
  __dirname,
  '../../../../shared/data/focus/focus-1.0-finops-foundation/focus_sample_aws.csv',
);

describe('finops ingest then finops costs on the persistent local store', () => {
  let cwd: string;
  beforeAll(() => {
    cwd = mkdtempSync(path.join(tmpdir(), 'finops-cli-'));
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('prints the stored total series whose days add up to the ingestion report total', async () => {
    // Prepare: ingest the FinOps Foundation FOCUS sample (AWS part) in one command.
    const ingest = await runFinops(['ingest', FOCUS_AWS, '--json'], cwd);
    expect(ingest.stderr).toBe('');
    expect(ingest.code).toBe(0);
    const outcomes = JSON.parse(ingest.stdout) as Array<{
      status: string;
      report: { totals: Array<{ currency: string; amount: string }> };
    }>;
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['ingested']);
    const usd = outcomes[0]?.report.totals.find((total) => total.currency === 'USD');

    // Act: a second command reads the series back from the same folder.
    const costs = await runFinops(['costs', '--series', 'total', '--json'], cwd);

    // Assess
    expect(costs.code).toBe(0);
    const series = JSON.parse(costs.stdout) as { points: Array<{ day: string; amount: string }> };
    expect(series.points.length).toBeGreaterThan(20);
    expect(sumMoney(series.points.map((point) => parseMoney(point.amount)))).toBe(
      parseMoney(usd?.amount ?? 'x'),
    );
  }, 60_000);

  it('stores series sums without contributors when --contributors 0 is given', async () => {
    // Prepare: two fresh local stores, one ingested with the default, one with --contributors 0.
    const withDefault = mkdtempSync(path.join(tmpdir(), 'finops-cli-'));
    const seriesOnly = mkdtempSync(path.join(tmpdir(), 'finops-cli-'));
    try {
      // Act
      const ingested = await runFinops(['ingest', FOCUS_AWS, '--json'], withDefault);
      const ingestedSeriesOnly = await runFinops(
        ['ingest', FOCUS_AWS, '--contributors', '0', '--json'],
        seriesOnly,
      );
      const refused = await runFinops(['ingest', FOCUS_AWS, '--contributors', '-1'], seriesOnly);
      // Assess: same sums, contributors only in the default store.
      expect([ingested.code, ingestedSeriesOnly.code, refused.code]).toEqual([0, 0, 2]);
      expect(refused.stderr).toContain('--contributors must be an integer 0..100, got -1');
      const [full, bare] = [await storedTotal(withDefault), await storedTotal(seriesOnly)];
      expect(bare.map((p) => [p.day, p.amount])).toEqual(full.map((p) => [p.day, p.amount]));
      expect(full.some((p) => (p.contributors?.length ?? 0) > 0)).toBe(true);
      expect(bare.every((p) => (p.contributors?.length ?? 0) === 0)).toBe(true);
    } finally {
      rmSync(withDefault, { recursive: true, force: true });
      rmSync(seriesOnly, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses a malformed day with the option name and exit code 2', async () => {
    const result = await runFinops(['costs', '--series', 'total', '--from', '2026-13'], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--from must be a day YYYY-MM-DD, got 2026-13');
  });
});

/** The stored USD total series of a local store folder. */
async function storedTotal(cwd: string) {
  const dynamo = await startEmbeddedDynamo({ path: path.join(cwd, '.finops', 'dynamo') });
  try {
    const store = createDynamoCostStore({
      documentClient: dynamo.documentClient,
      tableName: dynamo.tableName,
    });
    return await store.readSeries(
      { seriesKey: 'total', currency: 'USD' },
      { from: '2000-01-01', to: '2100-01-01' },
    );
  } finally {
    await dynamo.stop();
  }
}
