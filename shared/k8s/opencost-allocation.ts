import * as z from 'zod';
import type { IsoDay } from '#shared/cost/cost-point';
import { InvalidInputError } from '#shared/errors';
import { type Money, MoneyParseError, parseMoney } from '#shared/money';

/** An OpenCost response that is not an allocation response we can trust; nothing was stored. */
export class OpenCostResponseError extends InvalidInputError {}

/** Keys OpenCost uses for cost that belongs to no workload. */
export const SpecialAllocationKey = {
  idle: '__idle__',
  unallocated: '__unallocated__',
  unmounted: '__unmounted__',
} as const;

const num = z.number().nullable().optional();
const allocationSchema = z.object({
  name: z.string().min(1),
  properties: z
    .object({
      cluster: z.string().optional(),
      node: z.string().optional(),
      namespace: z.string().optional(),
      controller: z.string().optional(),
      controllerKind: z.string().optional(),
      pod: z.string().optional(),
      container: z.string().optional(),
      labels: z.record(z.string(), z.string()).nullable().optional(),
    })
    .nullable()
    .optional(),
  window: z.object({ start: z.iso.datetime({ offset: true }), end: z.iso.datetime({ offset: true }) }),
  minutes: num,
  cpuCoreRequestAverage: num,
  cpuCoreUsageAverage: num,
  cpuCoreHours: num,
  cpuCost: num,
  gpuCount: num,
  gpuHours: num,
  gpuCost: num,
  ramByteRequestAverage: num,
  ramByteUsageAverage: num,
  ramByteHours: num,
  ramCost: num,
  totalCost: z.number(),
  gpuAllocation: z
    .object({ gpuUsageAverage: num, gpuRequestAverage: num, gpuModel: z.string().nullable().optional() })
    .nullable()
    .optional(),
  rawAllocationOnly: z
    .object({ cpuCoreUsageMax: num, ramByteUsageMax: num, gpuUsageMax: num })
    .nullable()
    .optional(),
});

const responseSchema = z.object({
  code: z.number().int(),
  status: z.string().optional(),
  message: z.string().optional(),
  data: z.array(z.record(z.string(), z.unknown()).nullable()).nullable().optional(),
});

/** One allocation of one set (one step of the window), numbers as OpenCost sent them. */
export interface OpenCostAllocation {
  /** The aggregate key (`vision`, `ai-vision`, `cluster/node/ns/pod/container`, `__idle__`). */
  key: string;
  cluster: string;
  namespace?: string;
  controllerKind?: string;
  controller?: string;
  pod?: string;
  container?: string;
  labels: Record<string, string>;
  /** UTC day of the window start: the day the allocation is booked on. */
  day: IsoDay;
  windowStart: string;
  windowEnd: string;
  minutes: number;
  cpuRequestCores: number;
  cpuUsageAvgCores: number;
  cpuUsageMaxCores?: number;
  cpuCoreHours: number;
  cpuCost: number;
  memoryRequestBytes: number;
  memoryUsageAvgBytes: number;
  memoryUsageMaxBytes?: number;
  ramByteHours: number;
  ramCost: number;
  gpuCount: number;
  gpuHours: number;
  gpuCost: number;
  /** Average GPUs busy (0..gpuCount), when OpenCost reports GPU usage. */
  gpuUsageAvg?: number;
  /** Exact total cost, from the JSON number's shortest decimal text. */
  totalCost: Money;
}

/** A parsed allocation response: the allocations, and what was deliberately left out. */
export interface ParsedAllocations {
  allocations: OpenCostAllocation[];
  /** Documentation placeholders (`"...etc": {}`) and empty entries skipped. */
  placeholdersSkipped: number;
  sets: number;
}

/** Exact Money from a JSON number: `String(n)` is its shortest round-trip decimal text. */
export function moneyFromJsonNumber(value: number, where: string): Money {
  try {
    return parseMoney(String(value));
  } catch (error) {
    if (error instanceof MoneyParseError) {
      throw new OpenCostResponseError(`${where}: cost ${String(value)} is not a finite decimal`, {
        cause: error,
      });
    }
    throw error;
  }
}

