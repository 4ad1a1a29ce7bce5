import * as z from 'zod';
import { defineContract, isoTimestamp, schemaVersionField } from './contract';

const SCHEMA_VERSION = 1;

/**
 * Someone asked to return an endpoint to the capacity recorded by its last executed scale-down
 * (the `Restore` path; `finops restore <endpoint>` does the same directly).
 */
export const endpointRestoreRequestedSchema = z.object({
  schemaVersion: schemaVersionField(SCHEMA_VERSION),
  /** Unique per request; the restore itself is keyed by the scale-down it reverts. */
  requestId: z.string().min(1),
  endpoint: z.object({
    platform: z.enum(['sagemaker', 'kubernetes']),
    /** SageMaker endpoint name, or `<namespace>/<kind>/<name>` for Kubernetes. */
    id: z.string().min(1),
  }),
  /** Who asked (Slack user id, CLI user, automation name). */
  requestedBy: z.string().min(1),
  requestedAt: isoTimestamp,
});

export type EndpointRestoreRequested = z.infer<typeof endpointRestoreRequestedSchema>;

export const EndpointRestoreRequestedEvent = defineContract({
  detailType: 'Endpoint Restore Requested',
  schemaVersion: SCHEMA_VERSION,
  schema: endpointRestoreRequestedSchema,
  sample: {
    schemaVersion: 1,
    requestId: 'restore:sentiment-gpu-staging:2026-08-17T07:55:00.000Z',
    endpoint: { platform: 'sagemaker', id: 'sentiment-gpu-staging' },
    requestedBy: 'U024BE7LH',
    requestedAt: '2026-08-17T07:55:00.000Z',
  },
});
