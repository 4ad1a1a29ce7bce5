import { type InferenceEndpointIdle, InferenceEndpointIdleEvent } from '#events/inference-endpoint-idle';
import type { IsoDay } from '#shared/cost/cost-point';
import type { CostStore } from '#shared/cost/cost-store-port';
import { outgoing, type PublishEvents } from '#shared/events/publish-port';
import { dailyCostFromSeries, SAGEMAKER_SERIES_KEY } from '#shared/idle/endpoint-cost';
import {
  assessKubernetesWorkload,
  assessSageMakerEndpoint,
  type DailyCost,
  type HourlyPoint,
  type IdleThresholds,
  inferenceWorkloadOf,
  type SageMakerEndpointInfo,
  startOfHour,
} from '#shared/idle/idle-detector';
import { dailyCostFromPriceTable } from '#shared/idle/instance-prices';
import type { ContainerUsageDay, WorkloadKey } from '#shared/k8s/container-usage';
import type { LogSink } from '#shared/observability';

/** Hourly metrics of one SageMaker endpoint over a window. */
export interface EndpointMetrics {
  invocations: HourlyPoint[];
  gpuUtilisationPercent?: HourlyPoint[];
}

/** Where SageMaker endpoints and their CloudWatch metrics come from (SDK adapter or a recording). */
export interface SageMakerEndpointSource {
  /** In-service real-time endpoints with a single production variant. */
  listEndpoints(): Promise<SageMakerEndpointInfo[]>;
  readMetrics(endpoint: SageMakerEndpointInfo, window: { start: Date; end: Date }): Promise<EndpointMetrics>;
}

/** The part of the Kubernetes usage store the detector reads (shared/store/dynamo-k8s-store.ts). */
export interface KubernetesUsageSource {
  listClusters(): Promise<string[]>;
  listWorkloads(cluster: string): Promise<Array<{ workload: WorkloadKey; lastDay: IsoDay }>>;
  readWorkloadUsage(workload: WorkloadKey, range: { from: IsoDay; to: IsoDay }): Promise<ContainerUsageDay[]>;
}

/** Adapters and settings of one detection run. */
export interface DetectIdleDependencies {
  sagemaker?: SageMakerEndpointSource;
  kubernetes?: KubernetesUsageSource;
  costStore?: Pick<CostStore, 'readSeries'>;
  publish: PublishEvents;
  thresholds: IdleThresholds;
  /** Currency of the billing series to join (the price table is USD). */
  currency: string;
  /** Tag naming a SageMaker endpoint's environment. */
  environmentTag: string;
  /** Kubernetes namespaces or `<namespace>/<kind>/<name>` NOT managed by GitOps (scaled directly). */
  directScale: readonly string[];
  now: Date;
  log?: LogSink;
}

/** What a run found: the events published and how many endpoints/workloads were examined. */
export interface DetectIdleResult {
  idle: InferenceEndpointIdle[];
  examined: number;
  /** Endpoints skipped because their cost is unknown (no series figure, type not in the price table). */
  unpriced: string[];
}

const DAY_MS = 86_400_000;
const isoDay = (at: Date) => at.toISOString().slice(0, 10);

/**
 * Finds idle inference endpoints on SageMaker and Kubernetes, joins each with its daily cost
 * and publishes one `Inference Endpoint Idle` per idle endpoint (validated by its contract).
 */
export async function detectIdleEndpoints(deps: DetectIdleDependencies): Promise<DetectIdleResult> {
  const windowEnd = startOfHour(deps.now);
  const idle: InferenceEndpointIdle[] = [];
  const unpriced: string[] = [];
  let examined = 0;

  if (deps.sagemaker) {
    const endpoints = await deps.sagemaker.listEndpoints();
    const seriesPoints = deps.costStore
      ? await deps.costStore.readSeries(
          { seriesKey: SAGEMAKER_SERIES_KEY, currency: deps.currency },
          { from: isoDay(new Date(windowEnd.getTime() - 7 * DAY_MS)), to: isoDay(windowEnd) },
        )
      : [];
    for (const endpoint of endpoints) {
      examined += 1;
      const window = {
        start: new Date(windowEnd.getTime() - deps.thresholds.windowHours * 3_600_000),
        end: windowEnd,
      };
      const metrics = await deps.sagemaker.readMetrics(endpoint, window);
      const dailyCost = costOf(endpoint, seriesPoints);
      if (!dailyCost) {
        unpriced.push(endpoint.name);
        deps.log?.warn('idle endpoint cost unknown: not in the cost series nor the price table', {
          endpoint: endpoint.name,
          instanceType: endpoint.instanceType,
        });
        continue;
      }
      const found = assessSageMakerEndpoint({
        endpoint,
        invocations: metrics.invocations,
        gpuUtilisationPercent: metrics.gpuUtilisationPercent,
        environment: endpoint.tags[deps.environmentTag],
        dailyCost,
        windowEnd,
        thresholds: deps.thresholds,
        now: deps.now,
      });
      if (found) idle.push(found);
    }
  }

  if (deps.kubernetes) {
    const windowDays = Math.max(1, Math.ceil(deps.thresholds.windowHours / 24));
    const range = {
      from: isoDay(new Date(windowEnd.getTime() - (windowDays + 1) * DAY_MS)),
      to: isoDay(windowEnd),
    };
    for (const cluster of await deps.kubernetes.listClusters()) {
      const workloads = (await deps.kubernetes.listWorkloads(cluster)).filter(
        (summary) => summary.lastDay >= range.from,
      );
      for (const { workload } of workloads) {
        const usage = await deps.kubernetes.readWorkloadUsage(workload, range);
        if (!usage[0] || !inferenceWorkloadOf(usage[0])) continue;
        examined += 1;
        const found = assessKubernetesWorkload({
          usage,
          windowEnd,
          thresholds: deps.thresholds,
          gitopsManaged: !isDirectScale(deps.directScale, workload),
          now: deps.now,
        });
        if (found) idle.push(found);
      }
    }
  }

  if (idle.length > 0) await deps.publish(idle.map((detail) => outgoing(InferenceEndpointIdleEvent, detail)));
  deps.log?.info('idle endpoints detected', { examined, idle: idle.length, unpriced: unpriced.length });
  return { idle, examined, unpriced };
}

function costOf(
  endpoint: SageMakerEndpointInfo,
  seriesPoints: Parameters<typeof dailyCostFromSeries>[0],
): DailyCost | undefined {
  const fromSeries = dailyCostFromSeries(seriesPoints, endpoint);
  if (fromSeries) return fromSeries;
  const fromTable = dailyCostFromPriceTable(endpoint.instanceType, endpoint.instanceCount);
  return fromTable === undefined ? undefined : { amount: fromTable, currency: 'USD', source: 'price-table' };
}

/** True when the workload is configured as not GitOps-managed (by namespace or full id). */
export function isDirectScale(directScale: readonly string[], workload: WorkloadKey): boolean {
  return directScale.some(
    (entry) =>
      entry === workload.namespace || entry === `${workload.namespace}/${workload.kind}/${workload.name}`,
  );
}
