import * as z from 'zod';

/** EventBridge `source` of every event the pipeline emits. */
export const EVENT_SOURCE = 'finops.pipeline';

/** Decimal money on the wire: a string, never a JSON number (JSON numbers are binary floats). */
export const moneyText = z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal amount as text, e.g. "12.5"');
/** `YYYY-MM-DD`, UTC. */
export const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD');
/** ISO 8601 timestamp with zone. */
export const isoTimestamp = z.iso.datetime({ offset: true });
/** ISO 4217 currency code. */
export const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD');

/**
 * One event contract: the detail-type (a past-tense fact), the detail schema with its schema
 * version, and a sample that the contract tests parse. Schemas only ever change additively;
 * `schemaVersion` goes up when a field is added.
 */
export interface EventContract<Schema extends z.ZodType = z.ZodType> {
  readonly source: typeof EVENT_SOURCE;
  readonly detailType: string;
  readonly schemaVersion: number;
  readonly schema: Schema;
  readonly sample: z.input<Schema>;
}

/** Declares a contract; the schema's `schemaVersion` field must accept `schemaVersion`. */
export function defineContract<Schema extends z.ZodType>(contract: {
  detailType: string;
  schemaVersion: number;
  schema: Schema;
  sample: z.input<Schema>;
}): EventContract<Schema> {
  return { source: EVENT_SOURCE, ...contract };
}

/** A detail's `schemaVersion`: versions up to the current one are accepted (additive evolution). */
export function schemaVersionField(current: number) {
  return z.number().int().min(1).max(current);
}

/** Thrown when a detail does not match its contract; `issues` lists every path and reason. */
export class EventValidationError extends Error {
  constructor(
    readonly detailType: string,
    readonly issues: string[],
  ) {
    super(`invalid "${detailType}" detail: ${issues.join('; ')}`);
    this.name = 'EventValidationError';
  }
}

/** Validates a detail against its contract and returns the parsed (typed) value. */
export function parseDetail<Schema extends z.ZodType>(
  contract: EventContract<Schema>,
  detail: unknown,
): z.output<Schema> {
  const result = contract.schema.safeParse(detail);
  if (!result.success) {
    throw new EventValidationError(
      contract.detailType,
      result.error.issues.map((issue) => `${issue.path.join('.') || '(detail)'}: ${issue.message}`),
    );
  }
  return result.data;
}
