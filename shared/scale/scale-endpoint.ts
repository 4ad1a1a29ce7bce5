import { EndpointScaledEvent } from '#events/endpoint-scaled';
import type { InferenceEndpointIdle } from '#events/inference-endpoint-idle';
import { FinopsError } from '#shared/errors';
import { outgoing, type PublishEvents } from '#shared/events/publish-port';
import type { LogSink } from '#shared/observability';
import { APPROVAL_VALIDITY_HOURS, decide, type PastAction } from '#shared/policy/decide';
import type { ScalingPolicy } from '#shared/policy/scaling-policy';
import type { ActionEndpoint, ActionRecord, ActionStore } from '#shared/scale/action-record';
import { type ExecutorFor, executorKind, ScaleExecutionError } from '#shared/scale/scale-executor';

/** Adapters and settings of the scale-endpoint use cases. */
export interface ScaleEndpointDependencies {
  policy: ScalingPolicy;
  store: ActionStore;
  executorFor: ExecutorFor;
  publish: PublishEvents;
  /** Posts the Approve / Reject message for an action (Slack webhook). */
  requestApproval: (record: ActionRecord) => Promise<void>;
  /** Operator kill switch (`DRY_RUN=true`). */
  forceDryRun: boolean;
  now: () => Date;
  log?: LogSink;
}

/** No executed scale-down to revert for the endpoint. */
export class NothingToRestoreError extends FinopsError {}
/** An approval click for an action that cannot be approved (unknown, already decided, expired). */
export class ApprovalNotApplicableError extends FinopsError {}

/** `scale|<idleId>`: every delivery of the same idle event maps to the same action. */
export function scaleActionId(idleId: string): string {
  return `scale|${idleId}`;
}

const VIA_BY_EXECUTOR = {
  sagemaker: 'sagemaker-api',
  gitops: 'gitops-pr',
  'kubernetes-direct': 'kubernetes-api',
} as const;

/** The `Endpoint Scaled` detail of a record (the audit event). */
export function endpointScaledDetail(record: ActionRecord) {
  if (record.outcome === 'executing') throw new RangeError(`action ${record.actionId} is still executing`);
  return {
    schemaVersion: EndpointScaledEvent.schemaVersion,
    actionId: record.actionId,
    endpoint: { platform: record.endpoint.platform, id: record.endpoint.id, name: record.endpoint.name },
    outcome: record.outcome,
    rule: record.rule,
    reason: record.reason,
    via: record.via,
    previousCapacity: record.previousCapacity,
    targetCapacity: record.targetCapacity,
    pullRequestUrl: record.pullRequestUrl,
    policyVersion: record.policyVersion,
    decidedAt: record.updatedAt,
    wastedPerDay: record.evidence.wastedPerDay,
    currency: record.evidence.currency,
    evidence: record.evidence.summary,
    approvalRules: record.approvalRules,
    actor: record.actor,
    error: record.error,
  };
}

async function publishRecord(record: ActionRecord, deps: ScaleEndpointDependencies): Promise<void> {
  if (record.outcome === 'executing') return;
  await deps.publish([outgoing(EndpointScaledEvent, endpointScaledDetail(record))]);
  await deps.store.markAction(record.actionId, { published: true });
}

function history(records: readonly ActionRecord[]): PastAction[] {
  return records.map((record) => ({
    outcome: record.outcome === 'executing' ? 'executed' : record.outcome,
    // A change counts from when it happened (an approval may execute hours after the decision).
    decidedAt: ['executed', 'restored', 'failed'].includes(record.outcome)
      ? record.updatedAt
      : record.decidedAt,
  }));
}

/**
 * Answers one `Inference Endpoint Idle`: decides with the policy, records the decision once
 * (duplicates of the event find the record and only finish interrupted side steps), then
 * executes, asks for approval or just reports, and publishes `Endpoint Scaled`.
 */
