import path from 'node:path';
import { InferenceEndpointIdleEvent, parseDetail } from '#events/index';
import type { OutgoingEvent } from '#shared/events/publish-port';
import { detectIdleEndpoints } from '#shared/idle/detect-idle-endpoints';
import { DEFAULT_IDLE_THRESHOLDS } from '#shared/idle/idle-detector';
import { createRecordedSdkClient, loadRecording } from '#shared/idle/recorded-sdk-client';
import { createSageMakerEndpointSource } from '#shared/idle/sagemaker-endpoint-source';

const RECORDING = path.resolve(__dirname, '../../..', 'samples/endpoints/sagemaker-recording.json');

describe('detectIdleEndpoints over the recorded SageMaker sample', () => {
  it('publishes the idle sentiment-gpu-staging endpoint with its evidence and exact daily cost', async () => {
    // Prepare
    const calls = loadRecording(RECORDING);
    const published: OutgoingEvent[] = [];
    // Act
    const result = await detectIdleEndpoints({
      sagemaker: createSageMakerEndpointSource({
        sagemaker: createRecordedSdkClient(calls),
        cloudwatch: createRecordedSdkClient(calls),
      }),
      publish: async (events) => {
        published.push(...events);
      },
      thresholds: DEFAULT_IDLE_THRESHOLDS,
      currency: 'USD',
      environmentTag: 'environment',
      directScale: [],
      now: new Date('2026-08-16T00:10:00.000Z'),
    });
    // Assess
    expect(result).toMatchObject({ examined: 1, unpriced: [] });
    expect(published).toHaveLength(1);
    const detail = parseDetail(InferenceEndpointIdleEvent, published[0]?.detail);
    expect(detail).toMatchObject({
      idleId: 'sagemaker|sentiment-gpu-staging|2026-08-16T00:00:00.000Z',
      endpoint: { name: 'sentiment-gpu-staging', environment: 'staging', tags: { 'cost-center': 'ai-nlp' } },
      currentCapacity: 2,
      wastedPerDay: '67.584',
      evidence: { idleHours: 24, invocations: 0, gpuCount: 2 },
    });
    // The recorded GPUUtilization averages 0.925 % over the 24 idle hours (one GPU per instance).
    expect(detail.evidence.gpuUtilisation).toBeCloseTo(0.00925, 6);
    expect(detail.evidence.summary).toContain('GPUs 0.9% busy');
  });
});
