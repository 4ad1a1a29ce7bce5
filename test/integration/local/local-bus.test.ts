import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { EventBridgeEvent } from 'aws-lambda';
import { BillingIngestionCompletedEvent } from '#events/billing-ingestion-completed';
import { EVENT_SOURCE } from '#events/contract';
import { CostAnomalyDetectedEvent } from '#events/cost-anomaly-detected';
import { KubernetesIngestionCompletedEvent } from '#events/kubernetes-ingestion-completed';
import { Consumer } from '#events/routing';
import { type LocalBus, startLocalBus } from '#infra/local/local-bus';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

function clientFor(bus: LocalBus): EventBridgeClient {
  return new EventBridgeClient({ endpoint: bus.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
}

function entry(detailType: string, detail: unknown, eventBusName = 'finops'): PutEventsRequestEntry {
  return {
    Source: EVENT_SOURCE,
    DetailType: detailType,
    Detail: JSON.stringify(detail),
    EventBusName: eventBusName,
  };
}

describe('local bus over the real EventBridgeClient', () => {
  let bus: LocalBus;
  let client: EventBridgeClient;
  beforeEach(async () => {
    bus = await startLocalBus({ eventBusName: 'finops', retryDelayMs: 1 });
    client = clientFor(bus);
  });
  afterEach(async () => {
    client.destroy();
    await bus.stop();
  });

  it('delivers the EventBridge envelope to the routed consumer when a contract event is put', async () => {
    // Prepare
    const received: EventBridgeEvent<string, unknown>[] = [];
    bus.register(Consumer.notifySlack, async (event) => void received.push(event));
    const time = new Date('2026-08-21T06:15:00Z');

    // Act
    const response = await client.send(
      new PutEventsCommand({
        Entries: [
          { ...entry(CostAnomalyDetectedEvent.detailType, CostAnomalyDetectedEvent.sample), Time: time },
        ],
      }),
    );
    await bus.drain();

    // Assess
    expect(response.FailedEntryCount).toBe(0);
    expect(received).toHaveLength(1);
    expect(received[0]).toEqual({
      version: '0',
      id: response.Entries?.[0]?.EventId,
      'detail-type': 'Cost Anomaly Detected',
      source: 'finops.pipeline',
      account: '000000000000',
      time: '2026-08-21T06:15:00Z',
      region: 'us-east-1',
      resources: [],
      detail: CostAnomalyDetectedEvent.sample,
    });
  });

  it('delivers only to consumers whose rule matches and records unregistered ones when the routing table fans out', async () => {
    // Prepare
    const calls: string[] = [];
    bus.register(Consumer.detectAnomalies, async () => void calls.push(Consumer.detectAnomalies));
    bus.register(Consumer.notifySlack, async () => void calls.push(Consumer.notifySlack));

    // Act
    await client.send(
      new PutEventsCommand({
        Entries: [
          entry(KubernetesIngestionCompletedEvent.detailType, KubernetesIngestionCompletedEvent.sample),
        ],
      }),
    );
    await bus.drain();

    // Assess
    expect(calls).toEqual([Consumer.detectAnomalies]);
    expect(bus.deliveries.map((record) => [record.consumer, record.status]).sort()).toEqual([
      [Consumer.detectAnomalies, 'delivered'],
      [Consumer.detectIdleEndpoints, 'no-consumer'],
      [Consumer.recommendRightsizing, 'no-consumer'],
    ]);
  });

  it('retries a failing consumer twice and then dead-letters the event with the error', async () => {
    // Prepare
    let attempts = 0;
    bus.register(Consumer.notifySlack, async () => {
      attempts += 1;
      throw new Error('slack down');
    });

    // Act
    await client.send(
      new PutEventsCommand({
        Entries: [entry(CostAnomalyDetectedEvent.detailType, CostAnomalyDetectedEvent.sample)],
      }),
    );
    await bus.drain();

    // Assess
    expect(attempts).toBe(3);
    expect(bus.deadLetters).toHaveLength(1);
    expect(bus.deadLetters[0]).toMatchObject({
      consumer: Consumer.notifySlack,
      attempts: 3,
      error: new Error('slack down'),
    });
    expect(bus.deliveries[0]).toMatchObject({ status: 'dead-lettered', attempts: 3 });
  });

  it('delivers on a retry when the consumer fails only once', async () => {
    // Prepare
    let attempts = 0;
    bus.register(Consumer.notifySlack, async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('transient');
    });

    // Act
    await client.send(
      new PutEventsCommand({
        Entries: [entry(CostAnomalyDetectedEvent.detailType, CostAnomalyDetectedEvent.sample)],
      }),
    );
    await bus.drain();

    // Assess
    expect(bus.deadLetters).toHaveLength(0);
    expect(bus.deliveries[0]).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('waits in drain for events that consumers publish in turn', async () => {
    // Prepare
    const received: string[] = [];
    bus.register(Consumer.detectAnomalies, async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await client.send(
        new PutEventsCommand({
          Entries: [entry(CostAnomalyDetectedEvent.detailType, CostAnomalyDetectedEvent.sample)],
        }),
      );
    });
    bus.register(Consumer.notifySlack, async (event) => void received.push(event['detail-type']));

    // Act
    await client.send(
      new PutEventsCommand({
        Entries: [entry(BillingIngestionCompletedEvent.detailType, BillingIngestionCompletedEvent.sample)],
      }),
    );
    await bus.drain();

    // Assess
    expect(received).toEqual(['Cost Anomaly Detected']);
  });

  it('reports failed entries to the client when failures are injected or the bus name is wrong', async () => {
    // Prepare
    bus.failNextEntries(1, 'ThrottlingException');

    // Act
    const response = await client.send(
      new PutEventsCommand({
        Entries: [
          entry(CostAnomalyDetectedEvent.detailType, CostAnomalyDetectedEvent.sample),
          entry(CostAnomalyDetectedEvent.detailType, CostAnomalyDetectedEvent.sample, 'other-bus'),
          { ...entry(CostAnomalyDetectedEvent.detailType, {}), Detail: 'not json' },
          entry(
            CostAnomalyDetectedEvent.detailType,
            CostAnomalyDetectedEvent.sample,
            'arn:aws:events:us-east-1:000000000000:event-bus/finops',
          ),
        ],
      }),
    );

    // Assess
    expect(response.FailedEntryCount).toBe(3);
    expect(response.Entries?.map((result) => result.ErrorCode ?? 'ok')).toEqual([
      'ThrottlingException',
      'ResourceNotFoundException',
      'MalformedDetail',
      'ok',
    ]);
    expect(bus.events).toHaveLength(1);
  });

  it('rejects the whole request when it has more than 10 entries', async () => {
    // Prepare
    const entries = Array.from({ length: 11 }, () =>
      entry(CostAnomalyDetectedEvent.detailType, CostAnomalyDetectedEvent.sample),
    );

    // Act / Assess
    await expect(client.send(new PutEventsCommand({ Entries: entries }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('is reached through AWS_ENDPOINT_URL_EVENTBRIDGE when the client has no endpoint option', async () => {
    // Prepare
    const previous = process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
    process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = bus.endpoint;
    const envClient = new EventBridgeClient({ region: 'us-east-1', credentials });

    try {
      // Act
      const response = await envClient.send(
        new PutEventsCommand({
          Entries: [entry(CostAnomalyDetectedEvent.detailType, CostAnomalyDetectedEvent.sample)],
        }),
      );

      // Assess
      expect(response.FailedEntryCount).toBe(0);
      expect(bus.events).toHaveLength(1);
    } finally {
      envClient.destroy();
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
      else process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = previous;
    }
  });

  it('delivers in-process events to an added rule with a nested detail pattern when an S3 object is created', async () => {
    // Prepare
    const received: string[] = [];
    bus.addRule({
      name: 'ingest-billing-rule',
      consumer: 'ingest-billing',
      pattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: ['exports'] } },
      },
    });
    bus.register(
      'ingest-billing',
      async (event) => void received.push((event.detail as { object: { key: string } }).object.key),
    );

    // Act
    bus.putEvent({
      source: 'aws.s3',
      detailType: 'Object Created',
      detail: { bucket: { name: 'exports' }, object: { key: 'a.csv' } },
    });
    bus.putEvent({
      source: 'aws.s3',
      detailType: 'Object Created',
      detail: { bucket: { name: 'other' }, object: { key: 'b.csv' } },
    });
    await bus.drain();

    // Assess
    expect(received).toEqual(['a.csv']);
  });
});
