import { type InferenceEndpointIdle, InferenceEndpointIdleEvent } from '#events/inference-endpoint-idle';
import { type Decision, decide, maxStep, type PastAction } from '#shared/policy/decide';
import { parseScalingPolicy, type ScalingPolicy } from '#shared/policy/scaling-policy';

// Saturday 2026-08-15 23:00 Berlin time: outside business hours.
const NIGHT = new Date('2026-08-15T21:00:00.000Z');
// Tuesday 2026-08-18 10:00 Berlin time: within business hours.
const TUESDAY_MORNING = new Date('2026-08-18T08:00:00.000Z');

const BASE_POLICY = `
version: test-1
dryRun: false
protected:
  endpoints: [fraud-scoring-prod]
  namespaces: [payments]
  tags: { finops.apexlogic.com/protected: "true", legal-hold: "*" }
environments:
  production: { minCapacity: 1, minCapacityWithApproval: 0, requireApproval: true }
  staging: { minCapacity: 0 }
  default: { minCapacity: 1 }
maxReductionPerStep: { absolute: 4, percent: 50 }
minIdleHours: 6
schedule:
  timezone: Europe/Berlin
  businessHours: { days: [mon, tue, wed, thu, fri], start: "08:00", end: "19:00" }
cooldown: { hours: 6 }
approval: { wastedPerDayAtLeast: "500", toZero: false }
`;

function policy(patch: (text: string) => string = (text) => text): ScalingPolicy {
  return parseScalingPolicy(patch(BASE_POLICY), 'test-policy.yaml');
}

function idle(overrides: {
  name?: string;
  namespace?: string;
  environment?: string;
  tags?: Record<string, string>;
  capacity?: number;
  idleHours?: number;
  wasted?: string;
}): InferenceEndpointIdle {
  const sample = InferenceEndpointIdleEvent.schema.parse(InferenceEndpointIdleEvent.sample);
  return {
    ...sample,
    endpoint: {
      ...sample.endpoint,
      name: overrides.name ?? 'sentiment-gpu-staging',
      id: overrides.name ?? 'sentiment-gpu-staging',
      namespace: overrides.namespace,
      environment: overrides.environment ?? 'staging',
      tags: overrides.tags ?? {},
    },
    evidence: { ...sample.evidence, idleHours: overrides.idleHours ?? 24 },
    currentCapacity: overrides.capacity ?? 2,
    wastedPerDay: overrides.wasted ?? '72.96',
  };
}

const hoursBefore = (now: Date, hours: number) => new Date(now.getTime() - hours * 3_600_000).toISOString();

type Case = [
  string,
  ScalingPolicy,
  InferenceEndpointIdle,
  PastAction[],
  Date,
  Partial<Decision> & { rules?: string[] },
];

