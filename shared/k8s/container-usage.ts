import type { IsoDay } from '#shared/cost/cost-point';

/** A Kubernetes workload (controller) in a cluster. `kind` is the manifest kind (`Deployment`). */
export interface WorkloadKey {
  cluster: string;
  namespace: string;
  kind: string;
  name: string;
}

/**
 * One container of one workload on one day, from OpenCost. When `perReplica` is true the
 * request/usage figures are per running replica (time-weighted over the pods seen); when false
 * (the source was aggregated above pods) they are sums over all replicas.
 */
export interface ContainerUsageDay {
  workload: WorkloadKey;
  container: string;
  day: IsoDay;
  perReplica: boolean;
  /** Average number of running replicas over the day (pod-minutes / minutes of the day); 0 when unknown. */
  replicasObserved: number;
  minutes: number;
  cpuRequestCores: number;
  cpuUsageAvgCores: number;
  /** Highest sampled usage of the day; absent when OpenCost did not report it. */
  cpuUsageMaxCores?: number;
  memoryRequestBytes: number;
  memoryUsageAvgBytes: number;
  memoryUsageMaxBytes?: number;
  gpuCount: number;
  /** Average GPUs busy per replica, when reported. */
  gpuUsageAvg?: number;
  /** Unit prices derived from OpenCost's cost ÷ hours; absent when no hours were allocated. */
  cpuCostPerCoreHour?: number;
  ramCostPerGibHour?: number;
  gpuCostPerGpuHour?: number;
  /** Exact day cost of the container over all replicas, decimal text. */
  totalCost: string;
  currency: string;
  costCenter?: string;
  labels: Record<string, string>;
}

/** `<namespace>/<kind>/<name>`: the workload part of store keys and ids. */
export function workloadPath(workload: WorkloadKey): string {
  return `${workload.namespace}/${workload.kind}/${workload.name}`;
}
