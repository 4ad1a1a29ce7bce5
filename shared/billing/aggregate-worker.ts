// Worker thread entry of the local fan-out (parallel-aggregate.ts): aggregates each task it is
// sent and posts the serialized partial back. Loaded with tsx, so it imports TypeScript directly.
import { createReadStream } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { CostAggregator } from '#shared/billing/cost-aggregator';
import { splitCsvStream } from '#shared/billing/csv-splitter';
import { localFileSource } from '#shared/billing/local-billing-objects';
import type { AggregateTask, AggregateTaskResult } from '#shared/billing/parallel-aggregate';
import {
  csvState,
  type ReadTarget,
  RejectionCounter,
  readBillingSource,
} from '#shared/billing/read-billing-source';

async function run(task: AggregateTask): Promise<AggregateTaskResult> {
  const target: ReadTarget = {
    aggregator: new CostAggregator({
      tagKeys: task.tagKeys,
      contributorLimit: task.contributorLimit,
      maxCellsPerDay: task.maxCellsPerDay,
    }),
    rejections: new RejectionCounter(),
    mapperOptions: { tagKeys: task.tagKeys, costColumn: task.costColumn, billingPeriod: task.billingPeriod },
  };
  if (task.range) {
    const { start, end, firstLine, header } = task.range;
    const state = csvState(task.file, target, header);
    await splitCsvStream(
      createReadStream(task.file, { start, end: end - 1, highWaterMark: 1 << 20 }),
      state.onRow,
      state.onBad,
      firstLine,
      state.useSplitter,
    );
    return {
      aggregate: target.aggregator.serialize(),
      rejections: target.rejections.summaries(),
      rowsRead: state.rowsRead,
      format: state.mapper!.format,
      costColumn: state.mapper!.costColumn,
    };
  }
  const read = await readBillingSource(localFileSource(task.file), target);
  return {
    aggregate: target.aggregator.serialize(),
    rejections: target.rejections.summaries(),
    rowsRead: read.rowsRead,
    format: read.format,
    costColumn: read.costColumn,
    fingerprint: read.fingerprint,
  };
}

// The pool posts one task at a time and waits for its answer before posting the next.
parentPort!.on('message', (task: AggregateTask) => {
  run(task).then(
    (result) => parentPort!.postMessage({ ok: true, result }),
    (error: Error) =>
      parentPort!.postMessage({ ok: false, error: { name: error.name, message: error.message } }),
  );
});
