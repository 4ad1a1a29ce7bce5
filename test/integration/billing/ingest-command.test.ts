import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { command } from '#infra/local/commands/ingest';
import { focusMicrosoft } from '../../unit/billing/support/billing-test-kit';

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
});
