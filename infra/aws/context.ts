import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Node } from 'constructs';
import { EnvName } from '#shared/config/env-names';
import { REPO_ROOT } from './constructs/pipeline-function';

/**
 * Deployment settings read from CDK context (`cdk.json` or `-c key=value`). Parsed once when the
 * app is built, failing synth with the key and the value when one is malformed.
 */
export interface FinopsContext {
  /** Existing billing-export bucket to import by name; unset = the stateful stack creates one. */
  readonly exportBucketName?: string;
  /** Key prefix under which Data Exports deliver files; only objects below it trigger ingestion. */
  readonly exportPrefix: string;
  /** Secrets Manager ARN of the Slack incoming-webhook URL; unset = a secret is created (value set after deploy). */
  readonly slackWebhookSecretArn?: string;
  /** Secrets Manager ARN of the Slack app signing secret; unset = a secret is created. */
  readonly slackSigningSecretArn?: string;
  /** Secrets Manager ARN of the GitHub token used to open rightsizing PRs; unset = a secret is created. */
  readonly githubTokenSecretArn?: string;
  /** `owner/name` of the GitOps repository that rightsizing PRs target. */
  readonly gitopsRepository?: string;
  /** OpenCost base URL reachable from Lambda; unset = ingest-k8s is deployed without its schedule. */
  readonly opencostUrl?: string;
  /** Scale-endpoint runs in dry-run unless this is explicitly `false`. */
  readonly scalingDryRun: boolean;
  /** Text of the versioned scaling policy (guardrails) file, passed to the scaling functions. */
  readonly scalingPolicy: string;
  /** Days CloudWatch keeps function logs. */
  readonly logRetentionDays: number;
  /** Extra tuning variables per function (`{ "detect-anomalies": { "ANOMALY_HISTORY_DAYS": "120" } }`). */
  readonly functionEnvironment: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Reserve concurrency 1 for functions whose side effects must not overlap (off for accounts at the 10 limit). */
  readonly reserveConcurrency: boolean;
}

/** Context keys, in one place for the README and the tests. */
export const ContextKey = {
  exportBucketName: 'exportBucketName',
  exportPrefix: 'exportPrefix',
  slackWebhookSecretArn: 'slackWebhookSecretArn',
  slackSigningSecretArn: 'slackSigningSecretArn',
  githubTokenSecretArn: 'githubTokenSecretArn',
  gitopsRepository: 'gitopsRepository',
  opencostUrl: 'opencostUrl',
  scalingDryRun: 'scalingDryRun',
  scalingPolicyFile: 'scalingPolicyFile',
  logRetentionDays: 'logRetentionDays',
  reserveConcurrency: 'reserveConcurrency',
  functionEnvironment: 'functionEnvironment',
} as const;

// Set by the stacks themselves; overriding them from context would point a function elsewhere.
const MANAGED_VARIABLES: readonly string[] = [
  EnvName.tableName,
  EnvName.eventBusName,
  EnvName.powertoolsServiceName,
  EnvName.slackWebhookSecretArn,
  EnvName.slackSigningSecretArn,
  EnvName.githubTokenSecretArn,
];

/** Default scaling policy (repository-relative): the documented sample, dry-run by default. */
export const DEFAULT_SCALING_POLICY_FILE = 'samples/policy/scaling-policy.yaml';

// Lambda allows 4 KB of environment in total; the policy must leave room for the other variables.
const MAX_POLICY_BYTES = 3072;

/** Default key prefix of the billing exports (Data Exports writes `<prefix>/<export-name>/data/...`). */
export const DEFAULT_EXPORT_PREFIX = 'exports/';

const SECRET_ARN = /^arn:aws[\w-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REPOSITORY = /^[\w.-]+\/[\w.-]+$/;

/** Thrown at synth time for a malformed context value. */
export class ContextError extends Error {
  constructor(key: string, value: unknown, expected: string) {
    super(`context "${key}" must be ${expected}, got ${JSON.stringify(value)}`);
    this.name = 'ContextError';
  }
}

function optionalString(node: Node, key: string, pattern: RegExp, expected: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !pattern.test(value)) throw new ContextError(key, value, expected);
  return value;
}

function booleanValue(node: Node, key: string, fallback: boolean): boolean {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ContextError(key, value, 'true or false');
}

