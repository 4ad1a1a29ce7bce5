import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InferenceEndpointIdleEvent, parseDetail } from '#events/index';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import type { OutgoingEvent } from '#shared/events/publish-port';
import { detectIdleEndpoints } from '#shared/idle/detect-idle-endpoints';
import { DEFAULT_IDLE_THRESHOLDS } from '#shared/idle/idle-detector';
import { createRecordedSdkClient, loadRecording } from '#shared/idle/recorded-sdk-client';
import { createSageMakerEndpointSource } from '#shared/idle/sagemaker-endpoint-source';
import { parseScalingPolicy } from '#shared/policy/scaling-policy';
import { createSageMakerScaler } from '#shared/scale/sagemaker-scaler';
import { handleIdleEndpoint } from '#shared/scale/scale-endpoint';
import { createDynamoActionStore } from '#shared/store/dynamo-action-store';

const REPO = path.resolve(__dirname, '../../..');

describe('bundled idle-endpoint sample (what npm start shows)', () => {
  let dynamo: EmbeddedDynamo;
  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
  });
  afterAll(async () => dynamo.stop());

  it('detects sentiment-gpu-staging and decides a dry-run 2 → 1 under the sample policy at night', async () => {
    // Prepare: Saturday 23:10 in Berlin, outside the sample's business hours.
    const now = new Date('2026-08-15T21:10:00.000Z');
    const calls = loadRecording(path.join(REPO, 'samples/endpoints/sagemaker-recording.json'));
    const policy = parseScalingPolicy(
      readFileSync(path.join(REPO, 'samples/policy/scaling-policy.yaml'), 'utf8'),
    );
    const published: OutgoingEvent[] = [];
    const publish = async (events: readonly OutgoingEvent[]) => {
      published.push(...events);
    };
    // Act
    const detected = await detectIdleEndpoints({
      sagemaker: createSageMakerEndpointSource({
        sagemaker: createRecordedSdkClient(calls),
        cloudwatch: createRecordedSdkClient(calls),
      }),
      publish,
      thresholds: DEFAULT_IDLE_THRESHOLDS,
      currency: 'USD',
      environmentTag: policy.environmentTag,
      directScale: [],
      now,
    });
    const idle = parseDetail(InferenceEndpointIdleEvent, detected.idle[0]);
    const record = await handleIdleEndpoint(idle, {
      policy,
      store: createDynamoActionStore({ documentClient: dynamo.documentClient, tableName: dynamo.tableName }),
      executorFor: () =>
        createSageMakerScaler({
          sagemaker: createRecordedSdkClient(calls),
          autoscaling: createRecordedSdkClient(calls),
        }),
      publish,
      requestApproval: async () => {
        throw new Error('no approval expected in dry-run');
      },
      forceDryRun: false,
      now: () => now,
    });
    // Assess
    expect(record).toMatchObject({
      outcome: 'dry-run',
      previousCapacity: 2,
      targetCapacity: 1,
      via: 'sagemaker-api',
    });
    expect(record.reason).toBe(
      'would scale sentiment-gpu-staging from 2 to 1 (staging, max step 1; USD 67.58/day idle) (dry-run: nothing changed)',
    );
    expect(published.map((event) => event.contract.detailType)).toEqual([
      'Inference Endpoint Idle',
      'Endpoint Scaled',
    ]);
  });
});
