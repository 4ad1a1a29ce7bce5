import type { EndpointScaled } from '#events/endpoint-scaled';
import type { InferenceEndpointIdle } from '#events/inference-endpoint-idle';

/** Audit outcome of an action; `executing` is the short-lived claim before the effect is known. */
export type ActionOutcome = EndpointScaled['outcome'] | 'executing';

/** The endpoint an action is about, as the idle event described it. */
export type ActionEndpoint = InferenceEndpointIdle['endpoint'];

/**
 * One audited decision about one endpoint: a scale-down (answering an idle event) or a restore.
 * Stored under a deterministic `actionId`, so duplicates of the same event make one record.
 */
export interface ActionRecord {
  actionId: string;
  kind: 'scale-down' | 'restore';
  endpoint: ActionEndpoint;
  outcome: ActionOutcome;
  /** The guardrail that decided a skip. */
  rule?: string;
  /** Approval rules that matched (awaiting-approval, or a dry-run's would-be approvals). */
  approvalRules?: string[];
  reason: string;
  via: EndpointScaled['via'];
  previousCapacity: number;
  targetCapacity: number;
  pullRequestUrl?: string;
  policyVersion: string;
  /** When the decision was first made (ISO). */
  decidedAt: string;
  /** When the record last changed (execution, approval, rejection), ISO. */
  updatedAt: string;
  /** What the detector saw (idle event id, summary, wasted money per day as exact text). */
  evidence: {
    idleId?: string;
    summary: string;
    idleHours?: number;
    wastedPerDay?: string;
    currency?: string;
  };
  /** Executor-specific settings to put back on restore (e.g. auto scaling min/max). */
  restoreState?: Record<string, string | number | boolean>;
  /** For a restore: the scale-down it reverts. */
  restoresActionId?: string;
  /** Who approved, rejected or requested a restore (Slack user id, CLI user). */
  actor?: string;
  /** Error message of a failed execution. */
  error?: string;
  /** Side steps done, so a redelivery finishes what a crash interrupted. */
  published?: boolean;
  approvalPosted?: boolean;
}

/** The audit store of scaling actions (DynamoDB in shared/store/dynamo-action-store.ts). */
export interface ActionStore {
  /** Conditional put: `created` is false (and `record` the stored one) when the id already exists. */
  createAction(record: ActionRecord): Promise<{ created: boolean; record: ActionRecord }>;
  getAction(actionId: string): Promise<ActionRecord | undefined>;
  /**
   * Applies `patch` only when the stored outcome is one of `from` (conditional update); returns
   * the updated record, or undefined when another delivery or click changed it first.
   */
  transitionAction(
    actionId: string,
    from: readonly ActionOutcome[],
    patch: Partial<Omit<ActionRecord, 'actionId' | 'kind' | 'endpoint' | 'decidedAt'>>,
  ): Promise<ActionRecord | undefined>;
  /** Sets side-step flags (published, approvalPosted) without a condition. */
  markAction(actionId: string, flags: Pick<ActionRecord, 'published' | 'approvalPosted'>): Promise<void>;
  /** The endpoint's actions, newest decision first (at most `limit`). */
  listEndpointActions(
    endpoint: Pick<ActionEndpoint, 'platform' | 'id'>,
    limit?: number,
  ): Promise<ActionRecord[]>;
  /** Actions waiting for a human approval, oldest first. */
  listPendingApprovals(): Promise<ActionRecord[]>;
  /** Records a request signature once; false when it was seen before (a replay). */
  claimRequestSignature(signature: string, expiresAt: Date): Promise<boolean>;
}
