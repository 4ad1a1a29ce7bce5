import { createHash } from 'node:crypto';
import type { ContainerRecommendation, RightsizingRecommended } from '#events/rightsizing-recommended';
import { type ContainerUsageDay, type WorkloadKey, workloadPath } from '#shared/k8s/container-usage';
import {
  formatCpu,
  formatMemory,
  GIB,
  MIB,
  parseQuantity,
  roundCpuUp,
  roundMemoryUp,
} from '#shared/k8s/quantity';
import { formatMoneyFixed, type Money, numberToMoney, parseMoney } from '#shared/money';

/** Version stamped on every recommendation; bump it whenever the method or a default changes. */
export const ALGORITHM_VERSION = 'rightsize-1';

/** Every knob of the method (documented in docs/rightsizing.md); all are stamped on the output. */
export interface RecommenderParams {
  /** Days of usage considered, ending at the last day with data. */
  windowDays: number;
  /** Fewer days of data than this for a container → no change for it. */
  minHistoryDays: number;
  /** Percentile (0..100) of the daily CPU peaks that the new CPU request must cover. */
  cpuPercentile: number;
  /** Multiplier on the CPU percentile. */
  cpuHeadroom: number;
  /** Multiplier on the memory peak; memory request = limit = peak × this. */
  memoryHeadroom: number;
  cpuFloorMillicores: number;
  memoryFloorMib: number;
  /** CPU requests are rounded up to a multiple of this many millicores. */
  cpuStepMillicores: number;
  /** Memory requests are rounded up to a multiple of this many MiB. */
  memoryStepMib: number;
  /** Relative changes smaller than this (0..1) are not proposed. */
  minChangeRatio: number;
  /** Workloads saving less than this per month (decimal text, currency of the data) get no PR. */
  minMonthlySavings: string;
  /** GPUs busy less than this fraction on average are flagged (never changed). */
  gpuUnderusedThreshold: number;
  hoursPerMonth: number;
}

/** The defaults: a 14-day window, p95 × 1.2 for CPU, peak × 1.15 for memory. */
export const DEFAULT_RECOMMENDER_PARAMS: Readonly<RecommenderParams> = Object.freeze({
  windowDays: 14,
  minHistoryDays: 7,
  cpuPercentile: 95,
  cpuHeadroom: 1.2,
  memoryHeadroom: 1.15,
  cpuFloorMillicores: 10,
  memoryFloorMib: 32,
  cpuStepMillicores: 10,
  memoryStepMib: 16,
  minChangeRatio: 0.1,
  minMonthlySavings: '5',
  gpuUnderusedThreshold: 0.1,
  hoursPerMonth: 730,
});

/** A container's resources as declared in the manifests (quantity text). */
export interface ContainerSpec {
  name: string;
  cpuRequest?: string;
  cpuLimit?: string;
  memoryRequest?: string;
  memoryLimit?: string;
  gpu?: number;
}

/** What the GitOps repository says about a workload: replicas, containers and HPA-scaled resources. */
export interface WorkloadSpec {
  replicas?: number;
  containers: ContainerSpec[];
  /** Resources an HorizontalPodAutoscaler scales the workload on (`cpu`, `memory`). */
  hpaResources?: string[];
}

/** Input of one recommendation. `usage` may hold any days: the window is applied here. */
export interface RecommendInput {
  workload: WorkloadKey;
  usage: readonly ContainerUsageDay[];
  spec?: WorkloadSpec;
  params?: Partial<RecommenderParams>;
  now: Date;
}

/** Either a recommendation, or why none was made. */
export type RecommendOutcome =
  | { kind: 'recommended'; recommendation: RightsizingRecommended }
  | { kind: 'no-change'; reasons: string[]; containers: ContainerRecommendation[] };

