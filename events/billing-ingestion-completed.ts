import * as z from 'zod';
import {
  currencyCode,
  defineContract,
  isoDay,
  isoTimestamp,
  moneyText,
  schemaVersionField,
} from './contract';

const SCHEMA_VERSION = 1;

/** A billing source (an export file or period, or a Cost Explorer pull) was ingested into the store. */
export const billingIngestionCompletedSchema = z.object({
  schemaVersion: schemaVersionField(SCHEMA_VERSION),
  ingestionId: z.string().min(1),
  source: z.object({
    kind: z.enum(['focus', 'cur2', 'cur-legacy', 'cost-explorer']),
    /** s3://bucket/key, a local path, or `cost-explorer:<account>`. */
    uri: z.string().min(1),
  }),
  /** Inclusive first and last usage day that the ingestion wrote. */
  days: z.object({ from: isoDay, to: isoDay }),
  rowsRead: z.number().int().nonnegative(),
  rowsRejected: z.number().int().nonnegative(),
  seriesDaysWritten: z.number().int().nonnegative(),
  seriesCount: z.number().int().nonnegative(),
  totals: z.array(z.object({ currency: currencyCode, amount: moneyText })),
  completedAt: isoTimestamp,
});

export type BillingIngestionCompleted = z.infer<typeof billingIngestionCompletedSchema>;

export const BillingIngestionCompletedEvent = defineContract({
  detailType: 'Billing Ingestion Completed',
  schemaVersion: SCHEMA_VERSION,
  schema: billingIngestionCompletedSchema,
  sample: {
    schemaVersion: 1,
    ingestionId: 'focus:2026-08:3f2a9c',
    source: { kind: 'focus', uri: 's3://billing-exports/focus/2026-08/part-0.csv.gz' },
    days: { from: '2026-08-01', to: '2026-08-31' },
    rowsRead: 48213,
    rowsRejected: 2,
    seriesDaysWritten: 1860,
    seriesCount: 60,
    totals: [{ currency: 'USD', amount: '183422.1187340000' }],
    completedAt: '2026-09-01T06:12:03.000Z',
  },
});
