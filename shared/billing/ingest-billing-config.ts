import { CUR_COST_MEASURES, FOCUS_COST_COLUMNS } from '#shared/billing/billing-formats';
import { DEFAULT_TAG_KEYS, type IngestBillingOptions } from '#shared/billing/ingest-billing';
import { EnvName } from '#shared/config/env-names';
import { type Env, optionalEnv } from '#shared/config/read-env';
import { ConfigError } from '#shared/errors';

const COST_COLUMNS: readonly string[] = [...FOCUS_COST_COLUMNS, ...CUR_COST_MEASURES];

/** Parses a cost column name (`--cost-column`, COST_COLUMN); undefined keeps each format's default. */
export function parseCostColumn(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (!COST_COLUMNS.includes(value)) {
    throw new ConfigError(`${name} must be one of ${COST_COLUMNS.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Parses a comma-separated tag-key list (`cost-center,team`); rejects an empty list. */
export function parseTagKeys(value: string | undefined, name: string): string[] | undefined {
  if (value === undefined) return undefined;
  const keys = value
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  if (keys.length === 0)
    throw new ConfigError(`${name} must list at least one tag key, got ${JSON.stringify(value)}`);
  return keys;
}

/**
 * Ingestion options from the environment: COST_COLUMN (default: EffectiveCost for FOCUS,
 * unblended for CUR) and TAG_KEYS (default cost-center,team,environment,application).
 */
export function readIngestBillingConfig(env: Env): IngestBillingOptions {
  return {
    costColumn: parseCostColumn(optionalEnv(env, EnvName.costColumn), EnvName.costColumn),
    tagKeys: parseTagKeys(optionalEnv(env, EnvName.tagKeys), EnvName.tagKeys) ?? [...DEFAULT_TAG_KEYS],
  };
}
