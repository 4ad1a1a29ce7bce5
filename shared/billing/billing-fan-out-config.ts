import { EnvName } from '#shared/config/env-names';
import { type Env, integerEnv, optionalEnv } from '#shared/config/read-env';
import { ConfigError } from '#shared/errors';

/** Default fan-out threshold: 2 GiB of data files in one period. */
export const DEFAULT_FAN_OUT_THRESHOLD_BYTES = 2 * 1024 ** 3;
/** Smallest accepted threshold (1 MiB): below it every period would pay a Step Functions run. */
export const MIN_FAN_OUT_THRESHOLD_BYTES = 1024 ** 2;

/** Where and from what size ingest-billing hands a period to the Step Functions fan-out. */
export interface BillingFanOutConfig {
  stateMachineArn: string;
  thresholdBytes: number;
}

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[0-9A-Za-z_-]{1,80}$/;

/**
 * BILLING_FAN_OUT_STATE_MACHINE_ARN (unset: no fan-out, every unit ingested inline — the local
 * runtime) and BILLING_FAN_OUT_THRESHOLD_BYTES (integer ≥ 1 MiB, default 2 GiB).
 */
export function readBillingFanOutConfig(env: Env): BillingFanOutConfig | undefined {
  const thresholdBytes = integerEnv(
    env,
    EnvName.billingFanOutThresholdBytes,
    DEFAULT_FAN_OUT_THRESHOLD_BYTES,
    MIN_FAN_OUT_THRESHOLD_BYTES,
    Number.MAX_SAFE_INTEGER,
  );
  const stateMachineArn = optionalEnv(env, EnvName.billingFanOutStateMachineArn);
  if (stateMachineArn === undefined) return undefined;
  if (!STATE_MACHINE_ARN.test(stateMachineArn)) {
    throw new ConfigError(
      `${EnvName.billingFanOutStateMachineArn} must be a state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>), got ${JSON.stringify(stateMachineArn)}`,
    );
  }
  return { stateMachineArn, thresholdBytes };
}
