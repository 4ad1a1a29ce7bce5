import type { CostPoint } from '#shared/cost/cost-point';
import { dailyCostFromSeries } from '#shared/idle/endpoint-cost';
import {
  assessKubernetesWorkload,
  assessSageMakerEndpoint,
  DEFAULT_IDLE_THRESHOLDS,
  type HourlyPoint,
  type SageMakerEndpointInfo,
} from '#shared/idle/idle-detector';
import { dailyCostFromPriceTable } from '#shared/idle/instance-prices';
import type { ContainerUsageDay } from '#shared/k8s/container-usage';
import { parseMoney } from '#shared/money';

const WINDOW_END = new Date('2026-08-16T00:00:00.000Z');
const endpoint: SageMakerEndpointInfo = {
  name: 'sentiment-gpu-staging',
  arn: 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/sentiment-gpu-staging',
  variantName: 'AllTraffic',
  instanceType: 'ml.g5.xlarge',
  instanceCount: 2,
  gpusPerInstance: 1,
  tags: { environment: 'staging' },
};
const cost = { amount: parseMoney('67.584'), currency: 'USD', source: 'price-table' as const };
const hoursBack = (hours: number, value: number): HourlyPoint => ({
  at: new Date(WINDOW_END.getTime() - hours * 3_600_000).toISOString(),
  value,
});

function assess(invocations: HourlyPoint[], gpu?: HourlyPoint[]) {
  return assessSageMakerEndpoint({
    endpoint,
    invocations,
    gpuUtilisationPercent: gpu,
    environment: 'staging',
    dailyCost: cost,
    windowEnd: WINDOW_END,
    thresholds: DEFAULT_IDLE_THRESHOLDS,
    now: WINDOW_END,
  });
}

describe('assessSageMakerEndpoint', () => {
  it('reports an endpoint with no Invocations datapoint in 24 h as idle with its daily cost as waste', () => {
    const idle = assess([]);
    expect(idle).toMatchObject({
      idleId: 'sagemaker|sentiment-gpu-staging|2026-08-16T00:00:00.000Z',
      currentCapacity: 2,
      wastedPerDay: '67.584',
      currency: 'USD',
      evidence: { idleHours: 24, invocations: 0, gpuCount: 2 },
    });
  });

  it.each([
    ['traffic 3 hours ago', [hoursBack(3, 40)], undefined, false],
    ['only near-zero traffic (1 call an hour)', [hoursBack(3, 1), hoursBack(10, 1)], undefined, true],
    ['traffic 13 hours ago (12 idle hours remain)', [hoursBack(13, 500)], undefined, true],
    ['traffic 12 hours ago (11 idle hours)', [hoursBack(12, 500)], undefined, false],
    ['busy GPUs despite no invocations', [], [hoursBack(2, 40)], false],
    ['idle GPUs (2% busy)', [], [hoursBack(2, 2), hoursBack(5, 2)], true],
  ])('decides idle=%s correctly', (_name, invocations, gpu, expected) => {
    expect(assess(invocations, gpu) !== undefined).toBe(expected);
  });

  it('ignores an endpoint with no running instances', () => {
    const idle = assessSageMakerEndpoint({
      endpoint: { ...endpoint, instanceCount: 0 },
      invocations: [],
      dailyCost: cost,
      windowEnd: WINDOW_END,
      thresholds: DEFAULT_IDLE_THRESHOLDS,
      now: WINDOW_END,
    });
    expect(idle).toBeUndefined();
  });

  it('uses the inference component copy count as capacity when there is one', () => {
    const idle = assessSageMakerEndpoint({
      endpoint: { ...endpoint, inferenceComponent: { name: 'ic', copyCount: 3 } },
      invocations: [],
      dailyCost: cost,
      windowEnd: WINDOW_END,
      thresholds: DEFAULT_IDLE_THRESHOLDS,
      now: WINDOW_END,
    });
    expect(idle?.currentCapacity).toBe(3);
  });
});

