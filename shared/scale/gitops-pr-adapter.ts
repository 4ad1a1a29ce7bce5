import type { WorkloadEdit } from '#shared/gitops/manifest-patcher';
import { type GitopsBackend, openWorkloadPullRequest } from '#shared/gitops/pr-opener';
import { locateWorkload } from '#shared/gitops/workload-locator';
import type { OpenScaleDownPr } from '#shared/scale/gitops-scaler';
import { ScaleExecutionError } from '#shared/scale/scale-executor';

/**
 * OpenScaleDownPr over the rightsizing PR machinery (shared/gitops): the manifest patcher edits
 * only the capacity scalar, and one PR per branch is opened or updated. A Deployment scaled by a
 * HorizontalPodAutoscaler gets the HPA's `minReplicas` (and `replicas` when set), since the HPA
 * would otherwise override `replicas`.
 */
export function createGitopsScalePrOpener(backend: GitopsBackend): OpenScaleDownPr {
  return async (request) => {
    const workload = {
      namespace: request.workload.namespace,
      kind: request.workload.kind,
      name: request.workload.name,
    };
    const to = request.change.to;
    let edits: WorkloadEdit[] =
      request.change.field === 'minReplicas'
        ? [{ type: 'minReplicas', minReplicas: to }]
        : [{ type: 'replicas', replicas: to }];
    if (request.workload.kind === 'Deployment') {
      const { reader } = await backend.readBase();
      const location = await locateWorkload(reader, workload);
      const hasHpa =
        location?.layout === 'helm' ? location.hpaPath !== undefined : location?.hpa !== undefined;
      if (hasHpa) edits = [...edits, { type: 'minReplicas', minReplicas: to }];
    }
    const result = await openWorkloadPullRequest({
      backend,
      targets: [{ workload, edits }],
      branch: request.branch,
      title: request.title,
      renderBody: () => request.body,
      commitMessage: request.title,
      recommendationId: request.actionId,
    });
    if (!result.pullRequest) {
      throw new ScaleExecutionError(
        `the GitOps repository already sets ${request.change.field}=${to} for ${workload.namespace}/${workload.kind}/${workload.name}: nothing to propose`,
      );
    }
    return { url: result.pullRequest.url, created: result.action === 'opened' };
  };
}
