import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseScalingPolicy, ScalingPolicyError } from '#shared/policy/scaling-policy';

const REPO = path.resolve(__dirname, '../../..');

describe('parseScalingPolicy', () => {
  it('parses the bundled sample policy with dry-run on', () => {
    // Prepare
    const text = readFileSync(path.join(REPO, 'samples/policy/scaling-policy.yaml'), 'utf8');
    // Act
    const policy = parseScalingPolicy(text);
    // Assess
    expect(policy.dryRun).toBe(true);
    expect(policy.environments.production).toEqual({
      minCapacity: 1,
      minCapacityWithApproval: 0,
      requireApproval: true,
    });
    expect(policy.approval.wastedPerDayAtLeast).toBe(5000000000000n);
  });

  it('defaults to dry-run when the key is absent', () => {
    const policy = parseScalingPolicy(
      'version: v\nenvironments: { default: { minCapacity: 1 } }\nmaxReductionPerStep: { percent: 50 }\ncooldown: { hours: 1 }\n',
    );
    expect(policy.dryRun).toBe(true);
  });

  it.each([
    [
      'a missing default environment',
      'environments: { staging: { minCapacity: 0 } }',
      /environments: a "default" environment is required/,
    ],
    [
      'a negative floor',
      'environments: { default: { minCapacity: -1 } }',
      /environments\.default\.minCapacity/,
    ],
    [
      'an approval floor above the floor',
      'environments: { default: { minCapacity: 1, minCapacityWithApproval: 2 } }',
      /environments\.default\.minCapacityWithApproval/,
    ],
    ['an unknown key (typo)', 'environments: { default: { minCapacty: 1 } }', /environments\.default/],
  ])('rejects %s with the path of the problem', (_name, environments, message) => {
    // Prepare
    const text = `version: v\n${environments}\nmaxReductionPerStep: { percent: 50 }\ncooldown: { hours: 1 }\n`;
    // Act + Assess
    expect(() => parseScalingPolicy(text, 'p.yaml')).toThrow(ScalingPolicyError);
    expect(() => parseScalingPolicy(text, 'p.yaml')).toThrow(message);
  });

  it('rejects an unknown time zone and a malformed hour, naming both paths', () => {
    const text = `version: v
environments: { default: { minCapacity: 1 } }
maxReductionPerStep: { percent: 50 }
cooldown: { hours: 1 }
schedule: { timezone: Mars/Olympus, businessHours: { days: [mon], start: "8am", end: "19:00" } }
`;
    expect(() => parseScalingPolicy(text)).toThrow(
      /schedule\.timezone: an IANA time zone.*schedule\.businessHours\.start/,
    );
  });

  it('rejects text that is not YAML, saying so', () => {
    expect(() => parseScalingPolicy('version: [unclosed', 'bad.yaml')).toThrow(
      /invalid scaling policy bad\.yaml: not valid YAML/,
    );
  });
});
