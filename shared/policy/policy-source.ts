import { readFileSync } from 'node:fs';
import { ConfigError } from '#shared/errors';
import { parseScalingPolicy, type ScalingPolicy } from '#shared/policy/scaling-policy';

/**
 * Reads the policy named by the `SCALING_POLICY` setting: inline YAML when the value spans
 * lines (how CDK passes the versioned file), else a path to the file. Fails fast naming both.
 */
export function loadScalingPolicy(setting: string, variableName = 'SCALING_POLICY'): ScalingPolicy {
  if (setting.includes('\n')) return parseScalingPolicy(setting, `${variableName} (inline)`);
  let text: string;
  try {
    text = readFileSync(setting, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `${variableName} names a policy file that cannot be read: ${JSON.stringify(setting)}`,
      {
        cause: error,
      },
    );
  }
  return parseScalingPolicy(text, setting);
}
