import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BillingFormat } from '#shared/billing/billing-formats';
import { CostAggregator, type SerializedAggregate } from '#shared/billing/cost-aggregator';
import { splitCsvStream } from '#shared/billing/csv-splitter';
import { type AggregateBillingSources, tagKeysOf } from '#shared/billing/ingest-billing';
import { RejectionCounter, type SourceReadResult } from '#shared/billing/read-billing-source';
import type { IsoDay } from '#shared/cost/cost-point';
import type { RejectionSummary } from '#shared/cost/cost-store-port';
import { FinopsError } from '#shared/errors';

/** One piece of work for a worker: a whole file, or a byte range of a plain CSV (split at a record boundary). */
export interface AggregateTask {
  file: string;
  range?: { start: number; end: number; firstLine: number; header: string[] };
  costColumn?: string;
  tagKeys: string[];
  contributorLimit?: number;
  maxCellsPerDay?: number;
  billingPeriod?: { start: IsoDay; end: IsoDay };
}

/** What a worker hands back: a partial aggregate that merges exactly. */
export interface AggregateTaskResult {
  aggregate: SerializedAggregate;
  rejections: RejectionSummary[];
  rowsRead: number;
  format: BillingFormat;
  costColumn: string;
  /** sha256 of the whole file (whole-file tasks only). */
  fingerprint?: string;
}

/** Old-generation heap of each aggregation worker, in MB. */
const WORKER_HEAP_MB = 256;

/** A worker failed; the cause carries its error message and name. */
export class WorkerAggregationError extends FinopsError {}

/**
 * Finds record boundaries near `parts` equal byte offsets of a plain CSV, outside quoted fields
 * (quote parity), and hashes the file on the way. Returns the header, the ranges with the line
 * each starts on, and the file's sha256.
 */
export async function splitCsvFile(
  file: string,
  parts: number,
): Promise<{
  header: string[];
  ranges: Array<{ start: number; end: number; firstLine: number }>;
  fingerprint: string;
}> {
  const size = statSync(file).size;
  const hash = createHash('sha256');
  let header: string[] | undefined;
  let headerEnd = -1;
  let headerLines = 1;
  await splitCsvStream(createReadStream(file, { end: Math.min(size, 1 << 20) - 1 }), (fields) => {
    header ??= fields;
  }).catch(() => {});
  // Locate the end of the header record with a quote-aware scan below.
  const targets: number[] = [];
  const boundaries: Array<{ offset: number; line: number }> = [];
  let inQuote = false;
  let line = 1;
  let offset = 0;
  let nextTarget = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 22 })) {
    const buf = chunk as Buffer;
    hash.update(buf);
    let at = 0;
    // Next quote and next newline at or after `at`, each searched again only once passed.
    let quote = buf.indexOf(34);
    let newline = buf.indexOf(10);
    while (at < buf.length) {
      if (quote !== -1 && quote < at) quote = buf.indexOf(34, at);
      if (newline !== -1 && newline < at) newline = buf.indexOf(10, at);
      if (newline === -1 && quote === -1) break;
      if (quote !== -1 && (newline === -1 || quote < newline)) {
        inQuote = !inQuote;
        at = quote + 1;
        continue;
      }
      line++;
      at = newline + 1;
      if (!inQuote) {
        const absolute = offset + at;
        if (headerEnd < 0) {
          headerEnd = absolute;
          headerLines = line;
          for (let k = 1; k < parts; k++)
            targets.push(headerEnd + Math.floor(((size - headerEnd) * k) / parts));
        } else if (nextTarget < targets.length && absolute >= targets[nextTarget]!) {
          boundaries.push({ offset: absolute, line });
          while (nextTarget < targets.length && absolute >= targets[nextTarget]!) nextTarget++;
        }
      }
    }
    offset += buf.length;
  }
  if (!header || headerEnd < 0) header ??= [];
  const starts = [{ offset: headerEnd < 0 ? size : headerEnd, line: headerLines }, ...boundaries];
  const ranges = starts
    .map((s, i) => ({ start: s.offset, end: starts[i + 1]?.offset ?? size, firstLine: s.line }))
    .filter((r) => r.end > r.start);
  return { header, ranges, fingerprint: hash.digest('hex') };
}