const cases: Case[] = [
  [
    'executes a halving when nothing blocks',
    policy(),
    idle({}),
    [],
    NIGHT,
    { outcome: 'execute', targetCapacity: 1 },
  ],
  [
    'skips a protected endpoint name',
    policy(),
    idle({ name: 'fraud-scoring-prod' }),
    [],
    NIGHT,
    { outcome: 'skipped', rule: 'protected-endpoint' } as Partial<Decision>,
  ],
  [
    'skips a protected namespace',
    policy(),
    idle({ namespace: 'payments' }),
    [],
    NIGHT,
    { outcome: 'skipped', rule: 'protected-namespace' } as Partial<Decision>,
  ],
  [
    'skips an endpoint with a protected tag value',
    policy(),
    idle({ tags: { 'finops.apexlogic.com/protected': 'true' } }),
    [],
    NIGHT,
    { outcome: 'skipped', rule: 'protected-tag' } as Partial<Decision>,
  ],
  [
    'allows an endpoint whose protected tag has another value',
    policy(),
    idle({ tags: { 'finops.apexlogic.com/protected': 'false' } }),
    [],
    NIGHT,
    { outcome: 'execute' },
  ],
  [
    'skips an endpoint with a wildcard-protected tag',
    policy(),
    idle({ tags: { 'legal-hold': 'case-7' } }),
    [],
    NIGHT,
    { outcome: 'skipped', rule: 'protected-tag' } as Partial<Decision>,
  ],
  [
    'skips when idle for fewer hours than required',
    policy(),
    idle({ idleHours: 5 }),
    [],
    NIGHT,
    { outcome: 'skipped', rule: 'not-idle-long-enough' } as Partial<Decision>,
  ],
  [
    'skips while a recent approval is pending',
    policy(),
    idle({}),
    [{ outcome: 'awaiting-approval', decidedAt: hoursBefore(NIGHT, 2) }],
    NIGHT,
    { outcome: 'skipped', rule: 'approval-pending' } as Partial<Decision>,
  ],
  [
    'ignores a pending approval older than 24 h',
    policy(),
    idle({}),
    [{ outcome: 'awaiting-approval', decidedAt: hoursBefore(NIGHT, 25) }],
    NIGHT,
    { outcome: 'execute' },
  ],
  [
    'skips within the cooldown after an executed change',
    policy(),
    idle({}),
    [{ outcome: 'executed', decidedAt: hoursBefore(NIGHT, 5) }],
    NIGHT,
    { outcome: 'skipped', rule: 'cooldown' } as Partial<Decision>,
  ],
  [
    'skips within the cooldown after a restore',
    policy(),
    idle({}),
    [{ outcome: 'restored', decidedAt: hoursBefore(NIGHT, 1) }],
    NIGHT,
    { outcome: 'skipped', rule: 'cooldown' } as Partial<Decision>,
  ],
  [
    'skips within the cooldown after a failed attempt',
    policy(),
    idle({}),
    [{ outcome: 'failed', decidedAt: hoursBefore(NIGHT, 2) }],
    NIGHT,
    { outcome: 'skipped', rule: 'cooldown' } as Partial<Decision>,
  ],
  [
    'acts once the cooldown has passed',
    policy(),
    idle({}),
    [{ outcome: 'executed', decidedAt: hoursBefore(NIGHT, 7) }],
    NIGHT,
    { outcome: 'execute' },
  ],
  [
    'does not count dry-runs and skips as changes for the cooldown',
    policy(),
    idle({}),
    [
      { outcome: 'dry-run', decidedAt: hoursBefore(NIGHT, 1) },
      { outcome: 'skipped', decidedAt: hoursBefore(NIGHT, 1) },
    ],
    NIGHT,
    { outcome: 'execute' },
  ],
  [
    'skips within business hours in the policy time zone',
    policy(),
    idle({}),
    [],
    TUESDAY_MORNING,
    { outcome: 'skipped', rule: 'business-hours' } as Partial<Decision>,
  ],
  [
    'acts during business hours when no schedule is set',
    policy((t) => t.replace(/schedule:[\s\S]*?end: "19:00" }\n/, '')),
    idle({}),
    [],
    TUESDAY_MORNING,
    { outcome: 'execute' },
  ],
  [
    'skips when already at the environment floor',
    policy(),
    idle({ environment: 'development', capacity: 1 }),
    [],
    NIGHT,
    { outcome: 'skipped', rule: 'min-capacity' } as Partial<Decision>,
  ],
  [
    'scales staging to zero without approval',
    policy(),
    idle({ capacity: 1 }),
    [],
    NIGHT,
    { outcome: 'execute', targetCapacity: 0 },
  ],
  [
    'asks approval to take production below its floor to zero',
    policy(),
    idle({ environment: 'production', capacity: 1 }),
    [],
    NIGHT,
    {
      outcome: 'awaiting-approval',
      targetCapacity: 0,
      rules: ['environment-requires-approval', 'below-min-capacity'],
    },
  ],
  [
    'never takes production to zero without approval even when the environment does not require approval',
    policy((t) => t.replace('requireApproval: true', 'requireApproval: false')),
    idle({ environment: 'production', capacity: 1 }),
    [],
    NIGHT,
    { outcome: 'awaiting-approval', targetCapacity: 0, rules: ['below-min-capacity'] },
  ],
  [
    'skips production at its floor when no approval floor is set',
    policy((t) => t.replace('minCapacityWithApproval: 0, ', '')),
    idle({ environment: 'production', capacity: 1 }),
    [],
    NIGHT,
    { outcome: 'skipped', rule: 'min-capacity' } as Partial<Decision>,
  ],
  [
    'uses the environment tag when the endpoint has no environment',
    policy(),
    {
      ...idle({ tags: { environment: 'production' } }),
      endpoint: { ...idle({ tags: { environment: 'production' } }).endpoint, environment: undefined },
    },
    [],
    NIGHT,
    { outcome: 'awaiting-approval', rules: ['environment-requires-approval'] },
  ],
  [
    'falls back to the default environment floor',
    policy(),
    idle({ environment: 'qa', capacity: 1 }),
    [],
    NIGHT,
    { outcome: 'skipped', rule: 'min-capacity' } as Partial<Decision>,
  ],
  [
    'limits a step to the percent limit',
    policy(),
    idle({ capacity: 6 }),
    [],
    NIGHT,
    { outcome: 'execute', targetCapacity: 3 },
  ],
  [
    'limits a step to the absolute limit',
    policy(),
    idle({ capacity: 20 }),
    [],
    NIGHT,
    { outcome: 'execute', targetCapacity: 16 },
  ],
  [
    'asks approval for a large reduction',
    policy((t) =>
      t
        .replace('percent: 50', 'percent: 100')
        .replace('approval: {', 'approval: { reductionPercentAtLeast: 75,'),
    ),
    idle({ capacity: 4 }),
    [],
    NIGHT,
    { outcome: 'awaiting-approval', targetCapacity: 0, rules: ['large-reduction'] },
  ],
  [
    'asks approval above the wasted-per-day threshold',
    policy(),
    idle({ wasted: '500' }),
    [],
    NIGHT,
    { outcome: 'awaiting-approval', rules: ['high-cost'] },
  ],
  [
    'does not ask approval just below the wasted-per-day threshold',
    policy(),
    idle({ wasted: '499.9999999999' }),
    [],
    NIGHT,
    { outcome: 'execute' },
  ],
  [
    'asks approval for any scale to zero when toZero is set',
    policy((t) => t.replace('toZero: false', 'toZero: true')),
    idle({ capacity: 1 }),
    [],
    NIGHT,
    { outcome: 'awaiting-approval', targetCapacity: 0, rules: ['to-zero'] },
  ],
  [
    'reports a dry-run instead of acting by default',
    policy((t) => t.replace('dryRun: false\n', '')),
    idle({}),
    [],
    NIGHT,
    { outcome: 'dry-run', targetCapacity: 1 },
  ],
  [
    'reports a dry-run with the approvals it would need',
    policy((t) => t.replace('dryRun: false', 'dryRun: true')),
    idle({ environment: 'production', capacity: 1 }),
    [],
    NIGHT,
    { outcome: 'dry-run', targetCapacity: 0, rules: ['environment-requires-approval', 'below-min-capacity'] },
  ],
];

