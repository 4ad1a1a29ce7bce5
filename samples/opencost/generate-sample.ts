/**
 * Seeded generator of the sample OpenCost data: 14 daily `/allocation` responses (unaggregated,
 * one set per day, pod/container level, with `rawAllocationOnly` maxima and GPU usage) matching
 * the workloads of samples/gitops. Run `npx tsx samples/opencost/generate-sample.ts` to rewrite
 * samples/opencost/daily/*.json; the output is committed so `npm start` needs no generation.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
/** Unit prices of the sample cluster (USD): per core-hour, per GiB-hour, per GPU-hour. */
export const SAMPLE_PRICES = { cpuCoreHour: 0.031611, ramGibHour: 0.004237, gpuHour: 2.48 };
export const SAMPLE_CLUSTER = 'demo-eks';
export const SAMPLE_DAYS = { from: '2026-11-12', to: '2026-11-25' };

interface ContainerProfile {
  namespace: string;
  controller: string;
  container: string;
  pods: number;
  costCenter: string;
  cpuRequest: number;
  memoryRequest: number;
  gpus: number;
  cpuAvg: [number, number];
  cpuMax: [number, number];
  memAvg: [number, number];
  memMax: [number, number];
  gpuUse?: [number, number];
}

const PROFILES: ContainerProfile[] = [
  {
    namespace: 'vision',
    controller: 'image-captioner',
    container: 'captioner',
    pods: 3,
    costCenter: 'ai-vision',
    cpuRequest: 2,
    memoryRequest: 8 * GIB,
    gpus: 1,
    cpuAvg: [0.24, 0.32],
    cpuMax: [0.36, 0.47],
    memAvg: [1.6 * GIB, 1.85 * GIB],
    memMax: [1.9 * GIB, 2.2 * GIB],
    gpuUse: [0.04, 0.08],
  },
  {
    namespace: 'vision',
    controller: 'thumbnailer',
    container: 'thumbnailer',
    pods: 3,
    costCenter: 'ai-vision',
    cpuRequest: 0.5,
    memoryRequest: 1 * GIB,
    gpus: 0,
    cpuAvg: [0.3, 0.36],
    cpuMax: [0.4, 0.48],
    memAvg: [420 * MIB, 480 * MIB],
    memMax: [520 * MIB, 610 * MIB],
  },
  {
    namespace: 'nlp',
    controller: 'summarizer',
    container: 'summarizer',
    pods: 2,
    costCenter: 'ai-nlp',
    cpuRequest: 4,
    memoryRequest: 6 * GIB,
    gpus: 0,
    cpuAvg: [0.5, 0.7],
    cpuMax: [0.8, 1.1],
    memAvg: [1.8 * GIB, 2.1 * GIB],
    memMax: [2.2 * GIB, 2.5 * GIB],
  },
  {
    namespace: 'nlp',
    controller: 'summarizer',
    container: 'token-cache',
    pods: 2,
    costCenter: 'ai-nlp',
    cpuRequest: 0.1,
    memoryRequest: 256 * MIB,
    gpus: 0,
    cpuAvg: [0.01, 0.02],
    cpuMax: [0.03, 0.05],
    memAvg: [150 * MIB, 170 * MIB],
    memMax: [180 * MIB, 200 * MIB],
  },
  {
    namespace: 'platform',
    controller: 'billing-api',
    container: 'api',
    pods: 2,
    costCenter: 'platform',
    cpuRequest: 1.5,
    memoryRequest: 3 * GIB,
    gpus: 0,
    cpuAvg: [0.55, 0.7],
    cpuMax: [0.8, 0.95],
    memAvg: [1.7 * GIB, 1.9 * GIB],
    memMax: [2.0 * GIB, 2.2 * GIB],
  },
];

