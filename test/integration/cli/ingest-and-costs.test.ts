import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseMoney, sumMoney } from '#shared/money';
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

  it('refuses a malformed day with the option name and exit code 2', async () => {
    const result = await runFinops(['costs', '--series', 'total', '--from', '2026-13'], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--from must be a day YYYY-MM-DD, got 2026-13');
  });
});
