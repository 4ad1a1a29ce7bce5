import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { eventPattern, ROUTES, type Route } from '#events/routing';
import { type EventPattern, matchesEventPattern } from './event-pattern';
import { closeServer, listenOnLoopback } from './loopback';

/** A rule of the local bus: events matching `pattern` go to the consumer named `consumer`. */
export interface LocalBusRule {
  name: string;
  pattern: EventPattern;
  consumer: string;
}

/** A consumer: a function that receives the EventBridge envelope, e.g. a Lambda handler wrapper. */
export type BusConsumer = (event: EventBridgeEvent<string, unknown>) => Promise<unknown>;

/** One delivery attempt series of one event to one consumer. */
export interface DeliveryRecord {
  eventId: string;
  detailType: string;
  rule: string;
  consumer: string;
  status: 'delivered' | 'dead-lettered' | 'no-consumer';
  attempts: number;
  durationMs: number;
}

/** An event a consumer kept failing on, with the last error (the local dead-letter queue). */
export interface DeadLetter {
  consumer: string;
  rule: string;
  event: EventBridgeEvent<string, unknown>;
  error: unknown;
  attempts: number;
}

/** An entry to publish in process (e.g. an S3 "Object Created" event, which AWS services emit themselves). */
export interface LocalPutEntry {
  source: string;
  detailType: string;
  detail: unknown;
  time?: Date;
  resources?: string[];
  account?: string;
  region?: string;
}

export interface LocalBusProps {
  /** Default: one rule per route of the routing table, with its deployed event pattern. */
  rules?: readonly LocalBusRule[];
  /** When set, PutEvents entries addressed to another bus fail with ResourceNotFoundException. */
  eventBusName?: string;
  account?: string;
  region?: string;
  /** Retries after the first failed delivery, as the CDK targets' retry policy (default 2). */
  maxRetries?: number;
  /** Wait before the first retry, doubled for each further one (default 50 ms; EventBridge waits longer). */
  retryDelayMs?: number;
  /** Called after each delivery record is written (for live progress output). */
  onDelivery?: (record: DeliveryRecord) => void;
}

/** The in-process EventBridge bus, reachable by the real EventBridgeClient at `endpoint`. */
export interface LocalBus {
  /** `http://127.0.0.1:<port>`: use as AWS_ENDPOINT_URL_EVENTBRIDGE or the client's `endpoint`. */
  endpoint: string;
  /** Registers the function behind a consumer name of the rules (e.g. `notify-slack`). */
  register(consumer: string, handler: BusConsumer): void;
  /** Adds a rule, e.g. the S3 → ingest-billing trigger that is not in the routing table. */
  addRule(rule: LocalBusRule): void;
  /** Publishes one event in process (what AWS services do themselves); returns its id. */
  putEvent(entry: LocalPutEntry): string;
  /** Makes the next `count` PutEvents entries fail with `errorCode`, to test publishers' retries. */
  failNextEntries(count: number, errorCode?: string): void;
  /** Resolves when no delivery is pending, including deliveries of events published by consumers. */
  drain(): Promise<void>;
  /** Every event accepted, in order. */
  readonly events: readonly EventBridgeEvent<string, unknown>[];
  readonly deliveries: readonly DeliveryRecord[];
  readonly deadLetters: readonly DeadLetter[];
  stop(): Promise<void>;
}

/** One rule per route of a routing table, named like the CDK rules (`<consumer>-rule`). */
export function rulesFromRoutes(routes: readonly Route[] = ROUTES): LocalBusRule[] {
  return routes.map((route) => ({
    name: `${route.consumer}-rule`,
    pattern: eventPattern(route),
    consumer: route.consumer,
  }));
}

const MAX_ENTRIES_PER_REQUEST = 10;
const MAX_ENTRY_BYTES = 256 * 1024;

/**
 * Starts the bus as a loopback HTTP server speaking the PutEvents JSON 1.1 protocol. Matching
 * events are delivered asynchronously to registered consumers (each consumer gets its own copy),
 * retried `maxRetries` times, then dead-lettered with the error, like an EventBridge target.
 */
