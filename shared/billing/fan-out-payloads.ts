import * as z from 'zod';
import { InvalidInputError } from '#shared/errors';

/** A fan-out payload (map item or merge input) that does not have the expected shape. */
export class InvalidFanOutPayloadError extends InvalidInputError {}

/**
 * One item of the billing fan-out's Distributed Map (`itemShape: 'object-ref'` in
 * infra/aws/constructs/billing-fan-out.ts): an object of the export bucket listed under `prefix`.
 */
export const aggregateItemSchema = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  /** Bytes, as S3 listed them. */
  size: z.number().int().nonnegative(),
  /** The execution input's prefix (one billing period's data folder). */
  prefix: z.string(),
});

/** A map item: which object to aggregate. */
export type AggregateItem = z.infer<typeof aggregateItemSchema>;

const aggregatedReference = z.object({
  status: z.literal('aggregated'),
  key: z.string().min(1),
  sourceUri: z.string().min(1),
  partialUri: z.string().min(1),
  rowsRead: z.number().int().nonnegative(),
  rowsRejected: z.number().int().nonnegative(),
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  format: z.enum(['focus', 'cur2', 'cur-legacy']),
});

const skippedReference = z.object({
  status: z.literal('skipped'),
  key: z.string().min(1),
  sourceUri: z.string().min(1),
  reason: z.string(),
});

/**
 * What a map item returns: a small reference to the partial it stored (never the partial
 * itself: Step Functions state is limited to 256 KB), or why the object was skipped.
 */
export const partialReferenceSchema = z.discriminatedUnion('status', [aggregatedReference, skippedReference]);

/** A map item's result. */
export type PartialReference = z.infer<typeof partialReferenceSchema>;

/** A map item's result for an object it aggregated. */
export type AggregatedReference = z.infer<typeof aggregatedReference>;

/** The merge step's input: the execution's prefix and every map item's result, in listing order. */
export const mergeInputSchema = z.object({
  prefix: z.string(),
  partials: z.array(partialReferenceSchema),
});

/** The merge step's input. */
export type MergeInput = z.infer<typeof mergeInputSchema>;

function parseWith<T>(schema: z.ZodType<T>, payload: unknown, what: string): T {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .slice(0, 4)
    .map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`);
  throw new InvalidFanOutPayloadError(`not ${what}: ${issues.join('; ')}`);
}

/** Parses a map item, or throws naming the fields that are wrong. */
export function parseAggregateItem(payload: unknown): AggregateItem {
  return parseWith(aggregateItemSchema, payload, 'a billing fan-out item ({ bucket, key, size, prefix })');
}

/** Parses the merge step's input, or throws naming the fields that are wrong. */
export function parseMergeInput(payload: unknown): MergeInput {
  return parseWith(mergeInputSchema, payload, 'a billing fan-out merge input ({ prefix, partials: [...] })');
}