function runTask(task: AggregateTask): Promise<AggregateTaskResult> {
  return new Promise((resolve, reject) => {
    // A worker's entry is loaded before any --import hook applies, so bootstrap tsx's CommonJS
    // hook in a tiny eval'd entry, then require the TypeScript worker module.
    const entry = path.join(__dirname, 'aggregate-worker.ts');
    const worker = new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(entry)});`, {
      eval: true,
      workerData: task,
      // A worker's live data is its partial aggregate (bounded by series-days); without a cap V8
      // lets garbage from parsed chunks pile up (two uncapped workers peaked at 1.2 GB on 1M rows).
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    let settled = false;
    worker.once(
      'message',
      (
        message:
          | { ok: true; result: AggregateTaskResult }
          | { ok: false; error: { name: string; message: string } },
      ) => {
        settled = true;
        if (message.ok) resolve(message.result);
        else
          reject(
            new WorkerAggregationError(`${task.file}: ${message.error.message}`, { cause: message.error }),
          );
      },
    );
    worker.once('error', (error) => {
      settled = true;
      reject(new WorkerAggregationError(`${task.file}: worker failed: ${error.message}`, { cause: error }));
    });
    worker.once('exit', (code) => {
      if (!settled)
        reject(new WorkerAggregationError(`${task.file}: worker exited with code ${code} before answering`));
    });
  });
}

/** Runs tasks with at most `concurrency` workers at once, keeping results in task order. */
async function runPool(tasks: AggregateTask[], concurrency: number): Promise<AggregateTaskResult[]> {
  const results = new Array<AggregateTaskResult>(tasks.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(concurrency, tasks.length)) }, async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await runTask(tasks[index]!);
    }
  });
  await Promise.all(lanes);
  return results;
}

/**
 * The local fan-out for big inputs (what a Step Functions Distributed Map does in AWS): each
 * worker thread aggregates one file of the unit, or one byte range of a large plain CSV, and the
 * partial aggregates are merged here — sums and row counts exactly. Sources must be local paths.
 */
export function createParallelAggregate(props: {
  workers: number;
  minRangeBytes?: number;
}): AggregateBillingSources {
  const minRangeBytes = props.minRangeBytes ?? 64 << 20;
  return async (sources, options) => {
    const tagKeys = tagKeysOf(options);
    const base = {
      tagKeys,
      costColumn: options.costColumn,
      contributorLimit: options.contributorLimit,
      maxCellsPerDay: options.maxCellsPerDay,
      billingPeriod: options.billingPeriod,
    };
    const tasks: AggregateTask[] = [];
    const taskSource: number[] = [];
    const fingerprints = new Map<number, string>();
    for (const [index, source] of sources.entries()) {
      const file = source.uri;
      const plainCsv = !/\.(gz|parquet)$/i.test(file);
      const size = statSync(file).size;
      if (plainCsv && props.workers > 1 && size >= 2 * minRangeBytes) {
        const parts = Math.min(props.workers, Math.floor(size / minRangeBytes));
        const split = await splitCsvFile(file, parts);
        fingerprints.set(index, split.fingerprint);
        for (const range of split.ranges) {
          tasks.push({ ...base, file, range: { ...range, header: split.header } });
          taskSource.push(index);
        }
      } else {
        tasks.push({ ...base, file });
        taskSource.push(index);
      }
    }
    const results = await runPool(tasks, props.workers);
    const aggregator = new CostAggregator({
      tagKeys,
      contributorLimit: options.contributorLimit,
      maxCellsPerDay: options.maxCellsPerDay,
    });
    const rejections = new RejectionCounter();
    const perSource = sources.map(
      (source, index): SourceReadResult => ({
        uri: source.uri,
        format: 'focus',
        costColumn: '',
        rowsRead: 0,
        fingerprint: fingerprints.get(index) ?? '',
      }),
    );
    results.forEach((result, i) => {
      aggregator.merge(result.aggregate);
      rejections.merge(result.rejections);
      const summary = perSource[taskSource[i]!]!;
      summary.rowsRead += result.rowsRead;
      summary.format = result.format;
      summary.costColumn = result.costColumn;
      if (result.fingerprint) summary.fingerprint = result.fingerprint;
    });
    return { aggregator, rejections, sources: perSource };
  };
}
