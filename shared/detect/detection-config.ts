import * as z from 'zod';
import { EnvName } from '#shared/config/env-names';
import { type Env, integerEnv, optionalEnv } from '#shared/config/read-env';
import { DEFAULT_COST_DETECTOR_CONFIG } from '#shared/detect/cost-detector';
import { DEFAULT_MONITORS, type MonitorConfig } from '#shared/detect/monitors';
import { DEFAULT_DETECTION_CONFIG, type DetectionConfig } from '#shared/detect/run-detection';
import { ConfigError } from '#shared/errors';

const monitorsSchema = z
  .array(
    z.object({
      name: z.string().min(1),
      select: z.array(z.string().min(1)).min(1),
      minImpact: z.number().nonnegative().optional(),
      minImpactPercent: z.number().nonnegative().optional(),
    }),
  )
  .min(1);

/**
 * Detection settings from the environment, parsed once: ANOMALY_MONITORS (JSON array of
 * `{name, select, minImpact?, minImpactPercent?}`, default the CAD-like monitors),
 * ANOMALY_MIN_IMPACT (currency units, default 50), ANOMALY_MIN_IMPACT_PERCENT (default 20),
 * ANOMALY_HISTORY_DAYS (35..400, default 120).
 */
export function readDetectionConfig(env: Env): DetectionConfig {
  const monitorsText = optionalEnv(env, EnvName.anomalyMonitors);
  let monitors: readonly MonitorConfig[] = DEFAULT_MONITORS;
  if (monitorsText !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(monitorsText);
    } catch (error) {
      throw new ConfigError(`${EnvName.anomalyMonitors} must be JSON, got ${JSON.stringify(monitorsText)}`, {
        cause: error,
      });
    }
    const result = monitorsSchema.safeParse(parsed);
    if (!result.success) {
      throw new ConfigError(
        `${EnvName.anomalyMonitors} is invalid: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    monitors = result.data;
  }
  return {
    ...DEFAULT_DETECTION_CONFIG,
    monitors,
    historyDays: integerEnv(env, EnvName.anomalyHistoryDays, DEFAULT_DETECTION_CONFIG.historyDays, 35, 400),
    detector: {
      ...DEFAULT_COST_DETECTOR_CONFIG,
      minImpact: integerEnv(
        env,
        EnvName.anomalyMinImpact,
        DEFAULT_COST_DETECTOR_CONFIG.minImpact,
        0,
        1_000_000_000,
      ),
      minImpactPercent: integerEnv(
        env,
        EnvName.anomalyMinImpactPercent,
        DEFAULT_COST_DETECTOR_CONFIG.minImpactPercent,
        0,
        100_000,
      ),
    },
  };
}
