import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ActionRecord } from '#shared/scale/action-record';
import { createHttpScaleApi } from '#shared/scale/kubernetes-scale-api';
import { createKubernetesScaler, PREVIOUS_REPLICAS_ANNOTATION } from '#shared/scale/kubernetes-scaler';
import { ScaleExecutionError } from '#shared/scale/scale-executor';

interface FakeDeployment {
  replicas: number;
  annotations: Record<string, string>;
}

/** A loopback API server serving one Deployment and its scale subresource, recording requests. */
async function startFakeApiServer(deployments: Record<string, FakeDeployment>) {
  const requests: Array<{ method: string; url: string; contentType?: string; body?: unknown }> = [];
  const readBody = async (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text === '' ? undefined : JSON.parse(text);
  };
  const server: Server = createServer(async (request, response) => {
    const body = await readBody(request);
    requests.push({
      method: request.method ?? '',
      url: request.url ?? '',
      contentType: request.headers['content-type'],
      body,
    });
    const match = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)(\/scale)?$/.exec(
      request.url ?? '',
    );
    const deployment = match ? deployments[`${match[1]}/${match[2]}`] : undefined;
    if (!match || !deployment) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"kind":"Status","code":404}');
      return;
    }
    if (request.method === 'PATCH' && request.headers['content-type'] !== 'application/merge-patch+json') {
      response.writeHead(415).end('{"kind":"Status","code":415}');
      return;
    }
    if (match[3] && request.method === 'PATCH') deployment.replicas = body.spec.replicas;
    if (!match[3] && request.method === 'PATCH') {
      for (const [key, value] of Object.entries(body.metadata.annotations as Record<string, string | null>)) {
        if (value === null) delete deployment.annotations[key];
        else deployment.annotations[key] = value;
      }
    }
    const payload = match[3]
      ? { kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: deployment.replicas } }
      : {
          kind: 'Deployment',
          metadata: { annotations: deployment.annotations },
          spec: { replicas: deployment.replicas },
        };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const endpoint = {
  platform: 'kubernetes' as const,
  id: 'vision/Deployment/captioner-batch',
  name: 'captioner-batch',
  namespace: 'vision',
  kind: 'Deployment',
  tags: {},
  gitopsManaged: false,
};

describe('direct Kubernetes scaler (scale subresource over loopback HTTP)', () => {
  it('records the previous replicas in an annotation and patches the scale subresource when scaling down', async () => {
    // Prepare
    const deployments = { 'vision/captioner-batch': { replicas: 3, annotations: { team: 'vision' } } };
    const api = await startFakeApiServer(deployments);
    const scaler = createKubernetesScaler(createHttpScaleApi({ server: api.url, token: 't0k3n' }));
    try {
      // Act
      const effect = await scaler.scale({
        actionId: 'scale|k|1',
        endpoint,
        fromCapacity: 3,
        toCapacity: 1,
        reason: 'idle',
        evidence: { summary: 'idle' },
      });
      // Assess
      expect(effect).toEqual({
        via: 'kubernetes-api',
        previousCapacity: 3,
        newCapacity: 1,
        restoreState: { previousReplicas: 3 },
      });
      expect(deployments['vision/captioner-batch']).toEqual({
        replicas: 1,
        annotations: {
          team: 'vision',
          [PREVIOUS_REPLICAS_ANNOTATION]: '3',
          'finops.apexlogic.com/scaled-by-action': 'scale|k|1',
        },
      });
      const scalePatch = api.requests.find((r) => r.method === 'PATCH' && r.url.endsWith('/scale'));
      expect(scalePatch).toMatchObject({
        contentType: 'application/merge-patch+json',
        body: { spec: { replicas: 1 } },
      });
    } finally {
      await api.close();
    }
  });

  it('returns to the annotated replica count and removes the annotations when restoring', async () => {
    // Prepare
    const deployments = {
      'vision/captioner-batch': {
        replicas: 1,
        annotations: { [PREVIOUS_REPLICAS_ANNOTATION]: '3', other: 'x' },
      },
    };
    const api = await startFakeApiServer(deployments);
    const scaler = createKubernetesScaler(createHttpScaleApi({ server: api.url }));
    try {
      // Act
      const effect = await scaler.restore({
        actionId: 'restore|scale|k|1',
        endpoint,
        scaleDown: { previousCapacity: 2 } as ActionRecord,
      });
      // Assess
      expect(effect).toMatchObject({ previousCapacity: 1, newCapacity: 3 });
      expect(deployments['vision/captioner-batch']).toEqual({ replicas: 3, annotations: { other: 'x' } });
    } finally {
      await api.close();
    }
  });

  it('changes nothing when the replicas changed since the decision', async () => {
    // Prepare
    const deployments = { 'vision/captioner-batch': { replicas: 5, annotations: {} } };
    const api = await startFakeApiServer(deployments);
    const scaler = createKubernetesScaler(createHttpScaleApi({ server: api.url }));
    try {
      // Act
      const attempt = scaler.scale({
        actionId: 'a',
        endpoint,
        fromCapacity: 3,
        toCapacity: 1,
        reason: 'r',
        evidence: { summary: 's' },
      });
      // Assess
      await expect(attempt).rejects.toThrow(/changed since the decision \(3 → 5 now\)/);
      expect(deployments['vision/captioner-batch']).toEqual({ replicas: 5, annotations: {} });
      expect(api.requests.filter((r) => r.method === 'PATCH')).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('surfaces the API error when the Deployment does not exist', async () => {
    const api = await startFakeApiServer({});
    const scaler = createKubernetesScaler(createHttpScaleApi({ server: api.url }));
    try {
      await expect(
        scaler.scale({
          actionId: 'a',
          endpoint,
          fromCapacity: 2,
          toCapacity: 1,
          reason: 'r',
          evidence: { summary: 's' },
        }),
      ).rejects.toThrow(/HTTP 404/);
    } finally {
      await api.close();
    }
  });

  it('refuses to scale an InferenceService directly', async () => {
    const scaler = createKubernetesScaler(createHttpScaleApi({ server: 'http://127.0.0.1:1' }));
    await expect(
      scaler.scale({
        actionId: 'a',
        endpoint: { ...endpoint, kind: 'InferenceService' },
        fromCapacity: 2,
        toCapacity: 1,
        reason: 'r',
        evidence: { summary: 's' },
      }),
    ).rejects.toThrow(ScaleExecutionError);
  });
});
