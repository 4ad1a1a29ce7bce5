import type { ContributorAmount, CostPoint, IsoDay } from '#shared/cost/cost-point';
import { ContributorDimension, KubernetesDimension, seriesKey } from '#shared/cost/series-key';
import { formatMoney, type Money } from '#shared/money';
import type { ContainerUsageDay, WorkloadKey } from './container-usage';
import { type OpenCostAllocation, SpecialAllocationKey } from './opencost-allocation';

/** The label that names a workload's cost center. */
export const COST_CENTER_LABEL = 'finops.apexlogic.com/cost-center';
/** Contributors kept per series-day. */
const TOP_CONTRIBUTORS = 10;
const GIB = 1024 ** 3;

/** Options of the conversion; `aggregate` is the query's `aggregate` parameter, if any. */
export interface ConversionOptions {
  currency: string;
  costCenterLabel?: string;
  aggregate?: string;
}

/** Prometheus-sanitised label name, as OpenCost reports labels (`finops_apexlogic_com_cost_center`). */
export function sanitiseLabelName(label: string): string {
  return label.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** The cost-center label value of an allocation, read under its raw or sanitised name. */
export function costCenterOf(allocation: OpenCostAllocation, options: ConversionOptions): string | undefined {
  const label = options.costCenterLabel ?? COST_CENTER_LABEL;
  if (options.aggregate === `label:${label}` || options.aggregate === `label:${sanitiseLabelName(label)}`) {
    return allocation.key;
  }
  return allocation.labels[label] ?? allocation.labels[sanitiseLabelName(label)];
}

const KIND_NAMES: Record<string, string> = {
  deployment: 'Deployment',
  statefulset: 'StatefulSet',
  daemonset: 'DaemonSet',
  job: 'Job',
  cronjob: 'CronJob',
  replicaset: 'ReplicaSet',
  rollout: 'Rollout',
  inferenceservice: 'InferenceService',
};

/** OpenCost's lower-case controllerKind as a manifest kind (`deployment` → `Deployment`). */
export function manifestKind(controllerKind: string): string {
  return KIND_NAMES[controllerKind.toLowerCase()] ?? controllerKind;
}

function isSpecial(allocation: OpenCostAllocation): boolean {
  return (
    allocation.key === SpecialAllocationKey.idle ||
    allocation.key === SpecialAllocationKey.unmounted ||
    allocation.key.includes(`/${SpecialAllocationKey.idle}`) ||
    allocation.namespace === SpecialAllocationKey.idle
  );
}

function workloadOf(allocation: OpenCostAllocation): WorkloadKey | undefined {
  if (!allocation.namespace || allocation.namespace.startsWith('__')) return undefined;
  if (allocation.controller && allocation.controllerKind) {
    return {
      cluster: allocation.cluster,
      namespace: allocation.namespace,
      kind: manifestKind(allocation.controllerKind),
      name: allocation.controller,
    };
  }
  if (allocation.pod) {
    return {
      cluster: allocation.cluster,
      namespace: allocation.namespace,
      kind: 'Pod',
      name: allocation.pod,
    };
  }
  return undefined;
}

function namespaceOf(allocation: OpenCostAllocation, options: ConversionOptions): string | undefined {
  if (options.aggregate === 'namespace') return allocation.key;
  return allocation.namespace;
}

interface SeriesAccumulator {
  point: CostPoint;
  contributors: Map<string, Money>;
}

/**
 * Daily cost points per cluster-day: `k8s-namespace=<ns>` and `k8s-cost-center=<value>`
 * (`__unallocated__` kept: untagged spend is worth watching), with the workloads that
 * contributed as `resource` contributors. `__idle__` and `__unmounted__` are left out: they
 * belong to no namespace.
 */
export function allocationsToCostPoints(
  allocations: readonly OpenCostAllocation[],
  options: ConversionOptions,
): Map<string, { cluster: string; day: IsoDay; points: CostPoint[] }> {
  const byUnit = new Map<string, { cluster: string; day: IsoDay; series: Map<string, SeriesAccumulator> }>();
  const add = (allocation: OpenCostAllocation, key: string) => {
    const unitKey = `${allocation.cluster}\u0000${allocation.day}`;
    let unit = byUnit.get(unitKey);
    if (!unit) {
      unit = { cluster: allocation.cluster, day: allocation.day, series: new Map() };
      byUnit.set(unitKey, unit);
    }
    let acc = unit.series.get(key);
    if (!acc) {
      acc = {
        point: { seriesKey: key, currency: options.currency, day: allocation.day, amount: 0n, rowCount: 0 },
        contributors: new Map(),
      };
      unit.series.set(key, acc);
    }
    acc.point.amount += allocation.totalCost;
    acc.point.rowCount += 1;
    const workload = workloadOf(allocation);
    const contributor = workload ? `${workload.namespace}/${workload.kind}/${workload.name}` : allocation.key;
    acc.contributors.set(contributor, (acc.contributors.get(contributor) ?? 0n) + allocation.totalCost);
  };
  for (const allocation of allocations) {
    if (isSpecial(allocation)) continue;
    const namespace = namespaceOf(allocation, options);
    if (namespace && namespace !== SpecialAllocationKey.unallocated) {
      add(allocation, seriesKey(KubernetesDimension.namespace, namespace));
    }
    const costCenter = costCenterOf(allocation, options);
    if (costCenter !== undefined) add(allocation, seriesKey(KubernetesDimension.costCenter, costCenter));
    else if (allocation.container || options.aggregate?.startsWith('label:')) {
      add(allocation, seriesKey(KubernetesDimension.costCenter, SpecialAllocationKey.unallocated));
    }
  }
  const result = new Map<string, { cluster: string; day: IsoDay; points: CostPoint[] }>();
  for (const [unitKey, unit] of byUnit) {
    const points = [...unit.series.values()]
      .map(({ point, contributors }) => ({ ...point, contributors: topContributors(contributors) }))
      .sort((a, b) => a.seriesKey.localeCompare(b.seriesKey));
    result.set(unitKey, { cluster: unit.cluster, day: unit.day, points });
  }
  return result;
}

function topContributors(contributors: Map<string, Money>): ContributorAmount[] {
  return [...contributors.entries()]
    .sort(([, a], [, b]) => {
      const absA = a < 0n ? -a : a;
      const absB = b < 0n ? -b : b;
      return absA === absB ? 0 : absA > absB ? -1 : 1;
    })
    .slice(0, TOP_CONTRIBUTORS)
    .map(([value, amount]) => ({ dimension: ContributorDimension.resource, value, amount }));
}

interface UsageAccumulator {
  workload: WorkloadKey;
  container: string;
  day: IsoDay;
  pods: Set<string>;
  podMinutes: number;
  dayMinutes: number;
  weighted: { cpuReq: number; cpuAvg: number; memReq: number; memAvg: number; gpu: number; gpuUse: number };
  gpuUseMinutes: number;
  cpuMax?: number;
  memMax?: number;
  cost: { cpu: number; cpuHours: number; ram: number; ramByteHours: number; gpu: number; gpuHours: number };
  total: Money;
  costCenter?: string;
  labels: Record<string, string>;
  perReplica: boolean;
}

/**
 * Per-container daily usage from container-level allocations (unaggregated, or aggregated by
 * controller and container). Pods of one controller are merged: pod-level sources give
 * per-replica, time-weighted figures and the daily maximum over pods; aggregated sources give sums.
 */
export function allocationsToUsage(
  allocations: readonly OpenCostAllocation[],
  options: ConversionOptions,
): ContainerUsageDay[] {
  const groups = new Map<string, UsageAccumulator>();
  for (const allocation of allocations) {
    if (isSpecial(allocation) || !allocation.container || allocation.container.startsWith('__')) continue;
    const workload = workloadOf(allocation);
    if (!workload) continue;
    const key = [
      workload.cluster,
      workload.namespace,
      workload.kind,
      workload.name,
      allocation.container,
      allocation.day,
    ].join('\u0000');
    let acc = groups.get(key);
    if (!acc) {
      acc = {
        workload,
        container: allocation.container,
        day: allocation.day,
        pods: new Set(),
        podMinutes: 0,
        dayMinutes: (Date.parse(allocation.windowEnd) - Date.parse(allocation.windowStart)) / 60_000,
        weighted: { cpuReq: 0, cpuAvg: 0, memReq: 0, memAvg: 0, gpu: 0, gpuUse: 0 },
        gpuUseMinutes: 0,
        cost: { cpu: 0, cpuHours: 0, ram: 0, ramByteHours: 0, gpu: 0, gpuHours: 0 },
        total: 0n,
        labels: {},
        perReplica: allocation.pod !== undefined,
      };
      groups.set(key, acc);
    }
    const minutes = allocation.minutes > 0 ? allocation.minutes : acc.dayMinutes;
    if (allocation.pod) acc.pods.add(allocation.pod);
    else acc.perReplica = false;
    acc.podMinutes += minutes;
    acc.weighted.cpuReq += allocation.cpuRequestCores * minutes;
    acc.weighted.cpuAvg += allocation.cpuUsageAvgCores * minutes;
    acc.weighted.memReq += allocation.memoryRequestBytes * minutes;
    acc.weighted.memAvg += allocation.memoryUsageAvgBytes * minutes;
    acc.weighted.gpu += allocation.gpuCount * minutes;
    if (allocation.gpuUsageAvg !== undefined) {
      acc.weighted.gpuUse += allocation.gpuUsageAvg * minutes;
      acc.gpuUseMinutes += minutes;
    }
    if (allocation.cpuUsageMaxCores !== undefined)
      acc.cpuMax = Math.max(acc.cpuMax ?? 0, allocation.cpuUsageMaxCores);
    if (allocation.memoryUsageMaxBytes !== undefined) {
      acc.memMax = Math.max(acc.memMax ?? 0, allocation.memoryUsageMaxBytes);
    }
    acc.cost.cpu += allocation.cpuCost;
    acc.cost.cpuHours += allocation.cpuCoreHours;
    acc.cost.ram += allocation.ramCost;
    acc.cost.ramByteHours += allocation.ramByteHours;
    acc.cost.gpu += allocation.gpuCost;
    acc.cost.gpuHours += allocation.gpuHours;
    acc.total += allocation.totalCost;
    acc.costCenter ??= costCenterOf(allocation, options);
    Object.assign(acc.labels, allocation.labels);
  }
  return [...groups.values()].map((acc) => {
    // Pod-level: time-weighted mean per running replica. Aggregated: the figures as reported.
    const per = (value: number) => (acc.podMinutes > 0 ? value / acc.podMinutes : 0);
    const usage: ContainerUsageDay = {
      workload: acc.workload,
      container: acc.container,
      day: acc.day,
      perReplica: acc.perReplica,
      replicasObserved: acc.perReplica && acc.dayMinutes > 0 ? round(acc.podMinutes / acc.dayMinutes, 3) : 0,
      minutes: acc.dayMinutes,
      cpuRequestCores: per(acc.weighted.cpuReq),
      cpuUsageAvgCores: per(acc.weighted.cpuAvg),
      memoryRequestBytes: per(acc.weighted.memReq),
      memoryUsageAvgBytes: per(acc.weighted.memAvg),
      gpuCount: round(per(acc.weighted.gpu), 3),
      totalCost: formatMoney(acc.total),
      currency: options.currency,
      labels: acc.labels,
    };
    if (acc.cpuMax !== undefined) usage.cpuUsageMaxCores = acc.cpuMax;
    if (acc.memMax !== undefined) usage.memoryUsageMaxBytes = acc.memMax;
    if (acc.gpuUseMinutes > 0) usage.gpuUsageAvg = acc.weighted.gpuUse / acc.gpuUseMinutes;
    if (acc.cost.cpuHours > 0) usage.cpuCostPerCoreHour = acc.cost.cpu / acc.cost.cpuHours;
    if (acc.cost.ramByteHours > 0) usage.ramCostPerGibHour = acc.cost.ram / (acc.cost.ramByteHours / GIB);
    if (acc.cost.gpuHours > 0) usage.gpuCostPerGpuHour = acc.cost.gpu / acc.cost.gpuHours;
    if (acc.costCenter !== undefined) usage.costCenter = acc.costCenter;
    return usage;
  });
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
