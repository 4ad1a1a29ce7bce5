import type { EndpointScaled } from '#events/endpoint-scaled';
import { FinopsError } from '#shared/errors';
import type { ActionEndpoint, ActionRecord } from '#shared/scale/action-record';

/** What an executor did: how, from which capacity, and what to remember for a restore. */
export interface ScaleEffect {
  via: EndpointScaled['via'];
  previousCapacity: number;
  newCapacity: number;
  pullRequestUrl?: string;
  restoreState?: Record<string, string | number | boolean>;
}

/** A scale-down to perform (approved or allowed by the policy). */
export interface ScaleRequest {
  actionId: string;
  endpoint: ActionEndpoint;
  fromCapacity: number;
  toCapacity: number;
  reason: string;
  evidence: ActionRecord['evidence'];
}

/** A restore to the capacity recorded by a past scale-down. */
export interface RestoreRequest {
  actionId: string;
  endpoint: ActionEndpoint;
  /** The scale-down being reverted (its previous capacity and restore state). */
  scaleDown: ActionRecord;
}

/** Changes an endpoint's capacity on one platform (SageMaker API, GitOps PR, Kubernetes API). */
export interface ScaleExecutor {
  readonly via: EndpointScaled['via'];
  /** Lowest capacity the platform can run this endpoint at (1 for SageMaker without inference components). */
  platformMinCapacity(endpoint: ActionEndpoint): Promise<number>;
  scale(request: ScaleRequest): Promise<ScaleEffect>;
  restore(request: RestoreRequest): Promise<ScaleEffect>;
}

/** Picks the executor of an endpoint: SageMaker API, GitOps PR (default for Kubernetes) or direct Kubernetes. */
export type ExecutorFor = (endpoint: ActionEndpoint) => ScaleExecutor;

/** A scaling call that failed; the audit record says `failed` with this message. */
export class ScaleExecutionError extends FinopsError {}

/** The routing rule of executors: GitOps unless the endpoint is explicitly not GitOps-managed. */
export function executorKind(endpoint: ActionEndpoint): 'sagemaker' | 'gitops' | 'kubernetes-direct' {
  if (endpoint.platform === 'sagemaker') return 'sagemaker';
  return endpoint.gitopsManaged ? 'gitops' : 'kubernetes-direct';
}