export async function handleIdleEndpoint(
  idle: InferenceEndpointIdle,
  deps: ScaleEndpointDependencies,
): Promise<ActionRecord> {
  const actionId = scaleActionId(idle.idleId);
  const existing = await deps.store.getAction(actionId);
  if (existing) return finishSideSteps(existing, deps);

  const executor = deps.executorFor(idle.endpoint);
  const now = deps.now();
  const past = await deps.store.listEndpointActions(idle.endpoint);
  const platformMinCapacity = await executor.platformMinCapacity(idle.endpoint);
  const decision = decide(deps.policy, idle, history(past), now, {
    platformMinCapacity,
    forceDryRun: deps.forceDryRun,
  });
  const record: ActionRecord = {
    actionId,
    kind: 'scale-down',
    endpoint: idle.endpoint,
    outcome: decision.outcome === 'execute' ? 'executing' : decision.outcome,
    rule: decision.outcome === 'skipped' ? decision.rule : undefined,
    approvalRules: decision.outcome === 'skipped' ? undefined : decision.approvalRules,
    reason: decision.reason,
    via: decision.outcome === 'skipped' ? 'none' : VIA_BY_EXECUTOR[executorKind(idle.endpoint)],
    previousCapacity: idle.currentCapacity,
    targetCapacity: decision.targetCapacity,
    policyVersion: deps.policy.version,
    decidedAt: now.toISOString(),
    updatedAt: now.toISOString(),
    evidence: {
      idleId: idle.idleId,
      summary: idle.evidence.summary,
      idleHours: idle.evidence.idleHours,
      wastedPerDay: idle.wastedPerDay,
      currency: idle.currency,
    },
  };
  const { created, record: stored } = await deps.store.createAction(record);
  if (!created) return finishSideSteps(stored, deps);
  deps.log?.info('scaling decision', { actionId, outcome: decision.outcome, reason: decision.reason });
  if (record.outcome === 'executing') return execute(record, deps);
  return finishSideSteps(record, deps);
}

async function finishSideSteps(record: ActionRecord, deps: ScaleEndpointDependencies): Promise<ActionRecord> {
  if (record.outcome === 'executing') {
    // Another delivery holds the claim, or a crash interrupted the effect: never act twice.
    deps.log?.warn('action already executing; not repeating the effect', { actionId: record.actionId });
    return record;
  }
  if (record.outcome === 'awaiting-approval' && !record.approvalPosted) {
    await deps.requestApproval(record);
    await deps.store.markAction(record.actionId, { approvalPosted: true });
  }
  if (!record.published) await publishRecord(record, deps);
  return { ...record, published: true };
}

