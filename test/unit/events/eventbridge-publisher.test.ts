import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import {
  BillingIngestionCompletedEvent,
  CostAnomalyDetectedEvent,
  EventValidationError,
} from '#events/index';
import { createEventBridgePublisher, EventPublishError } from '#shared/events/eventbridge-publisher';
import { outgoing } from '#shared/events/publish-port';

const BUS = 'finops-bus';

function setup() {
  const client = new EventBridgeClient({ region: 'us-east-1' });
  const mock = mockClient(client);
  const delays: number[] = [];
  const publish = createEventBridgePublisher({
    client,
    eventBusName: BUS,
    sleep: async (ms) => void delays.push(ms),
    random: () => 0.5,
  });
  return { mock, publish, delays };
}

const ingestion = (id: string) =>
  outgoing(BillingIngestionCompletedEvent, { ...BillingIngestionCompletedEvent.sample, ingestionId: id });
const accepted = (entries: PutEventsRequestEntry[] = []) => ({
  FailedEntryCount: 0,
  Entries: entries.map((_, i) => ({ EventId: `id-${i}` })),
});

describe('EventBridge publisher', () => {
  it('sends 23 events in 3 PutEvents calls of at most 10 when all succeed', async () => {
    // Prepare
    const { mock, publish } = setup();
    mock.on(PutEventsCommand).callsFake((input) => accepted(input.Entries));
    // Act
    await publish(Array.from({ length: 23 }, (_, i) => ingestion(`ing-${i}`)));
    // Assess
    const sizes = mock.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length);
    expect(sizes).toEqual([10, 10, 3]);
    const first = mock.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(first).toMatchObject({
      Source: 'finops.pipeline',
      DetailType: 'Billing Ingestion Completed',
      EventBusName: BUS,
    });
    expect(JSON.parse(first?.Detail ?? '{}').ingestionId).toBe('ing-0');
  });

  it('retries only the failed entries when PutEvents reports a partial failure', async () => {
    // Prepare
    const { mock, publish, delays } = setup();
    mock
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [
          { EventId: 'a' },
          { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' },
          { EventId: 'c' },
        ],
      })
      .callsFake((input) => accepted(input.Entries));
    // Act
    await publish([ingestion('a'), ingestion('b'), ingestion('c')]);
    // Assess
    const calls = mock
      .commandCalls(PutEventsCommand)
      .map((c) => c.args[0].input.Entries?.map((e) => JSON.parse(e.Detail ?? '{}').ingestionId));
    expect(calls).toEqual([['a', 'b', 'c'], ['b']]);
    expect(delays).toEqual([100]);
  });

  it('throws EventPublishError naming the failed entries when they keep failing', async () => {
    // Prepare
    const { mock, publish } = setup();
    mock.on(PutEventsCommand).callsFake((input) => ({
      FailedEntryCount: 1,
      Entries: (input.Entries as PutEventsRequestEntry[]).map((e, i) =>
        i === 0
          ? { ErrorCode: 'InternalFailure' }
          : { EventId: `ok-${JSON.parse(e.Detail ?? '{}').ingestionId}` },
      ),
    }));
    // Act
    const outcome = publish([ingestion('x'), ingestion('y')]);
    // Assess
    await expect(outcome).rejects.toBeInstanceOf(EventPublishError);
    await expect(outcome).rejects.toMatchObject({
      failed: [{ detailType: 'Billing Ingestion Completed', errorCode: 'InternalFailure' }],
    });
    expect(mock.commandCalls(PutEventsCommand)).toHaveLength(4);
  });

  it('sends nothing when any detail fails its schema', async () => {
    // Prepare
    const { mock, publish } = setup();
    mock.on(PutEventsCommand).callsFake((input) => accepted(input.Entries));
    const invalid = outgoing(CostAnomalyDetectedEvent, {
      ...CostAnomalyDetectedEvent.sample,
      schemaVersion: 0,
    });
    // Act
    const outcome = publish([ingestion('fine'), invalid]);
    // Assess
    await expect(outcome).rejects.toBeInstanceOf(EventValidationError);
    expect(mock.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('splits batches under 256 KB when entries are large', async () => {
    // Prepare
    const { mock, publish } = setup();
    mock.on(PutEventsCommand).callsFake((input) => accepted(input.Entries));
    const big = (id: string) =>
      outgoing(BillingIngestionCompletedEvent, {
        ...BillingIngestionCompletedEvent.sample,
        ingestionId: `${id}-${'x'.repeat(100 * 1024)}`,
      });
    // Act
    await publish([big('a'), big('b'), big('c')]);
    // Assess
    expect(mock.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([2, 1]);
  });
});

describe('EventBridge publisher transport failure', () => {
  it('throws EventPublishError with the unsent entries and the cause when PutEvents itself fails', async () => {
    // Prepare
    const { mock, publish } = setup();
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    mock
      .on(PutEventsCommand)
      .callsFakeOnce((input) => accepted(input.Entries))
      .rejects(denied);
    // Act
    const outcome = publish(Array.from({ length: 12 }, (_, i) => ingestion(`e-${i}`)));
    // Assess
    await expect(outcome).rejects.toBeInstanceOf(EventPublishError);
    await expect(outcome).rejects.toMatchObject({
      failed: [
        { detailType: 'Billing Ingestion Completed', errorCode: 'AccessDeniedException' },
        { detailType: 'Billing Ingestion Completed', errorCode: 'AccessDeniedException' },
      ],
      cause: denied,
    });
  });
});
