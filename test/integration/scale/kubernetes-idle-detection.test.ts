import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import type { OutgoingEvent } from '#shared/events/publish-port';
import { detectIdleEndpoints } from '#shared/idle/detect-idle-endpoints';
import { DEFAULT_IDLE_THRESHOLDS } from '#shared/idle/idle-detector';
import type { ContainerUsageDay } from '#shared/k8s/container-usage';
import { createDynamoK8sStore } from '#shared/store/dynamo-k8s-store';

describe('Kubernetes idle detection over the stored OpenCost usage (embedded DynamoDB)', () => {
  let dynamo: EmbeddedDynamo;
  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
  });
  afterAll(async () => dynamo.stop());

  const usage = (
    name: string,
    day: string,
    overrides: Partial<ContainerUsageDay> = {},
  ): ContainerUsageDay => ({
    workload: { cluster: 'prod-eks', namespace: 'nlp', kind: 'Deployment', name },
    container: 'server',
    day,
    perReplica: true,
    replicasObserved: 2,
    minutes: 1440,
    cpuRequestCores: 4,
    cpuUsageAvgCores: 0.1,
    memoryRequestBytes: 16e9,
    memoryUsageAvgBytes: 3e9,
    gpuCount: 1,
    gpuUsageAvg: 0.003,
    totalCost: '58.2400000000',
    currency: 'USD',
    labels: { 'finops.apexlogic.com/workload-type': 'inference' },
    ...overrides,
  });

  it('publishes the idle inference Deployment only, GitOps-managed unless configured as direct', async () => {
    // Prepare
    const store = createDynamoK8sStore({
      documentClient: dynamo.documentClient,
      tableName: dynamo.tableName,
    });
    await store.putUsage([
      usage('sentiment-server', '2026-08-14'),
      usage('sentiment-server', '2026-08-15'),
      usage('translator', '2026-08-15', { gpuUsageAvg: 0.6 }),
      usage('web-frontend', '2026-08-15', { labels: {}, gpuCount: 0 }),
      usage('batch-embedder', '2026-08-15', {
        workload: { cluster: 'prod-eks', namespace: 'batch', kind: 'Deployment', name: 'batch-embedder' },
      }),
    ]);
    const published: OutgoingEvent[] = [];
    // Act
    const result = await detectIdleEndpoints({
      kubernetes: store,
      publish: async (events) => {
        published.push(...events);
      },
      thresholds: { ...DEFAULT_IDLE_THRESHOLDS, windowHours: 48 },
      currency: 'USD',
      environmentTag: 'environment',
      directScale: ['batch'],
      now: new Date('2026-08-16T02:00:00.000Z'),
    });
    // Assess
    expect(result.examined).toBe(3);
    const endpoints = result.idle.map((idle) => [
      idle.endpoint.id,
      idle.endpoint.gitopsManaged,
      idle.evidence.idleHours,
    ]);
    expect(endpoints.sort()).toEqual([
      ['batch/Deployment/batch-embedder', false, 24],
      ['nlp/Deployment/sentiment-server', true, 48],
    ]);
    expect(published).toHaveLength(2);
  });
});