describe('decide (scaling policy guardrails)', () => {
  it.each(cases)('%s', (_name, scalingPolicy, idleEvent, history, now, expected) => {
    // Prepare: inputs come from the table.
    // Act
    const decision = decide(scalingPolicy, idleEvent, history, now);
    // Assess
    const { rules, ...rest } = expected;
    expect(decision).toMatchObject(rest);
    if (rules) expect(decision).toMatchObject({ approvalRules: rules });
  });

  it('keeps SageMaker endpoints without inference components at one instance when the platform floor is 1', () => {
    // Prepare
    const scalingPolicy = policy();
    // Act
    const decision = decide(scalingPolicy, idle({ capacity: 1 }), [], NIGHT, { platformMinCapacity: 1 });
    // Assess
    expect(decision).toMatchObject({ outcome: 'skipped', rule: 'min-capacity' });
    expect(decision.reason).toMatch(/platform cannot go below 1/);
  });

  it('says what it would otherwise scale when skipping within business hours', () => {
    const decision = decide(policy(), idle({}), [], TUESDAY_MORNING);
    expect(decision.reason).toBe(
      'within business hours (mon,tue,wed,thu,fri 08:00-19:00 Europe/Berlin) (otherwise would scale 2 → 1)',
    );
  });

  it('forces a dry-run when the operator kill switch is on', () => {
    const decision = decide(policy(), idle({}), [], NIGHT, { forceDryRun: true });
    expect(decision.outcome).toBe('dry-run');
  });

  it('allows at least one unit per step when the percent limit rounds to zero', () => {
    expect(maxStep(policy(), 1)).toBe(1);
    expect(maxStep(policy(), 3)).toBe(1);
    expect(maxStep(policy(), 10)).toBe(4);
  });
});