async function execute(record: ActionRecord, deps: ScaleEndpointDependencies): Promise<ActionRecord> {
  const executor = deps.executorFor(record.endpoint);
  try {
    const effect = await executor.scale({
      actionId: record.actionId,
      endpoint: record.endpoint,
      fromCapacity: record.previousCapacity,
      toCapacity: record.targetCapacity,
      reason: record.reason,
      evidence: record.evidence,
    });
    const done = await deps.store.transitionAction(record.actionId, ['executing'], {
      outcome: 'executed',
      via: effect.via,
      previousCapacity: effect.previousCapacity,
      targetCapacity: effect.newCapacity,
      pullRequestUrl: effect.pullRequestUrl,
      restoreState: effect.restoreState,
      updatedAt: deps.now().toISOString(),
    });
    if (!done) throw new ScaleExecutionError(`action ${record.actionId} changed while executing`);
    await publishRecord(done, deps);
    return { ...done, published: true };
  } catch (error) {
    if (error instanceof ScaleExecutionError && /changed while executing/.test(error.message)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const failed = await deps.store.transitionAction(record.actionId, ['executing'], {
      outcome: 'failed',
      error: message,
      reason: `${record.reason}; failed: ${message}`,
      updatedAt: deps.now().toISOString(),
    });
    if (failed) await publishRecord(failed, deps);
    throw new ScaleExecutionError(`scaling ${record.endpoint.id} failed: ${message}`, { cause: error });
  }
}

/**
 * Applies a human approval: only an action still awaiting approval and younger than the
 * approval validity is executed, once (conditional transition), whoever clicks twice.
 */
export async function approveAction(
  actionId: string,
  actor: string,
  deps: ScaleEndpointDependencies,
): Promise<ActionRecord> {
  const record = await deps.store.getAction(actionId);
  if (record?.outcome !== 'awaiting-approval') {
    throw new ApprovalNotApplicableError(
      `action ${actionId} is ${record?.outcome ?? 'unknown'}: only awaiting-approval actions can be approved`,
    );
  }
  const now = deps.now();
  if (now.getTime() - Date.parse(record.decidedAt) > APPROVAL_VALIDITY_HOURS * 3_600_000) {
    const expired = await deps.store.transitionAction(actionId, ['awaiting-approval'], {
      outcome: 'rejected',
      actor,
      reason: `${record.reason}; approval expired after ${APPROVAL_VALIDITY_HOURS} h`,
      updatedAt: now.toISOString(),
    });
    if (expired) await publishRecord(expired, deps);
    throw new ApprovalNotApplicableError(
      `action ${actionId} expired: approvals are valid ${APPROVAL_VALIDITY_HOURS} h`,
    );
  }
  const claimed = await deps.store.transitionAction(actionId, ['awaiting-approval'], {
    outcome: 'executing',
    actor,
    reason: `${record.reason}; approved by ${actor}`,
    updatedAt: now.toISOString(),
  });
  if (!claimed) throw new ApprovalNotApplicableError(`action ${actionId} was already decided`);
  return execute(claimed, deps);
}

/** Records a human rejection of an action awaiting approval (once). */
export async function rejectAction(
  actionId: string,
  actor: string,
  deps: ScaleEndpointDependencies,
): Promise<ActionRecord> {
  const record = await deps.store.getAction(actionId);
  const rejected = record
    ? await deps.store.transitionAction(actionId, ['awaiting-approval'], {
        outcome: 'rejected',
        actor,
        reason: `${record.reason}; rejected by ${actor}`,
        updatedAt: deps.now().toISOString(),
      })
    : undefined;
  if (!rejected) {
    throw new ApprovalNotApplicableError(
      `action ${actionId} is ${record?.outcome ?? 'unknown'}: cannot be rejected`,
    );
  }
  await publishRecord(rejected, deps);
  return { ...rejected, published: true };
}

/**
 * Returns an endpoint to the capacity recorded by its latest executed scale-down. One restore
 * per scale-down (`restore|<scale action id>`), audited as `restored` (or `failed`).
 */
export async function restoreEndpoint(
  request: { endpoint: Pick<ActionEndpoint, 'platform' | 'id'>; actor: string },
  deps: ScaleEndpointDependencies,
): Promise<ActionRecord> {
  const past = await deps.store.listEndpointActions(request.endpoint);
  const scaleDown = past.find((record) => record.kind === 'scale-down' && record.outcome === 'executed');
  const restoredIds = new Set(
    past.flatMap((record) => (record.restoresActionId ? [record.restoresActionId] : [])),
  );
  if (!scaleDown || restoredIds.has(scaleDown.actionId)) {
    const restore = scaleDown
      ? past.find((record) => record.restoresActionId === scaleDown.actionId)
      : undefined;
    if (restore) return finishSideSteps(restore, deps);
    throw new NothingToRestoreError(
      `no executed scale-down recorded for ${request.endpoint.platform} endpoint ${request.endpoint.id}`,
    );
  }
  const now = deps.now();
  const record: ActionRecord = {
    actionId: `restore|${scaleDown.actionId}`,
    kind: 'restore',
    endpoint: scaleDown.endpoint,
    outcome: 'executing',
    reason: `restore requested by ${request.actor}: back to ${scaleDown.previousCapacity}`,
    via: scaleDown.via,
    previousCapacity: scaleDown.targetCapacity,
    targetCapacity: scaleDown.previousCapacity,
    policyVersion: deps.policy.version,
    decidedAt: now.toISOString(),
    updatedAt: now.toISOString(),
    evidence: { summary: `reverts ${scaleDown.actionId}` },
    restoresActionId: scaleDown.actionId,
    actor: request.actor,
  };
  const { created, record: stored } = await deps.store.createAction(record);
  if (!created) return finishSideSteps(stored, deps);
  const executor = deps.executorFor(record.endpoint);
  try {
    const effect = await executor.restore({
      actionId: record.actionId,
      endpoint: record.endpoint,
      scaleDown,
    });
    const done = await deps.store.transitionAction(record.actionId, ['executing'], {
      outcome: 'restored',
      via: effect.via,
      previousCapacity: effect.previousCapacity,
      targetCapacity: effect.newCapacity,
      pullRequestUrl: effect.pullRequestUrl,
      updatedAt: deps.now().toISOString(),
    });
    if (!done) throw new ScaleExecutionError(`restore ${record.actionId} changed while executing`);
    await publishRecord(done, deps);
    return { ...done, published: true };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const failed = await deps.store.transitionAction(record.actionId, ['executing'], {
      outcome: 'failed',
      error: message,
      reason: `${record.reason}; failed: ${message}`,
      updatedAt: deps.now().toISOString(),
    });
    if (failed) await publishRecord(failed, deps);
    throw new ScaleExecutionError(`restoring ${record.endpoint.id} failed: ${message}`, { cause: error });
  }
}
