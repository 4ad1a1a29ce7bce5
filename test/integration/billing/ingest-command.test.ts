import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { command } from '#infra/local/commands/ingest';
import { runFinops } from '../../support/cli-io';
import { focusMicrosoft, writeLegacyCurReport } from '../../unit/billing/support/billing-test-kit';

function io(cwd: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => {
    out += chunk;
  });
  stderr.on('data', (chunk) => {
    err += chunk;
  });
  return { io: { stdout, stderr, cwd }, out: () => out, err: () => err };
}

describe('finops ingest', () => {
  it('stores the file in the local store and reports it unchanged when run twice', async () => {
    // Prepare
    const cwd = mkdtempSync(path.join(tmpdir(), 'finops-ingest-'));
    const first = io(cwd);
    const second = io(cwd);
    // Act
    const firstCode = await command.run([focusMicrosoft, '--json'], first.io);
    const secondCode = await command.run(
      [focusMicrosoft, '--tag-keys', 'cost-center,team,environment,application'],
      second.io,
    );
    // Assess
    expect(firstCode).toBe(0);
    const [result] = JSON.parse(first.out()) as Array<{
      status: string;
      report: { rowsRead: number; totals: unknown };
    }>;
    expect(result).toMatchObject({
      status: 'ingested',
      report: { rowsRead: 51, totals: [{ currency: 'USD', amount: '1.9765141858' }] },
    });
    expect(secondCode).toBe(0);
    expect(second.out()).toContain('version: unchanged');
    expect(second.out()).toContain('rows read: 51');
  }, 30_000);

  it('refuses with a usage error when the cost column is not one we know', async () => {
    // Prepare
    const cwd = mkdtempSync(path.join(tmpdir(), 'finops-ingest-'));
    const run = io(cwd);
    // Act
    const attempt = command.run([focusMicrosoft, '--cost-column', 'Cheapest'], run.io);
    // Assess
    await expect(attempt).rejects.toThrow(/--cost-column must be one of EffectiveCost/);
  });

  it('ingests a downloaded legacy CUR report version once and says which files it ignored', async () => {
    // Prepare
    const cwd = mkdtempSync(path.join(tmpdir(), 'finops-ingest-legacy-'));
    writeLegacyCurReport(path.join(cwd, 'bucket'), { root: 'cur/', name: 'acme', assemblyId: 'asm-1' });
    // Act
    const { code, stdout } = await runFinops(['ingest', 'bucket'], cwd);
    // Assess
    expect(code).toBe(0);
    const ingested = stdout.split('\n').filter((line) => line.startsWith('ingested '));
    expect(ingested).toEqual(['ingested acme/2023-11 (cur-legacy, cost column unblended)']);
    expect(stdout).toContain('rows read: 1281');
    const ignored = stdout.split('\n').filter((line) => line.startsWith('ignored '));
    expect(ignored.map((line) => path.basename(line.slice(8, line.indexOf(':'))))).toEqual([
      'acme-Manifest.json',
      'acme-RedshiftManifest.json',
    ]);
  }, 30_000);
});
