import { type RightsizingRecommended, RightsizingRecommendedEvent } from '#events/rightsizing-recommended';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import type { ContainerUsageDay } from '#shared/k8s/container-usage';
import { createDynamoK8sStore, type K8sStore } from '#shared/store/dynamo-k8s-store';

const workload = { cluster: 'demo', namespace: 'vision', kind: 'Deployment', name: 'captioner' };

function usage(day: string, container: string): ContainerUsageDay {
  return {
    workload,
    container,
    day,
    perReplica: true,
    replicasObserved: 3,
    minutes: 1440,
    cpuRequestCores: 2,
    cpuUsageAvgCores: 0.3,
    memoryRequestBytes: 8 * 1024 ** 3,
    memoryUsageAvgBytes: 2e9,
    gpuCount: 1,
    totalCost: '61.850832',
    currency: 'USD',
    labels: { team: 'vision' },
  };
}

describe('DynamoDB K8s store', () => {
  let dynamo: EmbeddedDynamo;
  let store: K8sStore;

  beforeEach(async () => {
    dynamo = await startEmbeddedDynamo();
    store = createDynamoK8sStore({ documentClient: dynamo.documentClient, tableName: dynamo.tableName });
  });
  afterEach(async () => {
    await dynamo.stop();
  });

  it('reads a workload window inclusive of both ends and lists the workload once', async () => {
    // Prepare
    const records = ['2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13'].flatMap((day) => [
      usage(day, 'a'),
      usage(day, 'b'),
    ]);
    // Act
    await store.putUsage(records);
    await store.putUsage(records);
    const window = await store.readWorkloadUsage(workload, { from: '2026-11-11', to: '2026-11-12' });
    // Assess
    expect(window.map((r) => `${r.day}/${r.container}`)).toEqual([
      '2026-11-11/a',
      '2026-11-11/b',
      '2026-11-12/a',
      '2026-11-12/b',
    ]);
    expect(window[0]).toEqual(usage('2026-11-11', 'a'));
    expect(await store.listWorkloads('demo')).toEqual([{ workload, lastDay: '2026-11-13' }]);
    expect(await store.listClusters()).toEqual(['demo']);
  });

  it('gives one PR number when two deliveries create the record at once', async () => {
    // Prepare
    const draft = {
      repository: '/repo',
      branch: 'finops/rightsize/vision/captioner',
      state: 'open' as const,
      title: 't',
      body: 'b',
      headSha: 'abc',
      recommendationId: 'r',
      createdAt: '2026-11-26T00:00:00.000Z',
      updatedAt: '2026-11-26T00:00:00.000Z',
    };
    // Act
    const [first, second] = await Promise.all([
      store.createPullRequest(draft, (n) => `file:///repo#pull/${n}`),
      store.createPullRequest(draft, (n) => `file:///repo#pull/${n}`),
    ]);
    const other = await store.createPullRequest(
      { ...draft, branch: 'finops/rightsize/vision/other' },
      (n) => `#${n}`,
    );
    // Assess
    expect([first?.created, second?.created].filter(Boolean)).toHaveLength(1);
    expect(first?.record.number).toBe(second?.record.number);
    expect((await store.listPullRequests('/repo')).map((pr) => pr.branch).sort()).toEqual([
      'finops/rightsize/vision/captioner',
      'finops/rightsize/vision/other',
    ]);
    expect(other.record.number).toBeGreaterThan(first?.record.number ?? 0);
  });

  it('keeps the latest recommendation per workload of a namespace', async () => {
    // Prepare
    const sample = RightsizingRecommendedEvent.sample as RightsizingRecommended;
    // Act
    await store.putRecommendation({ ...sample, recommendationId: 'old' });
    await store.putRecommendation({ ...sample, recommendationId: 'new' });
    // Assess
    expect(
      (await store.listLatestRecommendations('prod-eks', 'vision')).map((r) => r.recommendationId),
    ).toEqual(['new']);
    expect((await store.getRecommendation('old'))?.recommendationId).toBe('old');
  });
});
