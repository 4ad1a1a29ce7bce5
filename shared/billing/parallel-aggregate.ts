import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BillingFormat } from '#shared/billing/billing-formats';
import { CostAggregator, type SerializedAggregate } from '#shared/billing/cost-aggregator';
import { splitCsvStream } from '#shared/billing/csv-splitter';
import { createFingerprint } from '#shared/billing/file-fingerprint';
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
  const hash = createFingerprint();
  try {
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
    return { header, ranges, fingerprint: await hash.digest() };
  } finally {
    hash.close();
  }
}

type WorkerReply =
  | { ok: true; result: AggregateTaskResult }
  | { ok: false; error: { name: string; message: string } };

interface Job {
  task: AggregateTask;
  resolve: (result: AggregateTaskResult) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** The job the worker is running, if any. */
  job: Job | undefined;
}

/**
 * Aggregation worker threads started before their tasks are known (module loading overlaps the
 * main thread's pre-scan) and kept for every task of the unit, so start-up is paid once per
 * worker, not once per file or range. Tasks run in submission order as workers free up; the
 * first failure fails every task still waiting.
 */
class AggregationPool {
  private readonly slots: Slot[] = [];
  private readonly idle: Slot[] = [];
  private readonly queue: Job[] = [];
  private failure: Error | undefined;

  constructor(size: number) {
    for (let i = 0; i < size; i++) this.start();
  }

  private start(): void {
    // A worker's entry is loaded before any --import hook applies, so bootstrap tsx's CommonJS
    // hook in a tiny eval'd entry, then require the TypeScript worker module.
    const entry = path.join(__dirname, 'aggregate-worker.ts');
    const worker = new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(entry)});`, {
      eval: true,
      // A worker's live data is its partial aggregate (bounded by series-days); without a cap V8
      // lets garbage from parsed chunks pile up (two uncapped workers peaked at 1.2 GB on 1M rows).
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    const slot: Slot = { worker, job: undefined };
    worker.on('message', (reply: WorkerReply) => {
      const job = slot.job;
      slot.job = undefined;
      if (job && reply.ok) job.resolve(reply.result);
      else if (job && !reply.ok) {
        job.reject(
          new WorkerAggregationError(`${job.task.file}: ${reply.error.message}`, { cause: reply.error }),
        );
      }
      this.idle.push(slot);
      this.dispatch();
    });
    worker.once('error', (error) =>
      this.fail(slot, new WorkerAggregationError(`worker failed: ${error.message}`, { cause: error })),
    );
    worker.once('exit', (code) => {
      this.slots.splice(this.slots.indexOf(slot), 1);
      const at = this.idle.indexOf(slot);
      if (at >= 0) this.idle.splice(at, 1);
      if (slot.job !== undefined || this.slots.length === 0)
        this.fail(slot, new WorkerAggregationError(`worker exited with code ${code} before answering`));
    });
    this.slots.push(slot);
    this.idle.push(slot);
  }

  private fail(slot: Slot, error: Error): void {
    const job = slot.job;
    slot.job = undefined;
    if (job === undefined && this.queue.length === 0) return;
    this.failure ??= error;
    job?.reject(error);
    for (const waiting of this.queue.splice(0)) waiting.reject(error);
  }

  /** Runs one task on the next free worker. */
  run(task: AggregateTask): Promise<AggregateTaskResult> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const slot = this.idle.shift()!;
      slot.job = this.queue.shift()!;
      slot.worker.postMessage(slot.job.task);
    }
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    await Promise.all([...this.slots].map((slot) => slot.worker.terminate()));
  }
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
    // How many tasks each source becomes: byte ranges for a large plain CSV, else the whole file.
    const plan = sources.map((source) => {
      const size = statSync(source.uri).size;
      const plainCsv = !/\.(gz|parquet)$/i.test(source.uri);
      return plainCsv && props.workers > 1 && size >= 2 * minRangeBytes
        ? Math.min(props.workers, Math.floor(size / minRangeBytes))
        : 1;
    });
    const pool = new AggregationPool(
      Math.max(
        1,
        Math.min(
          props.workers,
          plan.reduce((a, b) => a + b, 0),
        ),
      ),
    );
    const aggregator = new CostAggregator({
      tagKeys,
      contributorLimit: options.contributorLimit,
      maxCellsPerDay: options.maxCellsPerDay,
    });
    const rejections = new RejectionCounter();
    const perSource = sources.map(
      (source): SourceReadResult => ({
        uri: source.uri,
        format: 'focus',
        costColumn: '',
        rowsRead: 0,
        fingerprint: '',
      }),
    );
    try {
      // Tasks are submitted as soon as they are known (a whole file while the next one is
      // pre-scanned) and merged in submission order, so the result does not depend on timing.
      const pending: Array<{ source: number; result: Promise<AggregateTaskResult> }> = [];
      const settle = (promise: Promise<AggregateTaskResult>) => {
        promise.catch(() => {}); // awaited below, in order; no unhandled rejection meanwhile
        return promise;
      };
      for (const [index, source] of sources.entries()) {
        const file = source.uri;
        if (plan[index]! > 1) {
          const split = await splitCsvFile(file, plan[index]!);
          perSource[index]!.fingerprint = split.fingerprint;
          for (const range of split.ranges) {
            const result = settle(pool.run({ ...base, file, range: { ...range, header: split.header } }));
            pending.push({ source: index, result });
          }
        } else {
          pending.push({ source: index, result: settle(pool.run({ ...base, file })) });
        }
      }
      for (const { source, result: promise } of pending) {
        const result = await promise;
        aggregator.merge(result.aggregate);
        rejections.merge(result.rejections);
        const summary = perSource[source]!;
        summary.rowsRead += result.rowsRead;
        summary.format = result.format;
        summary.costColumn = result.costColumn;
        if (result.fingerprint) summary.fingerprint = result.fingerprint;
      }
    } finally {
      await pool.close();
    }
    return { aggregator, rejections, sources: perSource };
  };
}
