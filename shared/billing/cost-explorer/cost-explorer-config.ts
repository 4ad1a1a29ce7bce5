import { parseTagKeys } from '#shared/billing/ingest-billing-config';
import { EnvName } from '#shared/config/env-names';
import { type Env, integerEnv, optionalEnv } from '#shared/config/read-env';
import { ConfigError } from '#shared/errors';
import type { IngestCostExplorerOptions } from './ingest-cost-explorer';

/** Cost metrics GetCostAndUsage accepts that are amounts of money. */
export const COST_EXPLORER_METRICS = [
  'UnblendedCost',
  'BlendedCost',
  'AmortizedCost',
  'NetUnblendedCost',
  'NetAmortizedCost',
] as const;

/**
 * Cost Explorer options from the environment: COST_EXPLORER_ACCOUNT_ID (default: the account of
 * the running function, from its ARN — Cost Explorer answers for the caller's account),
 * COST_EXPLORER_METRIC (UnblendedCost), COST_EXPLORER_TAG_KEYS (cost-center; one request per key),
 * COST_EXPLORER_LOOKBACK_DAYS (30, days asked on the first run).
 */
export function readCostExplorerConfig(
  env: Env,
  context: { invokedFunctionArn?: string } = {},
): IngestCostExplorerOptions {
  const arnAccount = context.invokedFunctionArn?.split(':')[4];
  const account = optionalEnv(env, EnvName.costExplorerAccountId) ?? (arnAccount || undefined);
  if (!account) {
    throw new ConfigError(
      `${EnvName.costExplorerAccountId} is required when the account cannot be read from the function ARN`,
    );
  }
  if (!/^[A-Za-z0-9-]+$/.test(account)) {
    throw new ConfigError(
      `${EnvName.costExplorerAccountId} must be an account id, got ${JSON.stringify(account)}`,
    );
  }
  const metric = optionalEnv(env, EnvName.costExplorerMetric) ?? 'UnblendedCost';
  if (!(COST_EXPLORER_METRICS as readonly string[]).includes(metric)) {
    throw new ConfigError(
      `${EnvName.costExplorerMetric} must be one of ${COST_EXPLORER_METRICS.join(', ')}, got ${JSON.stringify(metric)}`,
    );
  }
  return {
    account,
    metric,
    tagKeys: parseTagKeys(optionalEnv(env, EnvName.costExplorerTagKeys), EnvName.costExplorerTagKeys) ?? [
      'cost-center',
    ],
    lookbackDays: integerEnv(env, EnvName.costExplorerLookbackDays, 30, 1, 365),
  };
}
