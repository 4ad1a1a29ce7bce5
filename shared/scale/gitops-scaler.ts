import type { ActionEndpoint } from '#shared/scale/action-record';
import { type ScaleEffect, ScaleExecutionError, type ScaleExecutor } from '#shared/scale/scale-executor';

/** One capacity change to propose through Git: `replicas` of a Deployment, `minReplicas` of KServe. */
export interface ScalePrRequest {
  workload: { cluster?: string; namespace: string; kind: 'Deployment' | 'InferenceService'; name: string };
  change: { field: 'replicas' | 'minReplicas'; from: number; to: number };
  /** Deterministic: `finops/scale-down/<namespace>/<name>` or `finops/restore/<namespace>/<name>`. */
  branch: string;
  title: string;
  /** Markdown; every value from events or manifests is escaped. */
  body: string;
  actionId: string;
}

/**
 * Opens (or updates, when the branch already has one) the pull request for a capacity change.
 * Implemented over the rightsizing PR machinery (shared/gitops): GitHub or local git.
 */
export type OpenScaleDownPr = (request: ScalePrRequest) => Promise<{ url: string; created: boolean }>;

/** Escapes text for a Markdown table cell or paragraph (no HTML, links, emphasis or pipes survive). */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_{}[\]()#+\-.!|~]/g, (character) => `\\${character}`);
}

function workloadOf(endpoint: ActionEndpoint): ScalePrRequest['workload'] {
  if (!endpoint.namespace || (endpoint.kind !== 'Deployment' && endpoint.kind !== 'InferenceService')) {
    throw new ScaleExecutionError(
      `GitOps scaling needs a Deployment or InferenceService with a namespace, got ${endpoint.id}`,
    );
  }
  return {
    cluster: endpoint.tags['finops.apexlogic.com/cluster'],
    namespace: endpoint.namespace,
    kind: endpoint.kind,
    name: endpoint.name,
  };
}

/** The PR body of a scale-down or restore: evidence table and how to undo it. */
export function scalePrBody(input: {
  kind: 'scale-down' | 'restore';
  workload: ScalePrRequest['workload'];
  change: ScalePrRequest['change'];
  reason: string;
  evidence: { summary: string; idleHours?: number; wastedPerDay?: string; currency?: string };
  actionId: string;
}): string {
  const e = escapeMarkdown;
  const rows = [
    ['Workload', `${e(input.workload.namespace)}/${e(input.workload.kind)}/${e(input.workload.name)}`],
    ['Field', `\`${input.change.field}\``],
    ['Change', `${input.change.from} → ${input.change.to}`],
    ['Evidence', e(input.evidence.summary)],
    ...(input.evidence.idleHours === undefined ? [] : [['Idle hours', String(input.evidence.idleHours)]]),
    ...(input.evidence.wastedPerDay === undefined
      ? []
      : [['Idle cost per day', `${e(input.evidence.wastedPerDay)} ${e(input.evidence.currency ?? '')}`]]),
    ['Decision', e(input.reason)],
    ['Action id', `\`${input.actionId.replace(/`/g, "'")}\``],
  ];
  const title =
    input.kind === 'scale-down'
      ? '### Scale down an idle inference workload'
      : '### Restore an inference workload to its recorded capacity';
  return [
    title,
    '',
    '| | |',
    '| --- | --- |',
    ...rows.map(([key, value]) => `| ${key} | ${value} |`),
    '',
    input.kind === 'scale-down'
      ? `To undo after merge: \`finops restore ${input.workload.namespace}/${input.workload.kind}/${input.workload.name}\` opens the restore PR.`
      : 'Opened by `finops restore` or an Endpoint Restore Requested event.',
  ].join('\n');
}

/**
 * Scales GitOps-managed Kubernetes workloads through a pull request (the operator applies it and
 * does not revert it): `spec.replicas` of a Deployment, `minReplicas` of a KServe predictor. The
 * action is `executed` when the PR is open; the cluster changes when it is merged.
 */
export function createGitopsScaler(openPr: OpenScaleDownPr): ScaleExecutor {
  async function propose(
    kind: 'scale-down' | 'restore',
    endpoint: ActionEndpoint,
    actionId: string,
    from: number,
    to: number,
    reason: string,
    evidence: Parameters<typeof scalePrBody>[0]['evidence'],
  ): Promise<ScaleEffect> {
    const workload = workloadOf(endpoint);
    const change = {
      field: workload.kind === 'InferenceService' ? 'minReplicas' : 'replicas',
      from,
      to,
    } as const;
    const branch = `finops/${kind}/${workload.namespace}/${workload.name}`;
    const verb = kind === 'scale-down' ? 'Scale down' : 'Restore';
    const pr = await openPr({
      workload,
      change,
      branch,
      title: `${verb} ${workload.namespace}/${workload.name}: ${change.field} ${from} → ${to}`,
      body: scalePrBody({ kind, workload, change, reason, evidence, actionId }),
      actionId,
    });
    return { via: 'gitops-pr', previousCapacity: from, newCapacity: to, pullRequestUrl: pr.url };
  }
  return {
    via: 'gitops-pr',
    async platformMinCapacity() {
      return 0;
    },
    scale: (request) =>
      propose(
        'scale-down',
        request.endpoint,
        request.actionId,
        request.fromCapacity,
        request.toCapacity,
        request.reason,
        request.evidence,
      ),
    restore: (request) =>
      propose(
        'restore',
        request.endpoint,
        request.actionId,
        request.scaleDown.targetCapacity,
        request.scaleDown.previousCapacity,
        `restore of ${request.scaleDown.actionId}`,
        { summary: `reverts ${request.scaleDown.actionId}` },
      ),
  };
}
