import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { command } from '#infra/local/commands/score';

const nabFile = path.resolve(__dirname, '../../..', '..', 'shared/data/nab/data/realTraffic/speed_7578.csv');

async function score(dir: string, input: string, output: string, extra: string[] = []): Promise<string[]> {
  const stdout = new PassThrough();
  const code = await command.run([input, '--out', output, ...extra], {
    stdout,
    stderr: new PassThrough(),
    cwd: dir,
  });
  expect(code).toBe(0);
  return readFileSync(path.join(dir, output), 'utf8').trim().split('\n');
}

function dailyCsv(days: number): string {
  const lines = ['timestamp,value'];
  for (let i = 0; i < days; i += 1) {
    const day = new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10);
    const weekend = [0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay());
    lines.push(`${day},${(weekend ? 600 : 1000) + ((i * 37) % 50) + (i === 60 ? 3000 : 0)}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('finops score', () => {
  it.each([
    ['generic', nabFile, 800],
    ['cost', 'daily.csv', 61],
  ])(
    'gives the same rows for a prefix as the full run when the profile is %s',
    async (_profile, source, prefixRows) => {
      // Prepare
      const dir = mkdtempSync(path.join(tmpdir(), 'finops-score-'));
      const text = source === 'daily.csv' ? dailyCsv(90) : readFileSync(source, 'utf8');
      const lines = text.trim().split('\n');
      writeFileSync(path.join(dir, 'full.csv'), `${lines.join('\n')}\n`);
      writeFileSync(path.join(dir, 'prefix.csv'), `${lines.slice(0, prefixRows + 1).join('\n')}\n`);
      // Act
      const full = await score(dir, 'full.csv', 'full.out.csv');
      const prefix = await score(dir, 'prefix.csv', 'prefix.out.csv');
      // Assess
      expect(full).toHaveLength(lines.length);
      expect(full[0]).toBe('timestamp,value,anomaly_score,is_anomaly');
      expect(prefix).toEqual(full.slice(0, prefixRows + 1));
    },
  );

  it('auto-detects the cost profile for daily rows and flags the injected spike only', async () => {
    // Prepare
    const dir = mkdtempSync(path.join(tmpdir(), 'finops-score-'));
    writeFileSync(path.join(dir, 'daily.csv'), dailyCsv(90));
    // Act
    const rows = await score(dir, 'daily.csv', 'out.csv');
    // Assess
    const flagged = rows.slice(1).filter((row) => row.endsWith(',1'));
    expect(flagged.map((row) => row.split(',')[0])).toEqual(['2026-03-02']);
    expect(
      rows.slice(1).every((row) => {
        const s = Number(row.split(',')[2]);
        return s >= 0 && s <= 1;
      }),
    ).toBe(true);
  });

  it('rejects a file without the timestamp,value header', async () => {
    // Prepare
    const dir = mkdtempSync(path.join(tmpdir(), 'finops-score-'));
    writeFileSync(path.join(dir, 'bad.csv'), 'when,amount\n2026-01-01,1\n');
    // Act
    const run = command.run(['bad.csv', '--out', 'x.csv'], {
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      cwd: dir,
    });
    // Assess
    await expect(run).rejects.toThrow(/timestamp and value/);
  });

  it('reads a BOM header and CRLF line ends when the file comes from a spreadsheet', async () => {
    // Prepare
    const dir = mkdtempSync(path.join(tmpdir(), 'finops-score-'));
    const lines = readFileSync(nabFile, 'utf8').trim().split('\n').slice(0, 400);
    writeFileSync(path.join(dir, 'lf.csv'), `${lines.join('\n')}\n`);
    writeFileSync(path.join(dir, 'crlf.csv'), `\uFEFF${lines.join('\r\n')}\r\n`);
    // Act
    const lf = await score(dir, 'lf.csv', 'lf.out.csv', ['--profile', 'generic']);
    const crlf = await score(dir, 'crlf.csv', 'crlf.out.csv', ['--profile', 'generic']);
    // Assess
    expect(crlf).toHaveLength(400);
    expect(crlf).toEqual(lf);
  });

  it('rejects a non-numeric value after many good rows and leaves no output file behind', async () => {
    // Prepare
    const dir = mkdtempSync(path.join(tmpdir(), 'finops-score-'));
    const lines = readFileSync(nabFile, 'utf8').trim().split('\n').slice(0, 600);
    writeFileSync(path.join(dir, 'bad.csv'), `${lines.join('\n')}\n2015-09-20 00:00:00,n/a\n`);
    // Act
    const run = command.run(['bad.csv', '--out', 'out.csv', '--profile', 'generic'], {
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      cwd: dir,
    });
    // Assess
    await expect(run).rejects.toThrow(/line 601: value "n\/a" is not a number/);
    expect(existsSync(path.join(dir, 'out.csv'))).toBe(false);
  });
});
