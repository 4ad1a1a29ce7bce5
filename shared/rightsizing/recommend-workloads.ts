import { type RightsizingRecommended, RightsizingRecommendedEvent } from '#events/rightsizing-recommended';
import type { IsoDay } from '#shared/cost/cost-point';
import { InvalidInputError } from '#shared/errors';
import { outgoing, type PublishEvents } from '#shared/events/publish-port';
import type { WorkloadKey } from '#shared/k8s/container-usage';
import type { LogSink } from '#shared/observability';
import type { K8sStore } from '#shared/store/dynamo-k8s-store';
import {
  DEFAULT_RECOMMENDER_PARAMS,
  type RecommenderParams,
  recommendRightsizing,
  type WorkloadSpec,
} from './recommender';

/** Reads a workload's spec from the GitOps repository (undefined when the repository does not define it). */
export type ReadWorkloadSpec = (workload: WorkloadKey) => Promise<WorkloadSpec | undefined>;

/** Adapters and settings of one recommendation run over a cluster. */
export interface RecommendWorkloadsProps {
  cluster: string;
  /** Last day of the window (inclusive): the ingestion's last day. */
  toDay: IsoDay;
  k8sStore: Pick<K8sStore, 'listWorkloads' | 'readWorkloadUsage' | 'putRecommendation'>;
  readSpec: ReadWorkloadSpec;
  publish: PublishEvents;
  now: () => Date;
  params?: Partial<RecommenderParams>;
  logger?: LogSink;
}

/** What a run decided for each workload. */
export interface RecommendWorkloadsResult {
  recommended: RightsizingRecommended[];
  unchanged: Array<{ workload: WorkloadKey; reasons: string[] }>;
}

function addDays(day: IsoDay, delta: number): IsoDay {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + delta);
  return date.toISOString().slice(0, 10);
}

/**
 * Recommends requests for every workload of a cluster seen up to `toDay`: reads its usage
 * window and its spec from the GitOps repository, runs the pure recommender, stores and
 * publishes `Rightsizing Recommended` for the workloads worth changing. Recommendation ids are
 * deterministic, so a re-run publishes the same ids and downstream effects happen once.
 */
export async function recommendWorkloads(props: RecommendWorkloadsProps): Promise<RecommendWorkloadsResult> {
  const windowDays = props.params?.windowDays ?? DEFAULT_RECOMMENDER_PARAMS.windowDays;
  const range = { from: addDays(props.toDay, -(windowDays - 1)), to: props.toDay };
  const result: RecommendWorkloadsResult = { recommended: [], unchanged: [] };
  const workloads = (await props.k8sStore.listWorkloads(props.cluster)).filter(
    (w) => w.lastDay >= range.from,
  );
  for (const { workload } of workloads) {
    if (workload.kind === 'Pod') continue;
    let spec: WorkloadSpec | undefined;
    try {
      spec = await props.readSpec(workload);
    } catch (error) {
      // One broken manifest (or a refused path) must not stop the other workloads' recommendations.
      if (!(error instanceof InvalidInputError)) throw error;
      props.logger?.warn('workload manifests unusable', { workload, error: error.message });
      result.unchanged.push({ workload, reasons: [`manifest-error:${error.message}`] });
      continue;
    }
    if (!spec) {
      // GitOps first: what the repository does not define cannot be changed through a PR.
      result.unchanged.push({ workload, reasons: ['not-in-gitops-repository'] });
      continue;
    }
    const usage = await props.k8sStore.readWorkloadUsage(workload, range);
    const outcome = recommendRightsizing({ workload, usage, spec, params: props.params, now: props.now() });
    if (outcome.kind === 'recommended') {
      await props.k8sStore.putRecommendation(outcome.recommendation);
      result.recommended.push(outcome.recommendation);
    } else result.unchanged.push({ workload, reasons: outcome.reasons });
  }
  if (result.recommended.length > 0) {
    await props.publish(result.recommended.map((detail) => outgoing(RightsizingRecommendedEvent, detail)));
  }
  props.logger?.info('rightsizing evaluated', {
    cluster: props.cluster,
    recommended: result.recommended.length,
    unchanged: result.unchanged.length,
  });
  return result;
}
