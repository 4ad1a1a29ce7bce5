import { FinopsError } from '#shared/errors';
import type { KubernetesScaleApi } from '#shared/scale/kubernetes-scaler';

/** A Kubernetes API call that failed (status and response body excerpt in the message). */
export class KubernetesApiError extends FinopsError {}

const MERGE_PATCH = 'application/merge-patch+json';
const deploymentPath = (namespace: string, name: string) =>
  `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments/${encodeURIComponent(name)}`;

/**
 * The scale API over `@kubernetes/client-node` (AppsV1Api: read/patch the Deployment scale
 * subresource and annotations), from a kubeconfig file, in-cluster config or `server` URL.
 * client-node 2.x loads undici 8, which needs Node >= 22.19 (Lambda nodejs22.x): it is imported
 * lazily so the rest of the pipeline still loads on Node 20.
 */
export async function createClientNodeScaleApi(
  source: { kubeconfigPath: string } | { inCluster: true } | { server: string; token?: string },
): Promise<KubernetesScaleApi> {
  const k8s = await import('@kubernetes/client-node');
  const config = new k8s.KubeConfig();
  if ('kubeconfigPath' in source) config.loadFromFile(source.kubeconfigPath);
  else if ('inCluster' in source) config.loadFromCluster();
  else {
    config.loadFromOptions({
      clusters: [{ name: 'target', server: source.server, skipTLSVerify: false }],
      users: [{ name: 'finops', token: source.token }],
      contexts: [{ name: 'target', cluster: 'target', user: 'finops' }],
      currentContext: 'target',
    });
  }
  const apps = config.makeApiClient(k8s.AppsV1Api);
  const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
  return {
    async readScale(namespace, name) {
      const scale = await apps.readNamespacedDeploymentScale({ namespace, name });
      return scale.spec?.replicas ?? 0;
    },
    async patchScale(namespace, name, replicas) {
      await apps.patchNamespacedDeploymentScale(
        { namespace, name, body: { spec: { replicas } } },
        mergePatch,
      );
    },
    async readAnnotations(namespace, name) {
      const deployment = await apps.readNamespacedDeployment({ namespace, name });
      return deployment.metadata?.annotations ?? {};
    },
    async patchAnnotations(namespace, name, annotations) {
      await apps.patchNamespacedDeployment(
        { namespace, name, body: { metadata: { annotations } } },
        mergePatch,
      );
    },
  };
}

/**
 * The same calls over plain HTTP `fetch` (Node 20 compatible): for `kubectl proxy`
 * (`http://127.0.0.1:8001`) or any API server reachable without client certificates.
 */
export function createHttpScaleApi(props: {
  server: string;
  token?: string;
  fetch?: typeof fetch;
}): KubernetesScaleApi {
  const doFetch = props.fetch ?? fetch;
  const base = props.server.replace(/\/+$/, '');
  async function call(
    method: 'GET' | 'PATCH',
    path: string,
    body?: unknown,
  ): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (props.token) headers.authorization = `Bearer ${props.token}`;
    if (body !== undefined) headers['content-type'] = MERGE_PATCH;
    const response = await doFetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new KubernetesApiError(
        `${method} ${path} failed with HTTP ${response.status}: ${text.slice(0, 200)}`,
      );
    }
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  }
  return {
    async readScale(namespace, name) {
      const scale = (await call('GET', `${deploymentPath(namespace, name)}/scale`)) as {
        spec?: { replicas?: number };
      };
      return scale.spec?.replicas ?? 0;
    },
    async patchScale(namespace, name, replicas) {
      await call('PATCH', `${deploymentPath(namespace, name)}/scale`, { spec: { replicas } });
    },
    async readAnnotations(namespace, name) {
      const deployment = (await call('GET', deploymentPath(namespace, name))) as {
        metadata?: { annotations?: Record<string, string> };
      };
      return deployment.metadata?.annotations ?? {};
    },
    async patchAnnotations(namespace, name, annotations) {
      await call('PATCH', deploymentPath(namespace, name), { metadata: { annotations } });
    },
  };
}
