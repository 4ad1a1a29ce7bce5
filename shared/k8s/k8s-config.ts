import { EnvName } from '#shared/config/env-names';
import { type Env, integerEnv, optionalEnv, requireEnv } from '#shared/config/read-env';
import { ConfigError } from '#shared/errors';
import { parseOpenCostUrl } from './opencost-client';

/** Configuration of the scheduled OpenCost ingestion. */
export interface OpenCostConfig {
  /** OpenCost base URL (http/https only), e.g. `http://opencost.opencost:9003`. */
  url: string;
  /** Days fetched each run, ending yesterday (re-fetching recent days picks up late data). Default 3. */
  lookbackDays: number;
  /** OpenCost's configured currency. Default USD. */
  currency: string;
  /** Cluster name for allocations that carry none. */
  defaultCluster?: string;
}

/** Parses OPENCOST_URL, OPENCOST_LOOKBACK_DAYS (1..31), OPENCOST_CURRENCY and K8S_CLUSTER_NAME, failing fast. */
export function readOpenCostConfig(env: Env): OpenCostConfig {
  const url = requireEnv(
    env,
    EnvName.opencostUrl,
    'the OpenCost API base URL, e.g. http://opencost.opencost:9003',
  );
  parseOpenCostUrl(url);
  const currency = optionalEnv(env, EnvName.opencostCurrency) ?? 'USD';
  if (!/^[A-Z]{3}$/.test(currency)) {
    throw new ConfigError(
      `${EnvName.opencostCurrency} must be an ISO 4217 code, got ${JSON.stringify(currency)}`,
    );
  }
  const config: OpenCostConfig = {
    url,
    lookbackDays: integerEnv(env, EnvName.opencostLookbackDays, 3, 1, 31),
    currency,
  };
  const cluster = optionalEnv(env, EnvName.k8sClusterName);
  if (cluster) config.defaultCluster = cluster;
  return config;
}

/** The inclusive day range a scheduled run fetches: `lookbackDays` days ending the day before `now` (UTC). */
export function scheduledRange(now: Date, lookbackDays: number): { from: string; to: string } {
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1));
  const from = new Date(to);
  from.setUTCDate(from.getUTCDate() - (lookbackDays - 1));
  return { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
}