/** Linear-interpolated percentile (R type 7) of `values` at `p` in 0..100; 0 for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] ?? 0;
  const high = sorted[upper] ?? low;
  return low + (high - low) * (position - lower);
}

const mean = (values: readonly number[]) =>
  values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0) / values.length;

function validate(params: RecommenderParams): void {
  const checks: Array<[boolean, string]> = [
    [
      Number.isInteger(params.windowDays) && params.windowDays >= 1 && params.windowDays <= 90,
      `windowDays must be 1..90, got ${params.windowDays}`,
    ],
    [
      Number.isInteger(params.minHistoryDays) &&
        params.minHistoryDays >= 1 &&
        params.minHistoryDays <= params.windowDays,
      `minHistoryDays must be 1..windowDays, got ${params.minHistoryDays}`,
    ],
    [
      params.cpuPercentile > 0 && params.cpuPercentile <= 100,
      `cpuPercentile must be in (0, 100], got ${params.cpuPercentile}`,
    ],
    [params.cpuHeadroom >= 1 && params.memoryHeadroom >= 1, 'headrooms must be >= 1'],
    [
      params.minChangeRatio >= 0 && params.minChangeRatio < 1,
      `minChangeRatio must be 0..1, got ${params.minChangeRatio}`,
    ],
  ];
  for (const [ok, message] of checks) if (!ok) throw new RangeError(message);
}

interface ContainerOutcome {
  recommendation: ContainerRecommendation;
  changed: boolean;
  increased: boolean;
  savings: number;
}

/**
 * Recommends requests for each container of a workload from its daily usage: CPU request =
 * percentile of daily CPU peaks × headroom; memory request = limit = peak × headroom; floors and
 * rounding; no change below the change ratio, without enough history, for resources an HPA
 * scales on, or when the workload would save less than the minimum. GPUs are only flagged.
 */
export function recommendRightsizing(input: RecommendInput): RecommendOutcome {
  const params: RecommenderParams = { ...DEFAULT_RECOMMENDER_PARAMS, ...input.params };
  validate(params);
  const lastDay =
    input.usage
      .map((record) => record.day)
      .sort()
      .at(-1) ?? '';
  const windowEnd = lastDay ? addDays(lastDay, 1) : input.now.toISOString().slice(0, 10);
  const windowStart = addDays(windowEnd, -params.windowDays);
  const inWindow = input.usage.filter((record) => record.day >= windowStart && record.day < windowEnd);
  const observedReplicas = mean(
    inWindow.map((record) => record.replicasObserved).filter((value) => value > 0),
  );
  const replicas = input.spec?.replicas ?? (observedReplicas ? Math.round(observedReplicas) : 1);
  const hpa = new Set(input.spec?.hpaResources ?? []);

  const containerNames = new Set<string>(inWindow.map((record) => record.container));
  const outcomes: ContainerOutcome[] = [];
  for (const name of [...containerNames].sort()) {
    const days = inWindow
      .filter((record) => record.container === name)
      .sort((a, b) => a.day.localeCompare(b.day));
    const spec = input.spec?.containers.find((container) => container.name === name);
    outcomes.push(recommendContainer(name, days, spec, replicas, hpa, params));
  }

  const currency = inWindow[0]?.currency ?? 'USD';
  const costCenter = inWindow.find((record) => record.costCenter !== undefined)?.costCenter;
  const containers = outcomes.map((outcome) => outcome.recommendation);
  const savings = numberToMoney(
    outcomes.reduce((sum, outcome) => sum + (outcome.changed ? outcome.savings : 0), 0),
  );
  const savingsText = centsText(savings);
  const reasons: string[] = [];
  if (!outcomes.some((outcome) => outcome.changed)) reasons.push('no-container-changed');
  else if (
    parseMoney(savingsText) < parseMoney(params.minMonthlySavings) &&
    !outcomes.some((o) => o.increased)
  ) {
    reasons.push(`below-minimum-savings:${savingsText}<${params.minMonthlySavings}`);
  }
  if (reasons.length > 0) return { kind: 'no-change', reasons, containers };

  const recommendedDigest = createHash('sha256')
    .update(JSON.stringify(containers.map((container) => [container.container, container.recommended])))
    .digest('hex')
    .slice(0, 6);
  const parameters: Record<string, string | number> = { ...params };
  const recommendation: RightsizingRecommended = {
    schemaVersion: 1,
    recommendationId: `${input.workload.cluster}/${workloadPath(input.workload)}/${ALGORITHM_VERSION}/${recommendedDigest}`,
    workload: { ...input.workload },
    replicas,
    containers,
    monthlySavings: savingsText,
    currency,
    algorithm: { version: ALGORITHM_VERSION, parameters },
    window: { start: `${windowStart}T00:00:00.000Z`, end: `${windowEnd}T00:00:00.000Z` },
    recommendedAt: input.now.toISOString(),
  };
  if (costCenter !== undefined) recommendation.costCenter = costCenter;
  return { kind: 'recommended', recommendation };
}

