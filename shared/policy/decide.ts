import type { InferenceEndpointIdle } from '#events/inference-endpoint-idle';
import { formatCurrency, parseMoney } from '#shared/money';
import { isWithinBusinessHours } from '#shared/policy/business-hours';
import type { EnvironmentRule, ScalingPolicy } from '#shared/policy/scaling-policy';

/** The guardrail that stopped a scale-down (stored on the audit record and the event's `rule`). */
export type SkipRule =
  | 'protected-endpoint'
  | 'protected-namespace'
  | 'protected-tag'
  | 'not-idle-long-enough'
  | 'approval-pending'
  | 'cooldown'
  | 'business-hours'
  | 'min-capacity';

/** Why a scale-down needs a human approval. */
export type ApprovalRule =
  | 'environment-requires-approval'
  | 'below-min-capacity'
  | 'to-zero'
  | 'large-reduction'
  | 'high-cost';

/** What the policy allows for one idle endpoint. `targetCapacity` equals the current one when skipped. */
export type Decision =
  | { outcome: 'skipped'; rule: SkipRule; targetCapacity: number; reason: string; environment: string }
  | {
      outcome: 'dry-run' | 'awaiting-approval' | 'execute';
      targetCapacity: number;
      reason: string;
      environment: string;
      /** Every approval rule that matched (empty when none); dry-run lists what it would have asked. */
      approvalRules: ApprovalRule[];
    };

/** A past decision for the same endpoint, as the action store returns it (newest first or any order). */
export interface PastAction {
  outcome: 'skipped' | 'dry-run' | 'awaiting-approval' | 'executed' | 'failed' | 'rejected' | 'restored';
  /** ISO timestamp of the decision or of the change when it was executed later (approval). */
  decidedAt: string;
}

/** Inputs the platform adds to the policy: SageMaker endpoints without inference components cannot go below 1. */
export interface DecideOptions {
  platformMinCapacity?: number;
  /** Operator kill switch (env `DRY_RUN=true`): forces dry-run whatever the policy says. */
  forceDryRun?: boolean;
}

/** Pending approvals older than this no longer block new decisions (and can no longer be approved). */
export const APPROVAL_VALIDITY_HOURS = 24;

const HOUR_MS = 3_600_000;

/** The environment of an endpoint: its own field, else the policy's environment tag, else `default`. */
export function environmentOf(policy: ScalingPolicy, idle: InferenceEndpointIdle): string {
  return idle.endpoint.environment ?? idle.endpoint.tags[policy.environmentTag] ?? 'default';
}

function ruleFor(policy: ScalingPolicy, environment: string): EnvironmentRule {
  // `default` is required by the schema.
  return policy.environments[environment] ?? policy.environments.default!;
}

/**
 * Applies every guardrail of the policy, in a fixed order (protection, idle evidence, pending
 * approval, cooldown, business hours, capacity floor), then the approval rules and dry-run.
 * Pure: `history` is this endpoint's past decisions, `now` the decision time.
 */