function dayOf(timestamp: string): IsoDay {
  return new Date(timestamp).toISOString().slice(0, 10);
}

const orZero = (value: number | null | undefined): number => value ?? 0;
const orUndefined = (value: number | null | undefined): number | undefined => value ?? undefined;

/**
 * Parses an OpenCost `/allocation` (or `/allocation/compute`) response body. Tolerates the shapes
 * seen in the wild (no `status`, `pvs: null`, `rawAllocationOnly: null`, `"...etc": {}` doc
 * placeholders, `__idle__` keys); anything else malformed throws OpenCostResponseError naming the
 * set, key and field, so a caller can refuse the whole response before writing anything.
 */
export function parseAllocationResponse(
  body: unknown,
  options: { defaultCluster?: string } = {},
): ParsedAllocations {
  const envelope = responseSchema.safeParse(body);
  if (!envelope.success) {
    throw new OpenCostResponseError(
      `OpenCost response is not an allocation response: ${describe(envelope.error)}`,
    );
  }
  const { code, message, data } = envelope.data;
  if (code !== 200) {
    throw new OpenCostResponseError(`OpenCost answered code ${code}${message ? `: ${message}` : ''}`);
  }
  if (!data) throw new OpenCostResponseError('OpenCost response has no data array');
  const allocations: OpenCostAllocation[] = [];
  let placeholdersSkipped = 0;
  data.forEach((set, setIndex) => {
    for (const [key, raw] of Object.entries(set ?? {})) {
      if (raw === null || (typeof raw === 'object' && Object.keys(raw as object).length === 0)) {
        placeholdersSkipped += 1;
        continue;
      }
      const parsed = allocationSchema.safeParse(raw);
      if (!parsed.success) {
        throw new OpenCostResponseError(
          `OpenCost allocation data[${setIndex}][${JSON.stringify(key)}] is malformed: ${describe(parsed.error)}`,
        );
      }
      const a = parsed.data;
      const props = a.properties ?? {};
      const cluster = props.cluster ?? options.defaultCluster;
      if (!cluster) {
        throw new OpenCostResponseError(
          `OpenCost allocation data[${setIndex}][${JSON.stringify(key)}] has no properties.cluster; pass a cluster name`,
        );
      }
      allocations.push({
        key,
        cluster,
        namespace: props.namespace,
        controllerKind: props.controllerKind,
        controller: props.controller,
        pod: props.pod,
        container: props.container,
        labels: props.labels ?? {},
        day: dayOf(a.window.start),
        windowStart: a.window.start,
        windowEnd: a.window.end,
        minutes: orZero(a.minutes),
        cpuRequestCores: orZero(a.cpuCoreRequestAverage),
        cpuUsageAvgCores: orZero(a.cpuCoreUsageAverage),
        cpuUsageMaxCores: orUndefined(a.rawAllocationOnly?.cpuCoreUsageMax),
        cpuCoreHours: orZero(a.cpuCoreHours),
        cpuCost: orZero(a.cpuCost),
        memoryRequestBytes: orZero(a.ramByteRequestAverage),
        memoryUsageAvgBytes: orZero(a.ramByteUsageAverage),
        memoryUsageMaxBytes: orUndefined(a.rawAllocationOnly?.ramByteUsageMax),
        ramByteHours: orZero(a.ramByteHours),
        ramCost: orZero(a.ramCost),
        gpuCount: orZero(a.gpuCount),
        gpuHours: orZero(a.gpuHours),
        gpuCost: orZero(a.gpuCost),
        gpuUsageAvg: orUndefined(a.gpuAllocation?.gpuUsageAverage),
        totalCost: moneyFromJsonNumber(a.totalCost, `data[${setIndex}][${JSON.stringify(key)}].totalCost`),
      });
    }
  });
  return { allocations, placeholdersSkipped, sets: data.length };
}

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}
