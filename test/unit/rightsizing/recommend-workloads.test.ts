import { InvalidInputError } from '#shared/errors';
import type { OutgoingEvent } from '#shared/events/publish-port';
import type { ContainerUsageDay, WorkloadKey } from '#shared/k8s/container-usage';
import { recommendWorkloads } from '#shared/rightsizing/recommend-workloads';
import type { WorkloadSpec } from '#shared/rightsizing/recommender';
import type { K8sStore, WorkloadSummary } from '#shared/store/dynamo-k8s-store';

const key = (name: string): WorkloadKey => ({
  cluster: 'demo',
  namespace: 'vision',
  kind: 'Deployment',
  name,
});

function usageOf(workload: WorkloadKey): ContainerUsageDay[] {
  return Array.from({ length: 14 }, (_, i) => ({
    workload,
    container: 'app',
    day: `2026-11-${String(12 + i).padStart(2, '0')}`,
    perReplica: true,
    replicasObserved: 3,
    minutes: 1440,
    cpuRequestCores: 2,
    cpuUsageAvgCores: 0.2,
    cpuUsageMaxCores: 0.4,
    memoryRequestBytes: 8 * 1024 ** 3,
    memoryUsageAvgBytes: 1.5 * 1024 ** 3,
    memoryUsageMaxBytes: 2 * 1024 ** 3,
    gpuCount: 0,
    cpuCostPerCoreHour: 0.03,
    ramCostPerGibHour: 0.004,
    totalCost: '5',
    currency: 'USD',
    labels: {},
  }));
}

/** A small in-memory stand-in for the store port (the DynamoDB adapter has its own integration test). */
function memoryStore(workloads: WorkloadKey[]): Pick<
  K8sStore,
  'listWorkloads' | 'readWorkloadUsage' | 'putRecommendation'
> & {
  saved: string[];
} {
  const saved: string[] = [];
  return {
    saved,
    listWorkloads: async () =>
      workloads.map((workload): WorkloadSummary => ({ workload, lastDay: '2026-11-25' })),
    readWorkloadUsage: async (workload, range) =>
      usageOf(workload).filter((u) => u.day >= range.from && u.day <= range.to),
    putRecommendation: async (recommendation) => void saved.push(recommendation.recommendationId),
  };
}

const spec: WorkloadSpec = {
  replicas: 3,
  containers: [{ name: 'app', cpuRequest: '2', memoryRequest: '8Gi', memoryLimit: '8Gi' }],
};

describe('recommendWorkloads', () => {
  it('recommends for defined workloads and skips absent or broken ones when the repository is partial', async () => {
    // Prepare
    const store = memoryStore([key('defined'), key('absent'), key('broken')]);
    const published: OutgoingEvent[] = [];
    // Act
    const result = await recommendWorkloads({
      cluster: 'demo',
      toDay: '2026-11-25',
      k8sStore: store,
      readSpec: async (workload) => {
        if (workload.name === 'broken') throw new InvalidInputError('path escapes the repository: "../x"');
        return workload.name === 'defined' ? spec : undefined;
      },
      publish: async (events) => void published.push(...events),
      now: () => new Date('2026-11-26T02:00:00Z'),
    });
    // Assess
    expect(result.recommended.map((r) => r.workload.name)).toEqual(['defined']);
    expect(result.unchanged).toEqual([
      { workload: key('absent'), reasons: ['not-in-gitops-repository'] },
      { workload: key('broken'), reasons: ['manifest-error:path escapes the repository: "../x"'] },
    ]);
    expect(store.saved).toHaveLength(1);
    expect(published.map((e) => e.contract.detailType)).toEqual(['Rightsizing Recommended']);
  });

  it('propagates unexpected errors so the invocation is retried', async () => {
    // Prepare
    const store = memoryStore([key('defined')]);
    // Act + Assess
    await expect(
      recommendWorkloads({
        cluster: 'demo',
        toDay: '2026-11-25',
        k8sStore: store,
        readSpec: async () => {
          throw new Error('git unavailable');
        },
        publish: async () => {},
        now: () => new Date(),
      }),
    ).rejects.toThrow('git unavailable');
  });
});