/** mulberry32: a small seeded PRNG so the sample is reproducible. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (value: number, decimals = 6) => Number(value.toFixed(decimals));

function days(from: string, to: string): string[] {
  const result: string[] = [];
  for (
    let d = new Date(`${from}T00:00:00Z`);
    d <= new Date(`${to}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + 1)
  ) {
    result.push(d.toISOString().slice(0, 10));
  }
  return result;
}

/** The response OpenCost would give for `window=<day>,<day+1>&step=1d` (unaggregated). */
export function sampleAllocationResponse(day: string, random: () => number): Record<string, unknown> {
  const start = `${day}T00:00:00Z`;
  const endDate = new Date(start);
  endDate.setUTCDate(endDate.getUTCDate() + 1);
  const end = `${endDate.toISOString().slice(0, 19)}Z`;
  const set: Record<string, unknown> = {};
  const between = ([low, high]: [number, number]) => low + (high - low) * random();
  for (const profile of PROFILES) {
    for (let p = 0; p < profile.pods; p += 1) {
      const pod = `${profile.controller}-7d9f8c6b5-${['a1b2c', 'd3e4f', 'g5h6i'][p]}`;
      const node = `ip-10-0-${10 + p}-${profile.gpus > 0 ? 21 : 42}.ec2.internal`;
      const key = `${SAMPLE_CLUSTER}/${node}/${profile.namespace}/${pod}/${profile.container}`;
      const hours = 24;
      const cpuHours = profile.cpuRequest * hours;
      const ramByteHours = profile.memoryRequest * hours;
      const gpuHours = profile.gpus * hours;
      const cpuCost = round(cpuHours * SAMPLE_PRICES.cpuCoreHour);
      const ramCost = round((ramByteHours / GIB) * SAMPLE_PRICES.ramGibHour);
      const gpuCost = round(gpuHours * SAMPLE_PRICES.gpuHour);
      const cpuAvg = round(between(profile.cpuAvg));
      const memAvg = Math.round(between(profile.memAvg));
      const allocation: Record<string, unknown> = {
        name: key,
        properties: {
          cluster: SAMPLE_CLUSTER,
          node,
          container: profile.container,
          controller: profile.controller,
          controllerKind: 'deployment',
          namespace: profile.namespace,
          pod,
          labels: { app: profile.controller, finops_apexlogic_com_cost_center: profile.costCenter },
        },
        window: { start, end },
        start,
        end,
        minutes: 1440,
        cpuCores: profile.cpuRequest,
        cpuCoreRequestAverage: profile.cpuRequest,
        cpuCoreUsageAverage: cpuAvg,
        cpuCoreHours: cpuHours,
        cpuCost,
        cpuCostAdjustment: 0,
        cpuEfficiency: round(cpuAvg / profile.cpuRequest),
        gpuCount: profile.gpus,
        gpuHours,
        gpuCost,
        gpuCostAdjustment: 0,
        networkTransferBytes: 0,
        networkReceiveBytes: 0,
        networkCost: 0,
        networkCostAdjustment: 0,
        loadBalancerCost: 0,
        loadBalancerCostAdjustment: 0,
        pvBytes: 0,
        pvByteHours: 0,
        pvCost: 0,
        pvs: null,
        pvCostAdjustment: 0,
        ramBytes: profile.memoryRequest,
        ramByteRequestAverage: profile.memoryRequest,
        ramByteUsageAverage: memAvg,
        ramByteHours,
        ramCost,
        ramCostAdjustment: 0,
        ramEfficiency: round(memAvg / profile.memoryRequest),
        sharedCost: 0,
        externalCost: 0,
        totalCost: round(cpuCost + ramCost + gpuCost),
        totalEfficiency: round((cpuAvg / profile.cpuRequest + memAvg / profile.memoryRequest) / 2),
        rawAllocationOnly: {
          cpuCoreUsageMax: round(between(profile.cpuMax)),
          ramByteUsageMax: Math.round(between(profile.memMax)),
          gpuUsageMax: profile.gpuUse ? round(between(profile.gpuUse) * 3) : null,
        },
      };
      if (profile.gpuUse) {
        allocation.gpuAllocation = {
          gpuDevice: 'nvidia0',
          gpuModel: 'NVIDIA A10G',
          gpuUUID: `GPU-${p}`,
          isGPUShared: false,
          gpuUsageAverage: round(between(profile.gpuUse)),
          gpuRequestAverage: profile.gpus,
        };
      }
      set[key] = allocation;
    }
  }
  set.__idle__ = {
    name: '__idle__',
    properties: { cluster: SAMPLE_CLUSTER },
    window: { start, end },
    start,
    end,
    minutes: 1440,
    cpuCoreHours: 96,
    cpuCost: round(96 * SAMPLE_PRICES.cpuCoreHour),
    ramByteHours: 200 * GIB * 24,
    ramCost: round(200 * 24 * SAMPLE_PRICES.ramGibHour),
    totalCost: round(96 * SAMPLE_PRICES.cpuCoreHour + 200 * 24 * SAMPLE_PRICES.ramGibHour),
    pvs: null,
  };
  return { code: 200, status: 'success', data: [set] };
}

/** Every day's response, keyed by day, from a fixed seed. */
export function generateSampleAllocations(seed = 20261125): Map<string, Record<string, unknown>> {
  const random = prng(seed);
  const result = new Map<string, Record<string, unknown>>();
  for (const day of days(SAMPLE_DAYS.from, SAMPLE_DAYS.to))
    result.set(day, sampleAllocationResponse(day, random));
  return result;
}

if (require.main === module) {
  const outDir = path.join(__dirname, 'daily');
  mkdirSync(outDir, { recursive: true });
  for (const [day, body] of generateSampleAllocations()) {
    writeFileSync(path.join(outDir, `allocation-${day}.json`), `${JSON.stringify(body)}\n`);
  }
  console.log(`wrote ${outDir}`);
}
