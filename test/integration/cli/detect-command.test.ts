import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  generateFocusSample,
  SAMPLE_DEFAULTS,
  SAMPLE_INCIDENT,
} from '#samples/billing/generate-focus-sample';
import { runFinops } from '../../support/cli-io';

describe('finops detect over the persistent local store', () => {
  let cwd: string;
  const savedWebhook = process.env.SLACK_WEBHOOK_URL;
  beforeAll(async () => {
    cwd = mkdtempSync(path.join(tmpdir(), 'finops-detect-cli-'));
    delete process.env.SLACK_WEBHOOK_URL;
    const sample = path.join(cwd, 'sample.csv');
    generateFocusSample({ ...SAMPLE_DEFAULTS, outFile: sample });
    const ingest = await runFinops(['ingest', sample], cwd);
    expect(ingest.code).toBe(0);
  }, 60_000);
  afterAll(() => {
    process.env.SLACK_WEBHOOK_URL = savedWebhook;
    rmSync(cwd, { recursive: true, force: true });
  });

  it('announces the sample incident once and nothing on a second run over the same days', async () => {
    const range = ['--from', '2026-06-01', '--to', '2026-08-31'];

    const first = await runFinops(['detect', ...range], cwd);
    const second = await runFinops(['detect', ...range], cwd);

    expect(first.code).toBe(0);
    expect(first.stdout).toContain('1 anomalies announced');
    expect(first.stdout).toContain(`  ${SAMPLE_INCIDENT.day}  ${SAMPLE_INCIDENT.series}  `);
    expect(first.stdout).toContain('Cost anomaly detected');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('0 anomalies announced');
  }, 60_000);

  it('refuses a range that ends before it starts', async () => {
    const result = await runFinops(['detect', '--from', '2026-08-31', '--to', '2026-08-01'], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--from 2026-08-31 is after --to 2026-08-01');
  });
});
