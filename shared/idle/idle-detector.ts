import type { InferenceEndpointIdle } from '#events/inference-endpoint-idle';
import type { ContainerUsageDay } from '#shared/k8s/container-usage';
import { formatMoney, type Money, parseMoney, sumMoney } from '#shared/money';

/** Version of the idle rules, for audit (bump when a threshold's meaning changes). */
export const IDLE_DETECTOR_VERSION = 'idle/1';

/** Thresholds of "idle": near-zero traffic and GPU use for long enough while capacity runs. */
export interface IdleThresholds {
  /** Hours of metrics looked at, ending at the window end (SageMaker); days are derived for Kubernetes. */
  windowHours: number;
  /** Trailing idle hours needed before an endpoint is reported. */
  minIdleHours: number;
  /** An hour with at most this many invocations counts as idle ("near zero"). */
  maxInvocationsPerHour: number;
  /** Average GPU utilisation (0..1 per allocated GPU) at or below which GPUs count as idle. */
  maxGpuUtilisation: number;
}

/** Defaults: 24 h window, 12 idle hours, at most 1 call/hour, GPUs at most 5 % busy. */
export const DEFAULT_IDLE_THRESHOLDS: IdleThresholds = {
  windowHours: 24,
  minIdleHours: 12,
  maxInvocationsPerHour: 1,
  maxGpuUtilisation: 0.05,
};

/** One hourly metric value; `at` is the ISO start of the hour. Missing hours mean "no datapoint". */
export interface HourlyPoint {
  at: string;
  value: number;
}

/** What the detector knows of a SageMaker real-time endpoint (from Describe*, ListTags). */
export interface SageMakerEndpointInfo {
  name: string;
  arn: string;
  variantName: string;
  instanceType: string;
  instanceCount: number;
  /** GPUs per instance (0 for CPU instances), from the price table. */
  gpusPerInstance: number;
  /** The inference component scaled instead of instances (copy count), when the endpoint has exactly one. */
  inferenceComponent?: { name: string; copyCount: number };
  tags: Record<string, string>;
}

/** The endpoint's daily cost and where it came from. */
export interface DailyCost {
  amount: Money;
  currency: string;
  source: 'cost-series' | 'price-table';
  /** The day of the cost series used, when from the series. */
  day?: string;
}

const HOUR_MS = 3_600_000;

/** `sagemaker|<name>|<window end>`: stable for one evaluation window, so redeliveries dedupe. */
export function idleIdFor(platform: 'sagemaker' | 'kubernetes', id: string, windowEnd: Date): string {
  return `${platform}|${id}|${windowEnd.toISOString()}`;
}

/** Truncates to the start of the UTC hour: detection windows end on whole hours. */
export function startOfHour(at: Date): Date {
  return new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);
}

/**
 * Idle when the trailing `minIdleHours` (within the window) had at most `maxInvocationsPerHour`
 * each (SageMaker publishes no Invocations datapoint for an hour without calls: missing = 0), the
 * endpoint has running instances, and the GPUs (when measured) were at most `maxGpuUtilisation`
 * busy on average. Returns the event to emit, or undefined when the endpoint is in use.
 */
export function assessSageMakerEndpoint(input: {
  endpoint: SageMakerEndpointInfo;
  invocations: readonly HourlyPoint[];
  /** CloudWatch GPUUtilization (percent, 0..100 × GPUs per instance), hourly average. */
  gpuUtilisationPercent?: readonly HourlyPoint[];
  environment?: string;
  dailyCost: DailyCost;
  windowEnd: Date;
  thresholds: IdleThresholds;
  now: Date;
}): InferenceEndpointIdle | undefined {
  const { endpoint, thresholds, windowEnd } = input;
  const capacity = endpoint.inferenceComponent?.copyCount ?? endpoint.instanceCount;
  if (endpoint.instanceCount <= 0 || capacity <= 0) return undefined;
  const windowStart = new Date(windowEnd.getTime() - thresholds.windowHours * HOUR_MS);
  const byHour = new Map(input.invocations.map((point) => [Date.parse(point.at), point.value]));
  let idleHours = 0;
  let invocations = 0;
  for (let hour = windowEnd.getTime() - HOUR_MS; hour >= windowStart.getTime(); hour -= HOUR_MS) {
    const calls = byHour.get(hour) ?? 0;
    if (calls > thresholds.maxInvocationsPerHour) break;
    idleHours += 1;
    invocations += calls;
  }
  if (idleHours < thresholds.minIdleHours || idleHours === 0) return undefined;

  let gpuUtilisation: number | undefined;
  const idleFrom = windowEnd.getTime() - idleHours * HOUR_MS;
  const gpuPoints = (input.gpuUtilisationPercent ?? []).filter((point) => Date.parse(point.at) >= idleFrom);
  if (gpuPoints.length > 0 && endpoint.gpusPerInstance > 0) {
    const meanPercent = gpuPoints.reduce((sum, point) => sum + point.value, 0) / gpuPoints.length;
    gpuUtilisation = Math.min(1, meanPercent / 100 / endpoint.gpusPerInstance);
    if (gpuUtilisation > thresholds.maxGpuUtilisation) return undefined;
  }
  const gpuCount = endpoint.gpusPerInstance * endpoint.instanceCount;
  const gpuText = gpuUtilisation === undefined ? '' : `, GPUs ${(gpuUtilisation * 100).toFixed(1)}% busy`;
  return {
    schemaVersion: 1,
    idleId: idleIdFor('sagemaker', endpoint.name, windowEnd),
    endpoint: {
      platform: 'sagemaker',
      id: endpoint.name,
      name: endpoint.name,
      environment: input.environment,
      tags: endpoint.tags,
      gitopsManaged: false,
    },
    window: { start: windowStart.toISOString(), end: windowEnd.toISOString() },
    evidence: {
      idleHours,
      invocations,
      gpuUtilisation,
      gpuCount: gpuCount > 0 ? gpuCount : undefined,
      summary:
        `${invocations} invocations in the last ${idleHours} h on ${endpoint.instanceCount} × ${endpoint.instanceType}` +
        `${gpuText}; cost ${formatMoney(input.dailyCost.amount)} ${input.dailyCost.currency}/day from the ${input.dailyCost.source}`,
    },
    currentCapacity: capacity,
    wastedPerDay: formatMoney(input.dailyCost.amount),
    currency: input.dailyCost.currency,
    detectedAt: input.now.toISOString(),
  };
}