export function decide(
  policy: ScalingPolicy,
  idle: InferenceEndpointIdle,
  history: readonly PastAction[],
  now: Date,
  options: DecideOptions = {},
): Decision {
  const current = idle.currentCapacity;
  const environment = environmentOf(policy, idle);
  const skip = (rule: SkipRule, reason: string): Decision => ({
    outcome: 'skipped',
    rule,
    targetCapacity: current,
    reason,
    environment,
  });
  const { endpoint } = idle;

  if (
    policy.protected.endpoints.includes(endpoint.name) ||
    policy.protected.endpoints.includes(endpoint.id)
  ) {
    return skip('protected-endpoint', `endpoint ${endpoint.name} is protected by the policy`);
  }
  if (endpoint.namespace !== undefined && policy.protected.namespaces.includes(endpoint.namespace)) {
    return skip('protected-namespace', `namespace ${endpoint.namespace} is protected by the policy`);
  }
  for (const [key, value] of Object.entries(policy.protected.tags)) {
    const actual = endpoint.tags[key];
    if (actual !== undefined && (value === '*' || actual === value)) {
      return skip('protected-tag', `tag/label ${key}=${actual} is protected by the policy`);
    }
  }
  if (idle.evidence.idleHours < policy.minIdleHours) {
    return skip(
      'not-idle-long-enough',
      `idle for ${idle.evidence.idleHours} h, the policy needs at least ${policy.minIdleHours} h`,
    );
  }
  const envRule = ruleFor(policy, environment);
  const platformMin = options.platformMinCapacity ?? 0;
  const autoFloor = Math.max(envRule.minCapacity, platformMin);
  const approvedFloor = Math.max(envRule.minCapacityWithApproval ?? envRule.minCapacity, platformMin);
  const step = maxStep(policy, current);
  const desired = current - step;
  const target = Math.max(desired, Math.min(autoFloor, approvedFloor));
  // Time-based skips say what would happen otherwise, so a report during business hours still
  // shows the planned change.
  const otherwise = target < current ? ` (otherwise would scale ${current} → ${target})` : '';
  const pending = history.find(
    (past) =>
      past.outcome === 'awaiting-approval' &&
      now.getTime() - Date.parse(past.decidedAt) < APPROVAL_VALIDITY_HOURS * HOUR_MS,
  );
  if (pending)
    return skip(
      'approval-pending',
      `an approval requested at ${pending.decidedAt} is still pending${otherwise}`,
    );
  const lastChange = history
    // A failed attempt may have changed part of the settings (auto scaling limits): it counts too,
    // which also stops an endpoint that keeps failing from being retried every run.
    .filter((past) => past.outcome === 'executed' || past.outcome === 'restored' || past.outcome === 'failed')
    .map((past) => Date.parse(past.decidedAt))
    .reduce((latest, at) => Math.max(latest, at), Number.NEGATIVE_INFINITY);
  const cooldownMs = policy.cooldown.hours * HOUR_MS;
  if (now.getTime() - lastChange < cooldownMs) {
    return skip(
      'cooldown',
      `last change at ${new Date(lastChange).toISOString()}, cooldown is ${policy.cooldown.hours} h${otherwise}`,
    );
  }
  if (policy.schedule && isWithinBusinessHours(now, policy.schedule)) {
    const { businessHours, timezone } = policy.schedule;
    return skip(
      'business-hours',
      `within business hours (${businessHours.days.join(',')} ${businessHours.start}-${businessHours.end} ${timezone})${otherwise}`,
    );
  }

  if (target >= current) {
    return skip(
      'min-capacity',
      `already at the lowest allowed capacity ${current} for ${environment}` +
        (platformMin > envRule.minCapacity ? ` (the platform cannot go below ${platformMin})` : ''),
    );
  }

  const approvalRules: ApprovalRule[] = [];
  if (envRule.requireApproval) approvalRules.push('environment-requires-approval');
  if (target < autoFloor) approvalRules.push('below-min-capacity');
  if (target === 0 && policy.approval.toZero) approvalRules.push('to-zero');
  const reductionPercent = ((current - target) / current) * 100;
  if (
    policy.approval.reductionPercentAtLeast !== undefined &&
    reductionPercent >= policy.approval.reductionPercentAtLeast
  ) {
    approvalRules.push('large-reduction');
  }
  const wasted = parseMoney(idle.wastedPerDay);
  if (policy.approval.wastedPerDayAtLeast !== undefined && wasted >= policy.approval.wastedPerDayAtLeast) {
    approvalRules.push('high-cost');
  }

  const change = `scale ${endpoint.name} from ${current} to ${target} (${environment}, max step ${step}; ${formatCurrency(wasted, idle.currency)}/day idle)`;
  const needs = approvalRules.length > 0 ? `; needs approval: ${approvalRules.join(', ')}` : '';
  if (policy.dryRun || options.forceDryRun) {
    return {
      outcome: 'dry-run',
      targetCapacity: target,
      reason: `would ${change}${needs} (dry-run: nothing changed)`,
      environment,
      approvalRules,
    };
  }
  if (approvalRules.length > 0) {
    return {
      outcome: 'awaiting-approval',
      targetCapacity: target,
      reason: `${change}${needs}`,
      environment,
      approvalRules,
    };
  }
  return { outcome: 'execute', targetCapacity: target, reason: change, environment, approvalRules };
}

/**
 * The largest reduction allowed in one step: the stricter of the absolute and percent limits,
 * at least 1 (a percentage of a single instance would otherwise block every step).
 */
export function maxStep(policy: ScalingPolicy, current: number): number {
  const { absolute, percent } = policy.maxReductionPerStep;
  const byPercent = percent === undefined ? current : Math.floor((current * percent) / 100);
  return Math.max(1, Math.min(absolute ?? current, byPercent));
}