describe('endpoint cost', () => {
  it('prices 2 × ml.g5.xlarge for a day from the table exactly', () => {
    expect(dailyCostFromPriceTable('ml.g5.xlarge', 2)).toBe(parseMoney('67.584'));
    expect(dailyCostFromPriceTable('ml.unknown', 2)).toBeUndefined();
  });

  it('takes the latest final day of the SageMaker series naming the endpoint as a resource', () => {
    // Prepare
    const point = (day: string, amount: string, provisional = false): CostPoint => ({
      seriesKey: 'service=Amazon SageMaker',
      currency: 'USD',
      day,
      amount: parseMoney('900'),
      rowCount: 10,
      provisional,
      contributors: [
        {
          dimension: 'resource',
          value: 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/sentiment-gpu-staging',
          amount: parseMoney(amount),
        },
        {
          dimension: 'resource',
          value: 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/other',
          amount: parseMoney('5'),
        },
      ],
    });
    // Act
    const daily = dailyCostFromSeries(
      [point('2026-08-13', '70.1'), point('2026-08-14', '71.25'), point('2026-08-15', '12', true)],
      endpoint,
    );
    // Assess
    expect(daily).toEqual({
      amount: parseMoney('71.25'),
      currency: 'USD',
      source: 'cost-series',
      day: '2026-08-14',
    });
  });
});

describe('assessKubernetesWorkload', () => {
  const day = (date: string, overrides: Partial<ContainerUsageDay> = {}): ContainerUsageDay => ({
    workload: { cluster: 'prod-eks', namespace: 'nlp', kind: 'Deployment', name: 'sentiment-server' },
    container: 'server',
    day: date,
    perReplica: true,
    replicasObserved: 3,
    minutes: 1440,
    cpuRequestCores: 2,
    cpuUsageAvgCores: 0.05,
    memoryRequestBytes: 8e9,
    memoryUsageAvgBytes: 2e9,
    gpuCount: 1,
    gpuUsageAvg: 0.01,
    totalCost: '101.3760000001',
    currency: 'USD',
    labels: { 'finops.apexlogic.com/workload-type': 'inference', environment: 'production' },
    ...overrides,
  });
  const run = (usage: ContainerUsageDay[]) =>
    assessKubernetesWorkload({
      usage,
      windowEnd: WINDOW_END,
      thresholds: { ...DEFAULT_IDLE_THRESHOLDS, windowHours: 48 },
      gitopsManaged: true,
      now: WINDOW_END,
    });

  it('reports an inference Deployment whose GPUs were ~idle for two days, with the exact day cost', () => {
    const idle = run([day('2026-08-14'), day('2026-08-15')]);
    expect(idle).toMatchObject({
      endpoint: {
        platform: 'kubernetes',
        id: 'nlp/Deployment/sentiment-server',
        kind: 'Deployment',
        namespace: 'nlp',
        gitopsManaged: true,
        environment: 'production',
      },
      currentCapacity: 3,
      wastedPerDay: '101.3760000001',
      evidence: { idleHours: 48, gpuCount: 3 },
    });
  });

  it.each([
    ['a workload without the inference label', { labels: {} }],
    ['GPUs 30% busy', { gpuUsageAvg: 0.3 }],
    ['no GPU usage figure (no evidence)', { gpuUsageAvg: undefined }],
    ['no GPUs allocated', { gpuCount: 0 }],
  ])('does not report %s', (_name, overrides) => {
    expect(run([day('2026-08-15', overrides)])).toBeUndefined();
  });

  it('names a KServe predictor by its InferenceService', () => {
    const idle = run([
      day('2026-08-15', { labels: { 'serving.kserve.io/inferenceservice': 'summarizer-llm' } }),
    ]);
    expect(idle?.endpoint).toMatchObject({
      kind: 'InferenceService',
      name: 'summarizer-llm',
      id: 'nlp/InferenceService/summarizer-llm',
    });
  });
});
