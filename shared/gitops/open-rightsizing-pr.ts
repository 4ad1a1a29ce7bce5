import { type RightsizingPrOpened, RightsizingPrOpenedEvent } from '#events/rightsizing-pr-opened';
import type { RightsizingRecommended } from '#events/rightsizing-recommended';
import { outgoing, type PublishEvents } from '#shared/events/publish-port';
import type { LogSink } from '#shared/observability';
import type { K8sStore } from '#shared/store/dynamo-k8s-store';
import {
  branchFor,
  type GitopsBackend,
  type OpenPullRequestResult,
  openWorkloadPullRequest,
} from './pr-opener';
import { renderRightsizingPrBody, resourcesEditsOf, rightsizingPrTitle } from './rightsizing-pr-body';

/** Adapters and settings of the PR step. */
export interface OpenRightsizingPrProps {
  recommendation: RightsizingRecommended;
  backend: GitopsBackend;
  /** `namespace` groups every workload of a namespace in one PR (their latest recommendations). */
  grouping?: 'workload' | 'namespace';
  k8sStore?: Pick<K8sStore, 'listLatestRecommendations'>;
  publish: PublishEvents;
  now: () => Date;
  logger?: LogSink;
}

/**
 * Applies a recommendation to the GitOps repository as a pull request (opened, or the existing
 * one for the branch updated) and publishes `Rightsizing PR Opened`. When the base branch already
 * holds the values, nothing is opened or published.
 */
export async function openRightsizingPr(
  props: OpenRightsizingPrProps,
): Promise<{ result: OpenPullRequestResult; event?: RightsizingPrOpened }> {
  const { recommendation } = props;
  let recommendations = [recommendation];
  if (props.grouping === 'namespace' && props.k8sStore) {
    const latest = await props.k8sStore.listLatestRecommendations(
      recommendation.workload.cluster,
      recommendation.workload.namespace,
    );
    const others = latest.filter(
      (r) =>
        !(
          r.workload.kind === recommendation.workload.kind && r.workload.name === recommendation.workload.name
        ),
    );
    recommendations = [recommendation, ...others].sort((a, b) =>
      a.workload.name.localeCompare(b.workload.name),
    );
  }
  const targets = recommendations
    .map((r) => ({
      workload: { namespace: r.workload.namespace, kind: r.workload.kind, name: r.workload.name },
      edits: resourcesEditsOf(r),
    }))
    .filter((target) => target.edits.length > 0);
  const branch = branchFor(recommendation.workload, { grouping: props.grouping ?? 'workload' });
  const title = rightsizingPrTitle(recommendations);
  const result = await openWorkloadPullRequest({
    backend: props.backend,
    targets,
    branch,
    title,
    renderBody: (changes) =>
      renderRightsizingPrBody(
        recommendations,
        changes.map((change) => change.path),
      ),
    commitMessage: `${title}\n\nRecommendation ${recommendation.recommendationId} (${recommendation.algorithm.version}).\n`,
    recommendationId: recommendation.recommendationId,
  });
  props.logger?.info('rightsizing pull request', {
    action: result.action,
    branch,
    files: result.filesChanged.length,
  });
  // `unchanged` is a re-delivery: nothing new to announce (the caller still gets the result).
  if (result.action === 'no-change' || result.action === 'unchanged' || !result.pullRequest)
    return { result };
  const savings = recommendations.reduce(
    (sum, r) => sum + BigInt(Math.round(Number(r.monthlySavings) * 100)),
    0n,
  );
  const event: RightsizingPrOpened = {
    schemaVersion: 1,
    recommendationId: recommendation.recommendationId,
    workload: recommendation.workload,
    backend: props.backend.kind,
    repository: props.backend.repository,
    branch,
    pullRequest: { number: result.pullRequest.number, url: result.pullRequest.url },
    action: result.action,
    filesChanged: result.filesChanged,
    monthlySavings: `${savings < 0n ? '-' : ''}${(savings < 0n ? -savings : savings) / 100n}.${((savings < 0n ? -savings : savings) % 100n).toString().padStart(2, '0')}`,
    currency: recommendation.currency,
    openedAt: props.now().toISOString(),
  };
  await props.publish([outgoing(RightsizingPrOpenedEvent, event)]);
  return { result, event };
}
