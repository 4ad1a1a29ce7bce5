import * as z from 'zod';
import { defineContract, isoDay, isoTimestamp, schemaVersionField } from './contract';

const SCHEMA_VERSION = 1;

/** OpenCost allocations for a window were stored as cost series and per-container usage. */
export const kubernetesIngestionCompletedSchema = z.object({
  schemaVersion: schemaVersionField(SCHEMA_VERSION),
  ingestionId: z.string().min(1),
  cluster: z.string().min(1),
  /** Inclusive first and last day stored. */
  days: z.object({ from: isoDay, to: isoDay }),
  namespaces: z.number().int().nonnegative(),
  containers: z.number().int().nonnegative(),
  seriesDaysWritten: z.number().int().nonnegative(),
  usageDaysWritten: z.number().int().nonnegative(),
  completedAt: isoTimestamp,
});

export type KubernetesIngestionCompleted = z.infer<typeof kubernetesIngestionCompletedSchema>;

export const KubernetesIngestionCompletedEvent = defineContract({
  detailType: 'Kubernetes Ingestion Completed',
  schemaVersion: SCHEMA_VERSION,
  schema: kubernetesIngestionCompletedSchema,
  sample: {
    schemaVersion: 1,
    ingestionId: 'opencost:prod-eks:2026-08-14',
    cluster: 'prod-eks',
    days: { from: '2026-08-01', to: '2026-08-14' },
    namespaces: 9,
    containers: 41,
    seriesDaysWritten: 168,
    usageDaysWritten: 574,
    completedAt: '2026-08-15T02:00:41.000Z',
  },
});
