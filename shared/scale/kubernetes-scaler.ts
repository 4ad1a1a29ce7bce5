import type { ActionEndpoint } from '#shared/scale/action-record';
import { type ScaleEffect, ScaleExecutionError, type ScaleExecutor } from '#shared/scale/scale-executor';

/** Annotation recording the replica count before the pipeline scaled a Deployment down. */
export const PREVIOUS_REPLICAS_ANNOTATION = 'finops.apexlogic.com/previous-replicas';
/** Annotation naming the action that scaled it (for the audit trail from the cluster side). */
export const SCALED_BY_ANNOTATION = 'finops.apexlogic.com/scaled-by-action';

/** What the direct executor needs of the Kubernetes API (client-node adapter or plain HTTP). */
export interface KubernetesScaleApi {
  /** `spec.replicas` of the Deployment's scale subresource. */
  readScale(namespace: string, name: string): Promise<number>;
  /** Patches the scale subresource to `replicas`. */
  patchScale(namespace: string, name: string, replicas: number): Promise<void>;
  readAnnotations(namespace: string, name: string): Promise<Record<string, string>>;
  /** Merge-patches the Deployment's annotations (`null` removes one). */
  patchAnnotations(
    namespace: string,
    name: string,
    annotations: Record<string, string | null>,
  ): Promise<void>;
}

function deploymentOf(endpoint: ActionEndpoint): { namespace: string; name: string } {
  if (endpoint.kind !== 'Deployment' || !endpoint.namespace) {
    throw new ScaleExecutionError(
      `direct scaling handles Deployments only, got ${endpoint.kind ?? 'no kind'} ${endpoint.id}; InferenceServices are scaled through GitOps`,
    );
  }
  return { namespace: endpoint.namespace, name: endpoint.name };
}

/**
 * Scales Kubernetes Deployments NOT managed by GitOps through the scale subresource, recording
 * the previous replica count in an annotation first (so the cluster itself says how to undo it).
 */
export function createKubernetesScaler(api: KubernetesScaleApi): ScaleExecutor {
  return {
    via: 'kubernetes-api',
    async platformMinCapacity() {
      return 0;
    },
    async scale(request): Promise<ScaleEffect> {
      const { namespace, name } = deploymentOf(request.endpoint);
      const current = await api.readScale(namespace, name);
      if (current !== request.fromCapacity) {
        throw new ScaleExecutionError(
          `replicas of ${namespace}/${name} changed since the decision (${request.fromCapacity} → ${current} now): not scaling on stale evidence`,
        );
      }
      await api.patchAnnotations(namespace, name, {
        [PREVIOUS_REPLICAS_ANNOTATION]: String(current),
        [SCALED_BY_ANNOTATION]: request.actionId,
      });
      await api.patchScale(namespace, name, request.toCapacity);
      return {
        via: 'kubernetes-api',
        previousCapacity: current,
        newCapacity: request.toCapacity,
        restoreState: { previousReplicas: current },
      };
    },
    async restore(request): Promise<ScaleEffect> {
      const { namespace, name } = deploymentOf(request.endpoint);
      const annotations = await api.readAnnotations(namespace, name);
      const annotated = Number(annotations[PREVIOUS_REPLICAS_ANNOTATION]);
      const to =
        Number.isInteger(annotated) && annotated > 0 ? annotated : request.scaleDown.previousCapacity;
      const current = await api.readScale(namespace, name);
      await api.patchScale(namespace, name, to);
      await api.patchAnnotations(namespace, name, {
        [PREVIOUS_REPLICAS_ANNOTATION]: null,
        [SCALED_BY_ANNOTATION]: null,
      });
      return { via: 'kubernetes-api', previousCapacity: current, newCapacity: to };
    },
  };
}