export async function startLocalBus(props: LocalBusProps = {}): Promise<LocalBus> {
  const rules: LocalBusRule[] = [...(props.rules ?? rulesFromRoutes())];
  const consumers = new Map<string, BusConsumer>();
  const events: EventBridgeEvent<string, unknown>[] = [];
  const deliveries: DeliveryRecord[] = [];
  const deadLetters: DeadLetter[] = [];
  const faults: string[] = [];
  const account = props.account ?? '000000000000';
  const region = props.region ?? 'us-east-1';
  const maxRetries = props.maxRetries ?? 2;
  const retryDelayMs = props.retryDelayMs ?? 50;
  let pending = 0;
  let idleWaiters: (() => void)[] = [];

  const record = (entry: DeliveryRecord) => {
    deliveries.push(entry);
    props.onDelivery?.(entry);
  };

  const settle = () => {
    pending -= 1;
    if (pending === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  };

  async function deliver(rule: LocalBusRule, handler: BusConsumer, event: EventBridgeEvent<string, unknown>) {
    const started = Date.now();
    let lastError: unknown;
    const attemptsAllowed = 1 + maxRetries;
    for (let attempt = 1; attempt <= attemptsAllowed; attempt += 1) {
      try {
        await handler(structuredClone(event));
        record({
          ...recordBase(rule, event),
          status: 'delivered',
          attempts: attempt,
          durationMs: Date.now() - started,
        });
        return;
      } catch (error) {
        lastError = error;
        if (attempt < attemptsAllowed) await delay(retryDelayMs * 2 ** (attempt - 1));
      }
    }
    deadLetters.push({
      consumer: rule.consumer,
      rule: rule.name,
      event,
      error: lastError,
      attempts: attemptsAllowed,
    });
    record({
      ...recordBase(rule, event),
      status: 'dead-lettered',
      attempts: attemptsAllowed,
      durationMs: Date.now() - started,
    });
  }

  function accept(event: EventBridgeEvent<string, unknown>): void {
    events.push(event);
    for (const rule of rules) {
      if (!matchesEventPattern(rule.pattern, event)) continue;
      const handler = consumers.get(rule.consumer);
      if (!handler) {
        record({ ...recordBase(rule, event), status: 'no-consumer', attempts: 0, durationMs: 0 });
        continue;
      }
      pending += 1;
      // Asynchronous like EventBridge: the publisher's PutEvents returns before consumers run.
      setImmediate(() => {
        void deliver(rule, handler, event).finally(settle);
      });
    }
  }

  function envelope(entry: LocalPutEntry): EventBridgeEvent<string, unknown> {
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.detailType,
      source: entry.source,
      account: entry.account ?? account,
      time: (entry.time ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: entry.region ?? region,
      resources: entry.resources ?? [],
      detail: entry.detail,
    };
  }

  function putEntries(body: unknown): { FailedEntryCount: number; Entries: Record<string, string>[] } {
    const entries = (body as { Entries?: unknown } | undefined)?.Entries;
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES_PER_REQUEST) {
      throw new AwsJsonError(
        400,
        'ValidationException',
        `Entries must hold 1..${MAX_ENTRIES_PER_REQUEST} entries`,
      );
    }
    const results = entries.map((raw): Record<string, string> => {
      const entry = raw as Record<string, unknown>;
      const fault = faults.shift();
      if (fault) return { ErrorCode: fault, ErrorMessage: 'injected failure' };
      if (
        typeof entry.Source !== 'string' ||
        typeof entry.DetailType !== 'string' ||
        typeof entry.Detail !== 'string'
      ) {
        return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Source, DetailType and Detail are required' };
      }
      if (Buffer.byteLength(JSON.stringify(entry)) > MAX_ENTRY_BYTES) {
        return { ErrorCode: 'InvalidArgument', ErrorMessage: 'entry larger than 256 KB' };
      }
      if (props.eventBusName && !busNameMatches(entry.EventBusName, props.eventBusName)) {
        return {
          ErrorCode: 'ResourceNotFoundException',
          ErrorMessage: `Event bus ${String(entry.EventBusName)} does not exist.`,
        };
      }
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail);
      } catch {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
      }
      if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail must be a JSON object.' };
      }
      const event = envelope({
        source: entry.Source,
        detailType: entry.DetailType,
        detail,
        ...(entry.Time !== undefined ? { time: parseTime(entry.Time) } : {}),
        ...(Array.isArray(entry.Resources) ? { resources: entry.Resources.map(String) } : {}),
      });
      accept(event);
      return { EventId: event.id };
    });
    return { FailedEntryCount: results.filter((result) => result.ErrorCode).length, Entries: results };
  }

  const server: Server = createServer((request, response) => {
    void handleRequest(request, response, putEntries);
  });
  const endpoint = await listenOnLoopback(server);

  return {
    endpoint,
    register(consumer, handler) {
      consumers.set(consumer, handler);
    },
    addRule(rule) {
      rules.push(rule);
    },
    putEvent(entry) {
      const event = envelope(entry);
      accept(event);
      return event.id;
    },
    failNextEntries(count, errorCode = 'InternalFailure') {
      for (let index = 0; index < count; index += 1) faults.push(errorCode);
    },
    drain() {
      return pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    events,
    deliveries,
    deadLetters,
    stop: () => closeServer(server),
  };
}

function recordBase(rule: LocalBusRule, event: EventBridgeEvent<string, unknown>) {
  return { eventId: event.id, detailType: event['detail-type'], rule: rule.name, consumer: rule.consumer };
}

/** An error in the shape AWS JSON protocols answer with (`__type` + message). */
class AwsJsonError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

async function handleRequest(
  request: IncomingMessage,
  response: ServerResponse,
  putEntries: (body: unknown) => unknown,
): Promise<void> {
  const reply = (status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
  };
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = request.headers['x-amz-target'];
    if (request.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
      throw new AwsJsonError(
        400,
        'UnknownOperationException',
        `only AWSEvents.PutEvents is served, got ${String(target)}`,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new AwsJsonError(400, 'SerializationException', 'request body is not JSON');
    }
    reply(200, putEntries(body));
  } catch (error) {
    if (error instanceof AwsJsonError) reply(error.status, { __type: error.type, message: error.message });
    else reply(500, { __type: 'InternalException', message: String(error) });
  }
}

function busNameMatches(requested: unknown, expected: string): boolean {
  if (requested === undefined || requested === null || requested === '') return expected === 'default';
  const name = String(requested);
  return name === expected || name.endsWith(`:event-bus/${expected}`);
}

/** JSON 1.1 timestamps are epoch seconds; accept ISO text too. */
function parseTime(value: unknown): Date {
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(String(value));
  return Number.isNaN(date.getTime()) ? new Date() : date;
}

/** A Lambda context for running a handler in process (what the Lambda runtime would pass). */
export function localLambdaContext(functionName: string): Context {
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Adapts a Lambda handler `(event, context)` to a bus consumer, with a fresh local context per delivery. */
export function asBusConsumer(
  functionName: string,
  handler: (event: EventBridgeEvent<string, unknown>, context: Context) => Promise<unknown>,
): BusConsumer {
  return (event) => handler(event, localLambdaContext(functionName));
}
