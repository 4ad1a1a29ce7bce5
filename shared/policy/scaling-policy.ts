import { parse as parseYaml, YAMLParseError } from 'yaml';
import * as z from 'zod';
import { ConfigError } from '#shared/errors';
import { type Money, parseMoney } from '#shared/money';

/** Thrown when the scaling policy file is not valid YAML or breaks the schema; lists every path. */
export class ScalingPolicyError extends ConfigError {
  constructor(
    readonly source: string,
    readonly issues: string[],
    options?: { cause?: unknown },
  ) {
    super(`invalid scaling policy ${source}: ${issues.join('; ')}`, options);
  }
}

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM (24 h)');
const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const moneyAmount = z.string().regex(/^\d+(\.\d+)?$/, 'a non-negative decimal amount as text, e.g. "50"');
const timeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'an IANA time zone such as Europe/Berlin');

const environmentRule = z
  .object({
    /** Lowest capacity (instances / replicas) an automatic scale-down may reach. */
    minCapacity: z.number().int().min(0),
    /** Capacity that may be reached only with a human approval (e.g. 0 in production). */
    minCapacityWithApproval: z.number().int().min(0).optional(),
    /** Every scale-down in this environment needs an approval. */
    requireApproval: z.boolean().default(false),
  })
  .strict()
  .refine(
    (rule) => rule.minCapacityWithApproval === undefined || rule.minCapacityWithApproval <= rule.minCapacity,
    {
      message: 'minCapacityWithApproval must be <= minCapacity',
      path: ['minCapacityWithApproval'],
    },
  );

const policySchema = z
  .object({
    /** Free text stamped on every decision (`2026-08-01`, a git sha...). */
    version: z.string().min(1),
    /** Nothing is changed while true. Must be set to false explicitly to act. */
    dryRun: z.boolean().default(true),
    protected: z
      .object({
        endpoints: z.array(z.string().min(1)).default([]),
        namespaces: z.array(z.string().min(1)).default([]),
        /** Tag (SageMaker) or label (Kubernetes) key → value; `*` matches any value. */
        tags: z.record(z.string().min(1), z.string().min(1)).default({}),
      })
      .strict()
      .default({ endpoints: [], namespaces: [], tags: {} }),
    /** Tag / label key naming the environment when the endpoint does not carry one. */
    environmentTag: z.string().min(1).default('environment'),
    environments: z
      .record(z.string().min(1), environmentRule)
      .refine((rules) => 'default' in rules, 'a "default" environment is required'),
    maxReductionPerStep: z
      .object({
        absolute: z.number().int().min(1).optional(),
        percent: z.number().min(1).max(100).optional(),
      })
      .strict()
      .refine(
        (step) => step.absolute !== undefined || step.percent !== undefined,
        'set absolute, percent or both',
      ),
    /** Minimum idle hours the detector's evidence must show. */
    minIdleHours: z.number().min(0).default(0),
    schedule: z
      .object({
        timezone: timeZone,
        /** Scale-downs are allowed only OUTSIDE these hours (start inclusive, end exclusive). */
        businessHours: z
          .object({ days: z.array(weekday).min(1), start: hhmm, end: hhmm })
          .strict()
          .refine((hours) => hours.start < hours.end, { message: 'start must be before end', path: ['end'] }),
      })
      .strict()
      .optional(),
    cooldown: z.object({ hours: z.number().min(0) }).strict(),
    approval: z
      .object({
        /** A reduction of at least this share of the current capacity needs approval. */
        reductionPercentAtLeast: z.number().min(1).max(100).optional(),
        /** An endpoint wasting at least this much per day needs approval (bigger blast radius). */
        wastedPerDayAtLeast: moneyAmount.optional(),
        /** Scaling to zero needs approval in every environment. */
        toZero: z.boolean().default(false),
      })
      .strict()
      .default({ toZero: false }),
  })
  .strict();

/** One environment's capacity floor and approval needs. */
export interface EnvironmentRule {
  minCapacity: number;
  minCapacityWithApproval?: number;
  requireApproval: boolean;
}

/** The parsed, validated scaling policy (see docs/scaling-policy.md for every rule). */
export interface ScalingPolicy {
  version: string;
  dryRun: boolean;
  protected: { endpoints: string[]; namespaces: string[]; tags: Record<string, string> };
  environmentTag: string;
  environments: Record<string, EnvironmentRule>;
  maxReductionPerStep: { absolute?: number; percent?: number };
  minIdleHours: number;
  schedule?: { timezone: string; businessHours: { days: Weekday[]; start: string; end: string } };
  cooldown: { hours: number };
  approval: { reductionPercentAtLeast?: number; wastedPerDayAtLeast?: Money; toZero: boolean };
}

/** Three-letter lower-case day names used by the schedule. */
export type Weekday = z.infer<typeof weekday>;

/**
 * Parses and validates a policy file's text. `source` names the file in errors; every issue
 * is reported with its YAML path (`environments.production.minCapacity: ...`).
 */
export function parseScalingPolicy(text: string, source = 'scaling-policy.yaml'): ScalingPolicy {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const where = error instanceof YAMLParseError ? ` (line ${error.linePos?.[0]?.line ?? '?'})` : '';
    throw new ScalingPolicyError(source, [`not valid YAML${where}: ${(error as Error).message}`], {
      cause: error,
    });
  }
  const result = policySchema.safeParse(raw ?? {});
  if (!result.success) {
    throw new ScalingPolicyError(
      source,
      result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  const { approval, ...rest } = result.data;
  return {
    ...rest,
    approval: {
      ...approval,
      wastedPerDayAtLeast:
        approval.wastedPerDayAtLeast === undefined ? undefined : parseMoney(approval.wastedPerDayAtLeast),
    },
  };
}