function functionEnvironment(node: Node): Record<string, Record<string, string>> {
  const raw: unknown = node.tryGetContext(ContextKey.functionEnvironment) ?? {};
  const parsed = typeof raw === 'string' ? safeJson(raw) : raw;
  const known = new Set<string>(Object.values(EnvName));
  const expected =
    'an object { "<function>": { "<ENV_NAME>": "<value>" } } of names from shared/config/env-names.ts';
  if (!isRecord(parsed)) throw new ContextError(ContextKey.functionEnvironment, raw, expected);
  const result: Record<string, Record<string, string>> = {};
  for (const [fn, variables] of Object.entries(parsed)) {
    if (!isRecord(variables))
      throw new ContextError(`${ContextKey.functionEnvironment}.${fn}`, variables, expected);
    result[fn] = {};
    for (const [name, value] of Object.entries(variables)) {
      const key = `${ContextKey.functionEnvironment}.${fn}.${name}`;
      if (!known.has(name) || MANAGED_VARIABLES.includes(name)) {
        throw new ContextError(
          key,
          name,
          'a tuning variable of shared/config/env-names.ts not set by the stacks',
        );
      }
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        throw new ContextError(key, value, 'a string, number or boolean');
      }
      result[fn][name] = String(value);
    }
  }
  return result;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653];

/** Reads and validates every context key the stacks use (context from `-c` arrives as strings). */
export function readFinopsContext(node: Node): FinopsContext {
  const exportPrefix = node.tryGetContext(ContextKey.exportPrefix) ?? DEFAULT_EXPORT_PREFIX;
  if (typeof exportPrefix !== 'string' || exportPrefix.startsWith('/')) {
    throw new ContextError(ContextKey.exportPrefix, exportPrefix, 'a key prefix without a leading slash');
  }
  const retentionRaw: unknown = node.tryGetContext(ContextKey.logRetentionDays) ?? 30;
  const logRetentionDays = Number(retentionRaw);
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    throw new ContextError(
      ContextKey.logRetentionDays,
      retentionRaw,
      `one of ${LOG_RETENTION_DAYS.join(', ')}`,
    );
  }
  const policyFile = node.tryGetContext(ContextKey.scalingPolicyFile) ?? DEFAULT_SCALING_POLICY_FILE;
  let scalingPolicy: string;
  try {
    scalingPolicy = readFileSync(path.resolve(REPO_ROOT, String(policyFile)), 'utf8');
  } catch {
    throw new ContextError(
      ContextKey.scalingPolicyFile,
      policyFile,
      'a readable policy file (relative to the repository)',
    );
  }
  if (Buffer.byteLength(scalingPolicy) > MAX_POLICY_BYTES || !scalingPolicy.includes('\n')) {
    throw new ContextError(
      ContextKey.scalingPolicyFile,
      policyFile,
      `a multi-line YAML file under ${MAX_POLICY_BYTES} bytes`,
    );
  }
  const opencostUrl = optionalString(node, ContextKey.opencostUrl, /^https?:\/\/\S+$/, 'an http(s) URL');
  return {
    exportBucketName: optionalString(node, ContextKey.exportBucketName, BUCKET_NAME, 'an S3 bucket name'),
    exportPrefix,
    slackWebhookSecretArn: optionalString(
      node,
      ContextKey.slackWebhookSecretArn,
      SECRET_ARN,
      'a Secrets Manager ARN',
    ),
    slackSigningSecretArn: optionalString(
      node,
      ContextKey.slackSigningSecretArn,
      SECRET_ARN,
      'a Secrets Manager ARN',
    ),
    githubTokenSecretArn: optionalString(
      node,
      ContextKey.githubTokenSecretArn,
      SECRET_ARN,
      'a Secrets Manager ARN',
    ),
    gitopsRepository: optionalString(node, ContextKey.gitopsRepository, REPOSITORY, 'owner/name'),
    opencostUrl,
    scalingDryRun: booleanValue(node, ContextKey.scalingDryRun, true),
    scalingPolicy,
    logRetentionDays,
    reserveConcurrency: booleanValue(node, ContextKey.reserveConcurrency, true),
    functionEnvironment: functionEnvironment(node),
  };
}
