import { EnvName } from '#shared/config/env-names';
import { type Env, integerEnv, optionalEnv } from '#shared/config/read-env';
import { ConfigError } from '#shared/errors';
import { DEFAULT_IDLE_THRESHOLDS, type IdleThresholds } from '#shared/idle/idle-detector';

/** Settings of detect-idle-endpoints, parsed once from the environment. */
export interface IdleConfig {
  thresholds: IdleThresholds;
  /** Kubernetes namespaces or `<namespace>/<kind>/<name>` scaled directly (not GitOps-managed). */
  directScale: string[];
  /** Local runtime: a file of recorded SageMaker/CloudWatch responses instead of the real APIs. */
  sagemakerRecording?: string;
}

function fractionEnv(env: Env, name: string, fallback: number): number {
  const value = optionalEnv(env, name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0 || parsed > 1) {
    throw new ConfigError(`${name} must be a number 0..1, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

/**
 * IDLE_WINDOW_HOURS (1..336, default 24), IDLE_MIN_HOURS (1..336, default 12, ≤ window),
 * IDLE_MAX_INVOCATIONS_PER_HOUR (0..1000, default 1), IDLE_MAX_GPU_UTILISATION (0..1, default 0.05),
 * KUBERNETES_DIRECT_SCALE (comma list), SAGEMAKER_RECORDING (path, local only).
 */
export function readIdleConfig(env: Env): IdleConfig {
  const windowHours = integerEnv(env, EnvName.idleWindowHours, DEFAULT_IDLE_THRESHOLDS.windowHours, 1, 336);
  const minIdleHours = integerEnv(
    env,
    EnvName.idleMinHours,
    Math.min(DEFAULT_IDLE_THRESHOLDS.minIdleHours, windowHours),
    1,
    336,
  );
  if (minIdleHours > windowHours) {
    throw new ConfigError(
      `${EnvName.idleMinHours} (${minIdleHours}) must be <= ${EnvName.idleWindowHours} (${windowHours})`,
    );
  }
  return {
    thresholds: {
      windowHours,
      minIdleHours,
      maxInvocationsPerHour: integerEnv(
        env,
        EnvName.idleMaxInvocationsPerHour,
        DEFAULT_IDLE_THRESHOLDS.maxInvocationsPerHour,
        0,
        1000,
      ),
      maxGpuUtilisation: fractionEnv(
        env,
        EnvName.idleMaxGpuUtilisation,
        DEFAULT_IDLE_THRESHOLDS.maxGpuUtilisation,
      ),
    },
    directScale: (optionalEnv(env, EnvName.kubernetesDirectScale) ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ''),
    sagemakerRecording: optionalEnv(env, EnvName.sagemakerRecording),
  };
}
