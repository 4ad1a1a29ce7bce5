import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type CliCommand, UsageError } from '#infra/local/commands/command';
import {
  detectProfile,
  parseTimestamp,
  type ScoreProfile,
  type ScoreRow,
  scoreRows,
} from '#shared/detect/score-rows';
import { InvalidInputError } from '#shared/errors';

/** Splits `--flag value` options from positional arguments. */
function parseArgs(args: string[]): { positional: string[]; flags: Record<string, string> } {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (arg.startsWith('--')) {
      const value = args[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      flags[arg.slice(2)] = value;
      i += 1;
    } else {
      positional.push(arg);
    }
  }
  return { positional, flags };
}

/** Parses a `timestamp,value` CSV (header required; other columns ignored), keeping the original texts. */
function readSeriesCsv(text: string): { texts: Array<[string, string]>; rows: ScoreRow[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((cell) => cell.trim().toLowerCase());
  const timestampColumn = header.indexOf('timestamp');
  const valueColumn = header.indexOf('value');
  if (timestampColumn < 0 || valueColumn < 0) {
    throw new InvalidInputError(
      `the CSV header must contain timestamp and value, got ${JSON.stringify(lines[0] ?? '')}`,
    );
  }
  const texts: Array<[string, string]> = [];
  const rows: ScoreRow[] = [];
  lines.slice(1).forEach((line, index) => {
    if (line.trim() === '') return;
    const cells = line.split(',');
    const timestamp = cells[timestampColumn] ?? '';
    const value = cells[valueColumn] ?? '';
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number)) {
      throw new InvalidInputError(`line ${index + 2}: value ${JSON.stringify(value)} is not a number`);
    }
    texts.push([timestamp, value]);
    rows.push({ timestampMs: parseTimestamp(timestamp), value: number });
  });
  return { texts, rows };
}

/** `finops score`: scores any `timestamp,value` CSV with the product's detectors, row for row. */
export const command: CliCommand = {
  name: 'score',
  summary: 'score a timestamp,value CSV for anomalies (cost or generic profile)',
  usage:
    'finops score <in.csv> --out <out.csv> [--profile cost|generic] [--min-impact <money>] [--min-impact-percent <n>]',
  async run(args, io) {
    const { positional, flags } = parseArgs(args);
    const [input] = positional;
    if (input === undefined || positional.length !== 1)
      throw new UsageError('exactly one input CSV is required');
    if (flags.out === undefined) throw new UsageError('--out <out.csv> is required');
    const profileFlag = flags.profile;
    if (profileFlag !== undefined && profileFlag !== 'cost' && profileFlag !== 'generic') {
      throw new UsageError(`--profile must be cost or generic, got ${JSON.stringify(profileFlag)}`);
    }
    const numberFlag = (name: string): number | undefined => {
      const text = flags[name];
      if (text === undefined) return undefined;
      const value = Number(text);
      if (!Number.isFinite(value) || value < 0)
        throw new UsageError(`--${name} must be a non-negative number, got ${text}`);
      return value;
    };
    const minImpact = numberFlag('min-impact');
    const minImpactPercent = numberFlag('min-impact-percent');
    const { texts, rows } = readSeriesCsv(readFileSync(path.resolve(io.cwd, input), 'utf8'));
    const profile: ScoreProfile = (profileFlag as ScoreProfile | undefined) ?? detectProfile(rows);
    const scores = scoreRows(rows, profile, {
      cost: {
        ...(minImpact !== undefined ? { minImpact } : {}),
        ...(minImpactPercent !== undefined ? { minImpactPercent } : {}),
      },
    });
    const out = ['timestamp,value,anomaly_score,is_anomaly'];
    scores.forEach((score, i) => {
      const [timestamp, value] = texts[i] as [string, string];
      out.push(`${timestamp},${value},${Number(score.score.toFixed(6))},${score.isAnomaly ? 1 : 0}`);
    });
    writeFileSync(path.resolve(io.cwd, flags.out), `${out.join('\n')}\n`);
    const anomalies = scores.filter((score) => score.isAnomaly).length;
    io.stdout.write(
      `scored ${rows.length} rows with the ${profile} profile: ${anomalies} anomalies → ${flags.out}\n`,
    );
    return 0;
  },
};