/** Label that marks a Deployment as an inference workload. */
export const WORKLOAD_TYPE_LABEL = 'finops.apexlogic.com/workload-type';
/** Label KServe puts on an InferenceService's predictor pods and Deployments. */
export const KSERVE_LABEL = 'serving.kserve.io/inferenceservice';
/** Tag carrying the cluster of a Kubernetes endpoint in the idle event (executors need it). */
export const CLUSTER_TAG = 'finops.apexlogic.com/cluster';

/** The inference identity of a workload, or undefined when it is not an inference workload. */
export function inferenceWorkloadOf(
  day: Pick<ContainerUsageDay, 'workload' | 'labels'>,
): { kind: 'Deployment' | 'InferenceService'; name: string } | undefined {
  const isvc = day.labels[KSERVE_LABEL];
  if (isvc) return { kind: 'InferenceService', name: isvc };
  if (day.workload.kind === 'InferenceService') return { kind: 'InferenceService', name: day.workload.name };
  if (day.labels[WORKLOAD_TYPE_LABEL] === 'inference' && day.workload.kind === 'Deployment') {
    return { kind: 'Deployment', name: day.workload.name };
  }
  return undefined;
}

/**
 * A Kubernetes inference workload is idle when, on each trailing day of the window, it had GPUs
 * allocated and their average use per allocated GPU was at most `maxGpuUtilisation`. Days without
 * a GPU usage figure end the idle streak (no evidence, no action). Wasted money per day is the
 * workload's exact cost on the last idle day (all containers, all replicas).
 */
export function assessKubernetesWorkload(input: {
  usage: readonly ContainerUsageDay[];
  windowEnd: Date;
  thresholds: IdleThresholds;
  gitopsManaged: boolean;
  now: Date;
}): InferenceEndpointIdle | undefined {
  const first = input.usage[0];
  if (!first) return undefined;
  const identity = inferenceWorkloadOf(first);
  if (!identity) return undefined;
  const byDay = new Map<string, ContainerUsageDay[]>();
  for (const record of input.usage) byDay.set(record.day, [...(byDay.get(record.day) ?? []), record]);
  const days = [...byDay.keys()].sort().reverse();
  const windowDays = Math.max(1, Math.ceil(input.thresholds.windowHours / 24));
  let idleDays = 0;
  let busySum = 0;
  let gpuSum = 0;
  for (const day of days.slice(0, windowDays)) {
    const records = byDay.get(day) ?? [];
    const gpus = records.reduce((sum, record) => sum + record.gpuCount, 0);
    if (gpus <= 0 || records.some((record) => record.gpuCount > 0 && record.gpuUsageAvg === undefined)) break;
    const busy = records.reduce((sum, record) => sum + (record.gpuUsageAvg ?? 0), 0);
    if (busy / gpus > input.thresholds.maxGpuUtilisation) break;
    idleDays += 1;
    busySum += busy;
    gpuSum += gpus;
  }
  const idleHours = idleDays * 24;
  if (idleDays === 0 || idleHours < input.thresholds.minIdleHours) return undefined;
  const lastDay = days[0]!;
  const lastRecords = byDay.get(lastDay) ?? [];
  const replicas = Math.max(1, Math.round(Math.max(...lastRecords.map((record) => record.replicasObserved))));
  const wasted = sumMoney(lastRecords.map((record) => parseMoney(record.totalCost)));
  const gpuPerReplica = lastRecords.reduce((sum, record) => sum + record.gpuCount, 0);
  const { namespace, cluster } = first.workload;
  const id = `${namespace}/${identity.kind}/${identity.name}`;
  const utilisation = gpuSum === 0 ? 0 : busySum / gpuSum;
  return {
    schemaVersion: 1,
    idleId: idleIdFor('kubernetes', `${cluster}/${id}`, input.windowEnd),
    endpoint: {
      platform: 'kubernetes',
      id,
      name: identity.name,
      namespace,
      kind: identity.kind,
      environment: first.labels.environment,
      tags: { ...first.labels, [CLUSTER_TAG]: cluster },
      gitopsManaged: input.gitopsManaged,
    },
    window: {
      start: new Date(input.windowEnd.getTime() - idleHours * HOUR_MS).toISOString(),
      end: input.windowEnd.toISOString(),
    },
    evidence: {
      idleHours,
      gpuUtilisation: Math.min(1, utilisation),
      gpuCount: Math.round(gpuPerReplica * (first.perReplica ? replicas : 1)),
      summary: `GPUs ${(utilisation * 100).toFixed(1)}% busy on average over ${idleDays} day(s) up to ${lastDay} with ${replicas} replica(s) running`,
    },
    currentCapacity: replicas,
    wastedPerDay: formatMoney(wasted),
    currency: first.currency,
    detectedAt: input.now.toISOString(),
  };
}
