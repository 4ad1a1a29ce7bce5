import path from 'node:path';
import { readIdleConfig } from '#shared/idle/idle-config';
import { loadScalingPolicy } from '#shared/policy/policy-source';
import { readScaleConfig } from '#shared/scale/scale-config';

const POLICY_FILE = path.resolve(__dirname, '../../..', 'samples/policy/scaling-policy.yaml');
const BASE = { TABLE_NAME: 't', EVENT_BUS_NAME: 'b', SCALING_POLICY: POLICY_FILE };

describe('scaling configuration', () => {
  it('reads the policy file and leaves dry-run to it when DRY_RUN is unset', () => {
    const config = readScaleConfig(BASE);
    expect(config).toMatchObject({ forceDryRun: false, kubernetes: {} });
    expect(config.policy.version).toBe('2026-08-01');
  });

  it('takes inline policy YAML when the value spans lines', () => {
    const policy = loadScalingPolicy(
      'version: inline\ndryRun: false\nenvironments: { default: { minCapacity: 1 } }\nmaxReductionPerStep: { absolute: 1 }\ncooldown: { hours: 2 }\n',
    );
    expect(policy).toMatchObject({ version: 'inline', dryRun: false });
  });

  it.each([
    ['no policy', { ...BASE, SCALING_POLICY: undefined }, /SCALING_POLICY is required/],
    [
      'an unreadable policy path',
      { ...BASE, SCALING_POLICY: '/nonexistent/policy.yaml' },
      /SCALING_POLICY names a policy file that cannot be read: "\/nonexistent\/policy.yaml"/,
    ],
    ['a DRY_RUN typo', { ...BASE, DRY_RUN: 'yes' }, /DRY_RUN must be true or false, got "yes"/],
    [
      'an unknown GitOps backend',
      { ...BASE, GITOPS_BACKEND: 'gitlab' },
      /GITOPS_BACKEND must be local-git or github, got "gitlab"/,
    ],
  ])('fails fast naming the variable when given %s', (_name, env, message) => {
    expect(() => readScaleConfig(env)).toThrow(message);
  });

  it('reads idle thresholds and the direct-scale list', () => {
    const config = readIdleConfig({
      IDLE_WINDOW_HOURS: '48',
      IDLE_MIN_HOURS: '24',
      IDLE_MAX_GPU_UTILISATION: '0.1',
      KUBERNETES_DIRECT_SCALE: 'batch, nlp/Deployment/x',
    });
    expect(config).toEqual({
      thresholds: { windowHours: 48, minIdleHours: 24, maxInvocationsPerHour: 1, maxGpuUtilisation: 0.1 },
      directScale: ['batch', 'nlp/Deployment/x'],
      sagemakerRecording: undefined,
    });
  });

  it.each([
    [
      { IDLE_WINDOW_HOURS: '6', IDLE_MIN_HOURS: '12' },
      /IDLE_MIN_HOURS \(12\) must be <= IDLE_WINDOW_HOURS \(6\)/,
    ],
    [{ IDLE_MAX_GPU_UTILISATION: '5%' }, /IDLE_MAX_GPU_UTILISATION must be a number 0..1, got "5%"/],
    [{ IDLE_WINDOW_HOURS: '0' }, /IDLE_WINDOW_HOURS must be an integer 1..336, got "0"/],
  ])('rejects invalid idle thresholds %j', (env, message) => {
    expect(() => readIdleConfig(env)).toThrow(message);
  });
});
