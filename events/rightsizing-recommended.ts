import * as z from 'zod';
import { currencyCode, defineContract, isoTimestamp, moneyText, schemaVersionField } from './contract';

const SCHEMA_VERSION = 1;

/** The Kubernetes workload a recommendation or PR is about. */
export const workloadRefSchema = z.object({
  cluster: z.string().min(1),
  namespace: z.string().min(1),
  kind: z.string().min(1),
  name: z.string().min(1),
});

/** Requests and limits in Kubernetes quantity text (`250m`, `512Mi`); absent means unset. */
const resourcesSchema = z.object({
  cpuRequest: z.string().optional(),
  cpuLimit: z.string().optional(),
  memoryRequest: z.string().optional(),
  memoryLimit: z.string().optional(),
  gpu: z.number().int().nonnegative().optional(),
});

export const containerRecommendationSchema = z.object({
  container: z.string().min(1),
  current: resourcesSchema,
  recommended: resourcesSchema,
  /** Usage evidence over the window: CPU in cores, memory in bytes. */
  usage: z.object({
    cpuP50: z.number().nonnegative(),
    cpuP95: z.number().nonnegative(),
    cpuMax: z.number().nonnegative(),
    memoryP50: z.number().nonnegative(),
    memoryP95: z.number().nonnegative(),
    memoryMax: z.number().nonnegative(),
    gpuUtilisation: z.number().min(0).max(1).optional(),
  }),
  daysOfData: z.number().int().nonnegative(),
  monthlySavings: moneyText,
  /** Why a resource was left alone or flagged (`hpa-on-cpu`, `gpu-underused`, `below-threshold`). */
  notes: z.array(z.string()),
});

/** Requests vs usage suggests new requests for a workload; carries all the evidence. */
export const rightsizingRecommendedSchema = z.object({
  schemaVersion: schemaVersionField(SCHEMA_VERSION),
  /** Deterministic: workload + algorithm version + recommended values. */
  recommendationId: z.string().min(1),
  workload: workloadRefSchema,
  costCenter: z.string().optional(),
  replicas: z.number().int().nonnegative().optional(),
  containers: z.array(containerRecommendationSchema).min(1),
  monthlySavings: moneyText,
  currency: currencyCode,
  algorithm: z.object({
    version: z.string().min(1),
    parameters: z.record(z.string(), z.union([z.string(), z.number()])),
  }),
  window: z.object({ start: isoTimestamp, end: isoTimestamp }),
  recommendedAt: isoTimestamp,
});

export type RightsizingRecommended = z.infer<typeof rightsizingRecommendedSchema>;
export type WorkloadRef = z.infer<typeof workloadRefSchema>;
export type ContainerRecommendation = z.infer<typeof containerRecommendationSchema>;

export const RightsizingRecommendedEvent = defineContract({
  detailType: 'Rightsizing Recommended',
  schemaVersion: SCHEMA_VERSION,
  schema: rightsizingRecommendedSchema,
  sample: {
    schemaVersion: 1,
    recommendationId: 'prod-eks/vision/Deployment/image-captioner/rightsize-1/5f0c1e',
    workload: { cluster: 'prod-eks', namespace: 'vision', kind: 'Deployment', name: 'image-captioner' },
    costCenter: 'ai-vision',
    replicas: 3,
    containers: [
      {
        container: 'captioner',
        current: { cpuRequest: '2', memoryRequest: '8Gi', memoryLimit: '8Gi', gpu: 1 },
        recommended: { cpuRequest: '600m', memoryRequest: '2560Mi', memoryLimit: '2560Mi', gpu: 1 },
        usage: {
          cpuP50: 0.31,
          cpuP95: 0.49,
          cpuMax: 0.7,
          memoryP50: 1.6e9,
          memoryP95: 2.1e9,
          memoryMax: 2.2e9,
        },
        daysOfData: 14,
        monthlySavings: '142.35',
        notes: [],
      },
    ],
    monthlySavings: '142.35',
    currency: 'USD',
    algorithm: {
      version: 'rightsize-1',
      parameters: { cpuPercentile: 95, cpuHeadroom: 1.2, memoryHeadroom: 1.15 },
    },
    window: { start: '2026-08-01T00:00:00.000Z', end: '2026-08-15T00:00:00.000Z' },
    recommendedAt: '2026-08-15T02:05:00.000Z',
  },
});