function recommendContainer(
  name: string,
  days: readonly ContainerUsageDay[],
  spec: ContainerSpec | undefined,
  replicas: number,
  hpa: ReadonlySet<string>,
  params: RecommenderParams,
): ContainerOutcome {
  // Aggregated sources report sums over replicas: bring them to one replica.
  const perReplica = (record: ContainerUsageDay, value: number) =>
    record.perReplica ? value : value / Math.max(1, replicas || record.replicasObserved || 1);
  const cpuAvg = days.map((d) => perReplica(d, d.cpuUsageAvgCores));
  const cpuPeaks = days.map((d) => perReplica(d, d.cpuUsageMaxCores ?? d.cpuUsageAvgCores));
  const memAvg = days.map((d) => perReplica(d, d.memoryUsageAvgBytes));
  const memPeaks = days.map((d) => perReplica(d, d.memoryUsageMaxBytes ?? d.memoryUsageAvgBytes));
  const notes: string[] = [];
  if (days.some((d) => d.cpuUsageMaxCores === undefined))
    notes.push('cpu-peaks-estimated-from-daily-averages');
  if (days.some((d) => d.memoryUsageMaxBytes === undefined))
    notes.push('memory-peaks-estimated-from-daily-averages');

  const last = days[days.length - 1];
  const current: ContainerRecommendation['current'] = spec
    ? pickDefined({
        cpuRequest: spec.cpuRequest,
        cpuLimit: spec.cpuLimit,
        memoryRequest: spec.memoryRequest,
        memoryLimit: spec.memoryLimit,
        gpu: spec.gpu,
      })
    : pickDefined({
        cpuRequest:
          last && last.cpuRequestCores > 0 ? formatCpu(perReplica(last, last.cpuRequestCores)) : undefined,
        memoryRequest:
          last && last.memoryRequestBytes > 0
            ? formatMemory(perReplica(last, last.memoryRequestBytes))
            : undefined,
        gpu: last && last.gpuCount > 0 ? Math.round(perReplica(last, last.gpuCount)) : undefined,
      });
  if (!spec) notes.push('manifest-not-found');
  const recommended: ContainerRecommendation['recommended'] = { ...current };
  const daysOfData = new Set(days.map((d) => d.day)).size;
  const usage: ContainerRecommendation['usage'] = {
    cpuP50: round(percentile(cpuAvg, 50), 4),
    cpuP95: round(percentile(cpuPeaks, params.cpuPercentile), 4),
    cpuMax: round(Math.max(0, ...cpuPeaks), 4),
    memoryP50: Math.round(percentile(memAvg, 50)),
    memoryP95: Math.round(percentile(memPeaks, 95)),
    memoryMax: Math.round(Math.max(0, ...memPeaks)),
  };

  const gpuCount = current.gpu ?? 0;
  const gpuUse = mean(
    days.flatMap((d) => (d.gpuUsageAvg === undefined ? [] : [perReplica(d, d.gpuUsageAvg)])),
  );
  if (gpuCount > 0 && gpuUse !== undefined) {
    usage.gpuUtilisation = round(Math.min(1, gpuUse / gpuCount), 4);
    if (usage.gpuUtilisation < params.gpuUnderusedThreshold) notes.push('gpu-underused');
  } else if (gpuCount > 0) notes.push('gpu-usage-unknown');

  const cpuPrice =
    mean(days.flatMap((d) => (d.cpuCostPerCoreHour === undefined ? [] : [d.cpuCostPerCoreHour]))) ?? 0;
  const ramPrice =
    mean(days.flatMap((d) => (d.ramCostPerGibHour === undefined ? [] : [d.ramCostPerGibHour]))) ?? 0;
  let changed = false;
  let increased = false;
  let savingsPerHour = 0;

  if (daysOfData < params.minHistoryDays) {
    notes.push(`insufficient-history:${daysOfData}<${params.minHistoryDays}`);
  } else {
    // CPU
    if (hpa.has('cpu')) notes.push('hpa-on-cpu');
    else {
      const target = Math.max(
        params.cpuFloorMillicores / 1000,
        roundCpuUp(usage.cpuP95 * params.cpuHeadroom, params.cpuStepMillicores),
      );
      const currentCores = current.cpuRequest === undefined ? undefined : parseQuantity(current.cpuRequest);
      if (currentCores !== undefined && isSmallChange(currentCores, target, params.minChangeRatio)) {
        notes.push('cpu-below-threshold');
      } else {
        recommended.cpuRequest = formatCpu(target);
        changed = true;
        if (currentCores === undefined) notes.push('cpu-request-was-unset');
        else {
          if (target > currentCores) increased = true;
          savingsPerHour += (currentCores - target) * cpuPrice * replicas;
        }
        if (current.cpuLimit !== undefined && parseQuantity(current.cpuLimit) < target) {
          recommended.cpuLimit = formatCpu(target);
          notes.push('cpu-limit-raised-to-request');
        }
      }
    }
    // Memory: request = limit, so the pod is never OOM-killed below what it was promised.
    if (hpa.has('memory')) notes.push('hpa-on-memory');
    else {
      const target = Math.max(
        params.memoryFloorMib * MIB,
        roundMemoryUp(usage.memoryMax * params.memoryHeadroom, params.memoryStepMib),
      );
      const currentBytes =
        current.memoryRequest === undefined ? undefined : parseQuantity(current.memoryRequest);
      const currentLimit = current.memoryLimit === undefined ? undefined : parseQuantity(current.memoryLimit);
      const requestSmall =
        currentBytes !== undefined && isSmallChange(currentBytes, target, params.minChangeRatio);
      const limitSmall =
        currentLimit !== undefined && isSmallChange(currentLimit, target, params.minChangeRatio);
      if (requestSmall && limitSmall) notes.push('memory-below-threshold');
      else {
        recommended.memoryRequest = formatMemory(target);
        recommended.memoryLimit = formatMemory(target);
        changed = true;
        if (currentBytes === undefined) notes.push('memory-request-was-unset');
        else {
          if (target > currentBytes) increased = true;
          savingsPerHour += ((currentBytes - target) / GIB) * ramPrice * replicas;
        }
      }
    }
  }
  const savings = savingsPerHour * params.hoursPerMonth;
  return {
    recommendation: {
      container: name,
      current,
      recommended,
      usage,
      daysOfData,
      monthlySavings: centsText(numberToMoney(changed ? savings : 0)),
      notes,
    },
    changed,
    increased,
    savings,
  };
}

function isSmallChange(current: number, target: number, ratio: number): boolean {
  if (current === 0) return target === 0;
  return Math.abs(target - current) / current < ratio;
}

function centsText(amount: Money): string {
  return formatMoneyFixed(amount, 2);
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

function pickDefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function addDays(day: string, delta: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + delta);
  return date.toISOString().slice(0, 10);
}
