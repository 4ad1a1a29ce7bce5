import { setTimeout as delay } from 'node:timers/promises';
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { parseDetail } from '#events/contract';
import { FinopsError } from '#shared/errors';
import type { OutgoingEvent, PublishEvents } from '#shared/events/publish-port';

/** PutEvents accepts at most 10 entries per call. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
/** PutEvents accepts at most 256 KB per call (and so per entry). */
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

/** One entry that could not be delivered: its detail-type and EventBridge's error code. */
export interface FailedEventEntry {
  detailType: string;
  errorCode: string;
  errorMessage?: string;
}

/** Thrown when entries still fail after every retry (or cannot be sent at all); `failed` lists them. */
export class EventPublishError extends FinopsError {
  constructor(
    readonly failed: FailedEventEntry[],
    options?: { cause?: unknown },
  ) {
    super(
      `${failed.length} event(s) not published: ${failed
        .slice(0, 10)
        .map((entry) => `${entry.detailType} (${entry.errorCode})`)
        .join(', ')}`,
      options,
    );
  }
}

/** Dependencies and tuning of the EventBridge publisher. Delays are in milliseconds. */
export interface EventBridgePublisherProps {
  client: EventBridgeClient;
  eventBusName: string;
  /** PutEvents calls per batch including the first (default 4). */
  maxAttempts?: number;
  /** First retry delay (default 100 ms), doubled per attempt with full jitter. */
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * The PublishEvents port over EventBridge PutEvents: validates every detail against its
 * contract before sending anything, sends batches of at most 10 entries and 256 KB, retries
 * the entries PutEvents reports as failed, and throws EventPublishError with those still failing.
 */
export function createEventBridgePublisher(props: EventBridgePublisherProps): PublishEvents {
  const maxAttempts = Math.max(1, props.maxAttempts ?? 4);
  const baseDelayMs = props.baseDelayMs ?? 100;
  const sleep = props.sleep ?? delay;
  const random = props.random ?? Math.random;

  return async (events: readonly OutgoingEvent[]) => {
    const entries = events.map((event) => toEntry(event, props.eventBusName));
    const failed: FailedEventEntry[] = [];
    const batches = toBatches(entries);
    for (const [batchIndex, batch] of batches.entries()) {
      let pending = batch;
      let lastErrors: FailedEventEntry[] = [];
      for (let attempt = 0; attempt < maxAttempts && pending.length > 0; attempt++) {
        if (attempt > 0) await sleep(Math.floor(random() * baseDelayMs * 2 ** attempt));
        let output: PutEventsCommandOutput;
        try {
          output = await props.client.send(new PutEventsCommand({ Entries: pending }));
        } catch (error) {
          // The SDK already retried the call itself: report this batch's pending entries and the unsent ones.
          const code = (error as { name?: string }).name ?? 'Error';
          const unsent = [...pending, ...batches.slice(batchIndex + 1).flat()];
          throw new EventPublishError(
            [...failed, ...unsent.map((entry) => ({ detailType: entry.DetailType ?? '', errorCode: code }))],
            { cause: error },
          );
        }
        if (!output.FailedEntryCount) {
          pending = [];
          break;
        }
        const retry: PutEventsRequestEntry[] = [];
        lastErrors = [];
        // Result entries are positional: the i-th result is the i-th request entry.
        pending.forEach((entry, index) => {
          const result = output.Entries?.[index];
          if (result?.ErrorCode || !result?.EventId) {
            retry.push(entry);
            lastErrors.push({
              detailType: entry.DetailType ?? '',
              errorCode: result?.ErrorCode ?? 'MissingResult',
              ...(result?.ErrorMessage ? { errorMessage: result.ErrorMessage } : {}),
            });
          }
        });
        pending = retry;
      }
      if (pending.length > 0) failed.push(...lastErrors);
    }
    if (failed.length > 0) throw new EventPublishError(failed);
  };
}

function toEntry(event: OutgoingEvent, eventBusName: string): PutEventsRequestEntry {
  const detail = JSON.stringify(parseDetail(event.contract, event.detail));
  const entry: PutEventsRequestEntry = {
    Source: event.contract.source,
    DetailType: event.contract.detailType,
    Detail: detail,
    EventBusName: eventBusName,
  };
  if (entrySize(entry) > PUT_EVENTS_MAX_BYTES) {
    throw new EventPublishError([
      {
        detailType: event.contract.detailType,
        errorCode: 'EntryTooLarge',
        errorMessage: `entry is ${entrySize(entry)} bytes; PutEvents accepts ${PUT_EVENTS_MAX_BYTES}`,
      },
    ]);
  }
  return entry;
}

/** Entry size as EventBridge counts it (Source, DetailType, Detail, Resources, Time). */
function entrySize(entry: PutEventsRequestEntry): number {
  return (
    Buffer.byteLength(entry.Source ?? '') +
    Buffer.byteLength(entry.DetailType ?? '') +
    Buffer.byteLength(entry.Detail ?? '') +
    (entry.Resources ?? []).reduce((sum, r) => sum + Buffer.byteLength(r), 0) +
    (entry.Time ? 14 : 0)
  );
}

function toBatches(entries: PutEventsRequestEntry[]): PutEventsRequestEntry[][] {
  const batches: PutEventsRequestEntry[][] = [];
  let current: PutEventsRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entrySize(entry);
    if (
      current.length === PUT_EVENTS_MAX_ENTRIES ||
      (current.length > 0 && bytes + size > PUT_EVENTS_MAX_BYTES)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
