import * as z from 'zod';
import { currencyCode, defineContract, isoTimestamp, moneyText, schemaVersionField } from './contract';

const SCHEMA_VERSION = 1;

/** An inference endpoint kept capacity running with (near) zero traffic over the window. */
export const inferenceEndpointIdleSchema = z.object({
  schemaVersion: schemaVersionField(SCHEMA_VERSION),
  /** Deterministic: platform + endpoint + window end; duplicates of it lead to one action. */
  idleId: z.string().min(1),
  endpoint: z.object({
    platform: z.enum(['sagemaker', 'kubernetes']),
    /** SageMaker endpoint name, or `<namespace>/<kind>/<name>` for Kubernetes. */
    id: z.string().min(1),
    name: z.string().min(1),
    namespace: z.string().optional(),
    kind: z.string().optional(),
    environment: z.string().optional(),
    tags: z.record(z.string(), z.string()),
    gitopsManaged: z.boolean(),
  }),
  window: z.object({ start: isoTimestamp, end: isoTimestamp }),
  evidence: z.object({
    idleHours: z.number().nonnegative(),
    invocations: z.number().nonnegative().optional(),
    requestRate: z.number().nonnegative().optional(),
    gpuUtilisation: z.number().min(0).max(1).optional(),
    gpuCount: z.number().int().nonnegative().optional(),
    summary: z.string(),
  }),
  currentCapacity: z.number().int().nonnegative(),
  wastedPerDay: moneyText,
  currency: currencyCode,
  detectedAt: isoTimestamp,
});

export type InferenceEndpointIdle = z.infer<typeof inferenceEndpointIdleSchema>;

export const InferenceEndpointIdleEvent = defineContract({
  detailType: 'Inference Endpoint Idle',
  schemaVersion: SCHEMA_VERSION,
  schema: inferenceEndpointIdleSchema,
  sample: {
    schemaVersion: 1,
    idleId: 'sagemaker|sentiment-gpu-staging|2026-08-16T00:00:00.000Z',
    endpoint: {
      platform: 'sagemaker',
      id: 'sentiment-gpu-staging',
      name: 'sentiment-gpu-staging',
      environment: 'staging',
      tags: { 'cost-center': 'ai-nlp', environment: 'staging' },
      gitopsManaged: false,
    },
    window: { start: '2026-08-15T00:00:00.000Z', end: '2026-08-16T00:00:00.000Z' },
    evidence: {
      idleHours: 24,
      invocations: 0,
      gpuUtilisation: 0.01,
      gpuCount: 1,
      summary: '0 invocations in 24 h',
    },
    currentCapacity: 2,
    wastedPerDay: '72.96',
    currency: 'USD',
    detectedAt: '2026-08-16T00:10:00.000Z',
  },
});
