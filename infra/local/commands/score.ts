import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { access, rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { type CliCommand, UsageError } from '#infra/local/commands/command';
import { GenericDetector } from '#shared/detect/generic-detector';
import {
  detectProfile,
  parseTimestamp,
  type RowScore,
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

/** Column positions of `timestamp` and `value` in a CSV header (other columns ignored). */
function parseHeader(line: string): { timestampColumn: number; valueColumn: number } {
  const header = line
    .replace(/^\uFEFF/, '')
    .split(',')
    .map((cell) => cell.trim().toLowerCase());
  const timestampColumn = header.indexOf('timestamp');
  const valueColumn = header.indexOf('value');
  if (timestampColumn < 0 || valueColumn < 0) {
    throw new InvalidInputError(
      `the CSV header must contain timestamp and value, got ${JSON.stringify(line)}`,
    );
  }
  return { timestampColumn, valueColumn };
}

/** One parsed data row with its original texts (echoed unchanged in the output). */
interface ParsedRow {
  timestamp: string;
  value: string;
  row: ScoreRow;
}

/** Parses one data line; `lineNumber` (1-based, header = 1) is for the error message. */
function parseLine(
  line: string,
  lineNumber: number,
  columns: { timestampColumn: number; valueColumn: number },
): ParsedRow {
  const cells = line.split(',');
  const timestamp = cells[columns.timestampColumn] ?? '';
  const value = cells[columns.valueColumn] ?? '';
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) {
    throw new InvalidInputError(`line ${lineNumber}: value ${JSON.stringify(value)} is not a number`);
  }
  return { timestamp, value, row: { timestampMs: parseTimestamp(timestamp), value: number } };
}

/** Writes one line, waiting for the stream to drain when its buffer is full. */
async function writeLine(out: WriteStream, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await once(out, 'drain');
}

/** The output line for one scored row. */
function outputLine(parsed: ParsedRow, score: RowScore): string {
  return `${parsed.timestamp},${parsed.value},${Number(score.score.toFixed(6))},${score.isAnomaly ? 1 : 0}`;
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
    // Streaming: rows are read with a line reader and, for the generic profile, each output row
    // is written as soon as it is scored, so memory does not grow with the file. The cost profile
    // (daily rows, so small files) buffers its rows: its detector evaluates the day series whole.
    const inputPath = path.resolve(io.cwd, input);
    const outputPath = path.resolve(io.cwd, flags.out);
    // Fail on a missing input before the output file is created.
    await access(inputPath);
    const lines = createInterface({
      input: createReadStream(inputPath, 'utf8'),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    const out = createWriteStream(outputPath);
    const closed = once(out, 'close');
    let columns: { timestampColumn: number; valueColumn: number } | undefined;
    let profile: ScoreProfile | undefined = profileFlag as ScoreProfile | undefined;
    let detector: GenericDetector | undefined;
    const pending: ParsedRow[] = [];
    let rows = 0;
    let anomalies = 0;
    let lineNumber = 0;
    const emitGeneric = async (parsed: ParsedRow): Promise<void> => {
      detector ??= new GenericDetector();
      const score = detector.push(parsed.row.value);
      if (score.isAnomaly) anomalies += 1;
      await writeLine(out, outputLine(parsed, score));
    };
    try {
      await writeLine(out, 'timestamp,value,anomaly_score,is_anomaly');
      for await (const line of lines) {
        lineNumber += 1;
        if (columns === undefined) {
          columns = parseHeader(line);
          continue;
        }
        if (line.trim() === '') continue;
        const parsed = parseLine(line, lineNumber, columns);
        rows += 1;
        if (profile === 'generic') {
          await emitGeneric(parsed);
          continue;
        }
        pending.push(parsed);
        // Without --profile, the spacing of the first two rows decides.
        if (profile === undefined && pending.length === 2) {
          profile = detectProfile(pending.map((p) => p.row));
          if (profile === 'generic') {
            for (const earlier of pending.splice(0)) await emitGeneric(earlier);
          }
        }
      }
      if (columns === undefined) {
        throw new InvalidInputError('the CSV header must contain timestamp and value, got ""');
      }
      profile ??= detectProfile(pending.map((p) => p.row));
      if (pending.length > 0) {
        const scores = scoreRows(
          pending.map((p) => p.row),
          profile,
          {
            cost: {
              ...(minImpact !== undefined ? { minImpact } : {}),
              ...(minImpactPercent !== undefined ? { minImpactPercent } : {}),
            },
          },
        );
        for (const [i, score] of scores.entries()) {
          if (score.isAnomaly) anomalies += 1;
          await writeLine(out, outputLine(pending[i] as ParsedRow, score));
        }
      }
    } catch (error) {
      // No half-written output is left behind when a row is rejected mid-file.
      lines.close();
      out.destroy();
      await closed.catch(() => undefined);
      await rm(outputPath, { force: true });
      throw error;
    }
    lines.close();
    out.end();
    await closed;
    io.stdout.write(
      `scored ${rows} rows with the ${profile} profile: ${anomalies} anomalies → ${flags.out}\n`,
    );
    return 0;
  },
};
