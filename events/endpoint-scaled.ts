import * as z from 'zod';
import { currencyCode, defineContract, isoTimestamp, moneyText, schemaVersionField } from './contract';

const SCHEMA_VERSION = 2;

/**
 * The outcome of a scaling decision for an endpoint, whatever it was: skipped by a guardrail,
 * dry run, awaiting approval, executed, failed, rejected or restored. The audit trail of actions.
 */
export const endpointScaledSchema = z.object({
  schemaVersion: schemaVersionField(SCHEMA_VERSION),
  /** Deterministic per decision: the idle event (or restore request) it answers. */
  actionId: z.string().min(1),
  endpoint: z.object({
    platform: z.enum(['sagemaker', 'kubernetes']),
    id: z.string().min(1),
    name: z.string().min(1),
  }),
  outcome: z.enum(['skipped', 'dry-run', 'awaiting-approval', 'executed', 'failed', 'rejected', 'restored']),
  /** The guardrail that decided a skip (`protected-namespace`, `cooldown`, ...). */
  rule: z.string().optional(),
  reason: z.string(),
  via: z.enum(['sagemaker-api', 'gitops-pr', 'kubernetes-api', 'none']),
  previousCapacity: z.number().int().nonnegative(),
  targetCapacity: z.number().int().nonnegative(),
  pullRequestUrl: z.string().optional(),
  policyVersion: z.string().min(1),
  decidedAt: isoTimestamp,
  /** v2: the endpoint's idle cost per day (exact decimal text) and its currency, from the idle event. */
  wastedPerDay: moneyText.optional(),
  currency: currencyCode.optional(),
  /** v2: the detector's evidence in one line. */
  evidence: z.string().optional(),
  /** v2: approval rules that matched (awaiting-approval, or what a dry-run would have asked). */
  approvalRules: z.array(z.string()).optional(),
  /** v2: who approved, rejected or requested the restore. */
  actor: z.string().optional(),
  /** v2: the executor's error message of a failed action. */
  error: z.string().optional(),
});

export type EndpointScaled = z.infer<typeof endpointScaledSchema>;

export const EndpointScaledEvent = defineContract({
  detailType: 'Endpoint Scaled',
  schemaVersion: SCHEMA_VERSION,
  schema: endpointScaledSchema,
  sample: {
    schemaVersion: 2,
    actionId: 'scale|sagemaker|sentiment-gpu-staging|2026-08-16T00:00:00.000Z',
    endpoint: { platform: 'sagemaker', id: 'sentiment-gpu-staging', name: 'sentiment-gpu-staging' },
    outcome: 'dry-run',
    reason: 'dry-run is on: would scale from 2 to 1 instance (max reduction 50% per step)',
    via: 'sagemaker-api',
    previousCapacity: 2,
    targetCapacity: 1,
    policyVersion: '2026-08-01',
    decidedAt: '2026-08-16T00:10:02.000Z',
    wastedPerDay: '67.584',
    currency: 'USD',
    evidence: '0 invocations in the last 24 h on 2 × ml.g5.xlarge',
    approvalRules: [],
  },
});
