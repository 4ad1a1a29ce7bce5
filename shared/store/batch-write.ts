import { setTimeout as delay } from 'node:timers/promises';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { FinopsError } from '#shared/errors';
import type { DocumentClientLike } from '#shared/store/dynamo-client';
import { TableKey } from '#shared/store/table-schema';

/** One BatchWriteItem request in DocumentClient (native JS) shape. */
export type WriteRequest =
  | { PutRequest: { Item: Record<string, unknown> }; DeleteRequest?: undefined }
  | { DeleteRequest: { Key: Record<string, unknown> }; PutRequest?: undefined };

/** Tuning and test seams of batchWriteAll. Delays are in milliseconds. */
export interface BatchWriteOptions {
  /** Calls per batch including the first (default 8). */
  maxAttempts?: number;
  /** First retry delay (default 50 ms); doubles each attempt, with full jitter, capped by maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Batches in flight at once (default 4). */
  concurrency?: number;
  /** Key attribute names, for de-duplication (default the table's pk/sk). */
  keyAttributes?: readonly string[];
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** DynamoDB's limit of requests per BatchWriteItem call. */
export const BATCH_WRITE_LIMIT = 25;

/** Thrown when some requests could not be written after every retry; `failed` lists them. */
export class BatchWriteError extends FinopsError {
  constructor(
    readonly tableName: string,
    readonly failed: WriteRequest[],
    options?: { cause?: unknown },
  ) {
    super(
      `BatchWriteItem on ${tableName} left ${failed.length} request(s) unprocessed after every retry; ` +
        're-run the operation (it is idempotent) or raise the table capacity',
      options,
    );
  }
}

/** Full-jitter exponential backoff: a random delay in [0, min(max, base·2^attempt)). */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** attempt));
}

/**
 * Writes every request with BatchWriteItem: de-duplicates requests on the same key (the last
 * one wins; DynamoDB rejects a batch with duplicate keys), splits into batches of 25, keeps a
 * few batches in flight, retries UnprocessedItems with backoff, and throws BatchWriteError with
 * whatever is still unprocessed. Returns the number of requests written.
 */
export async function batchWriteAll(
  documentClient: DocumentClientLike,
  tableName: string,
  requests: readonly WriteRequest[],
  options: BatchWriteOptions = {},
): Promise<number> {
  const keyAttributes = options.keyAttributes ?? [TableKey.partition, TableKey.sort];
  const unique = dedupeByKey(requests, keyAttributes);
  const batches: WriteRequest[][] = [];
  for (let at = 0; at < unique.length; at += BATCH_WRITE_LIMIT) {
    batches.push(unique.slice(at, at + BATCH_WRITE_LIMIT));
  }
  const failed: WriteRequest[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      failed.push(...(await writeBatch(documentClient, tableName, batch, options)));
    }
  };
  const concurrency = Math.max(1, options.concurrency ?? 4);
  await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
  if (failed.length > 0) throw new BatchWriteError(tableName, failed);
  return unique.length;
}

/** Writes one batch, retrying its unprocessed part; returns what is still unprocessed. */
async function writeBatch(
  documentClient: DocumentClientLike,
  tableName: string,
  batch: WriteRequest[],
  options: BatchWriteOptions,
): Promise<WriteRequest[]> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 8);
  const sleep = options.sleep ?? delay;
  const random = options.random ?? Math.random;
  let pending = batch;
  for (let attempt = 0; attempt < maxAttempts && pending.length > 0; attempt++) {
    if (attempt > 0) {
      await sleep(backoffDelayMs(attempt, options.baseDelayMs ?? 50, options.maxDelayMs ?? 2000, random));
    }
    const output = await documentClient.send(
      new BatchWriteCommand({ RequestItems: { [tableName]: pending as never } }),
    );
    pending = (output.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
  }
  return pending;
}

function dedupeByKey(requests: readonly WriteRequest[], keyAttributes: readonly string[]): WriteRequest[] {
  const byKey = new Map<string, WriteRequest>();
  for (const request of requests) {
    const source = request.PutRequest ? request.PutRequest.Item : request.DeleteRequest!.Key;
    const key = JSON.stringify(keyAttributes.map((name) => source[name]));
    // Delete then re-insert so the survivor takes the position of the last occurrence.
    byKey.delete(key);
    byKey.set(key, request);
  }
  return [...byKey.values()];
}
