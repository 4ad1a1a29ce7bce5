import path from 'node:path';
import type { Context } from 'aws-lambda';
import { EndpointRestoreRequestedEvent, InferenceEndpointIdleEvent } from '#events/index';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { eventBridgeEnvelope, localAwsEnvironment } from '#infra/local/lambda-events';
import { type LocalBus, startLocalBus } from '#infra/local/local-bus';

const REPO = path.resolve(__dirname, '../../..');
// No schedule, so the decision does not depend on the wall clock; dry-run on.
const POLICY = `version: handler-test
dryRun: true
environments: { default: { minCapacity: 0 } }
maxReductionPerStep: { percent: 50 }
cooldown: { hours: 6 }
`;

const envelope = (detailType: string, detail: unknown) => eventBridgeEnvelope(detailType, detail);

describe('detect-idle-endpoints and scale-endpoint handlers on local transports', () => {
  let dynamo: EmbeddedDynamo;
  let bus: LocalBus;
  const saved = { ...process.env };

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
    bus = await startLocalBus({ eventBusName: 'handler-test', rules: [] });
    Object.assign(process.env, {
      ...localAwsEnvironment({ dynamodb: dynamo.endpoint, eventbridge: bus.endpoint }),
      TABLE_NAME: dynamo.tableName,
      EVENT_BUS_NAME: 'handler-test',
      SCALING_POLICY: POLICY,
      SAGEMAKER_RECORDING: path.join(REPO, 'samples/endpoints/sagemaker-recording.json'),
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
  });
  afterAll(async () => {
    process.env = saved;
    await bus.stop();
    await dynamo.stop();
  });

  it('detects the recorded idle endpoint and publishes Inference Endpoint Idle', async () => {
    // Prepare
    const { handler } = await import('#functions/detect-idle-endpoints/handler');
    // Act
    const result = await handler(envelope('Scheduled Event', {}), {} as Context);
    // Assess
    expect(result).toMatchObject({ examined: 1, unpriced: [] });
    const published = bus.events.filter(
      (event) => event['detail-type'] === InferenceEndpointIdleEvent.detailType,
    );
    expect(published).toHaveLength(1);
    expect(published[0]?.detail).toMatchObject({
      endpoint: { name: 'sentiment-gpu-staging' },
      currentCapacity: 2,
    });
  });

  it('records one dry-run for two deliveries of the same idle event, and refuses a restore with nothing to restore', async () => {
    // Prepare
    const { handler } = await import('#functions/scale-endpoint/handler');
    const idle = envelope(InferenceEndpointIdleEvent.detailType, InferenceEndpointIdleEvent.sample);
    // Act
    const first = await handler(idle, {} as Context);
    const second = await handler(idle, {} as Context);
    const restore = handler(
      envelope(EndpointRestoreRequestedEvent.detailType, EndpointRestoreRequestedEvent.sample),
      {} as Context,
    );
    // Assess
    expect(first).toMatchObject({ outcome: 'dry-run' });
    expect(second).toEqual(first);
    await expect(restore).rejects.toThrow(/no executed scale-down recorded/);
    const scaled = bus.events.filter((event) => event['detail-type'] === 'Endpoint Scaled');
    expect(scaled).toHaveLength(1);
  });

  it('rejects a malformed idle event with the schema error', async () => {
    const { handler } = await import('#functions/scale-endpoint/handler');
    await expect(
      handler(envelope(InferenceEndpointIdleEvent.detailType, { schemaVersion: 1 }), {} as Context),
    ).rejects.toThrow(/invalid "Inference Endpoint Idle" detail/);
  });
});
