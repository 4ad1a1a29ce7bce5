import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { ConfigError } from '#shared/errors';
import type { OutgoingEvent } from '#shared/events/publish-port';
import { fetchDailyAllocations, ingestKubernetesCosts } from '#shared/k8s/ingest-kubernetes-costs';
import { OpenCostResponseError } from '#shared/k8s/opencost-allocation';
import { createOpenCostClient, OpenCostUnavailableError } from '#shared/k8s/opencost-client';
import { startOpenCostFileServer } from '#shared/k8s/opencost-files';
import { formatMoney } from '#shared/money';
import { createDynamoCostStore } from '#shared/store/dynamo-cost-store';
import { createDynamoK8sStore } from '#shared/store/dynamo-k8s-store';

const repoRoot = path.resolve(__dirname, '../../..');
const dataDir = path.resolve(repoRoot, '..', 'shared/data/opencost');
const sampleDir = path.join(repoRoot, 'samples', 'opencost', 'daily');

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

async function serve(handler: Handler): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.url ?? '');
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const json = (body: unknown) => (_request: IncomingMessage, response: ServerResponse) =>
  response
    .writeHead(200, { 'content-type': 'application/json' })
    .end(typeof body === 'string' ? body : JSON.stringify(body));

describe('OpenCost ingestion over loopback HTTP into the embedded store', () => {
  let dynamo: EmbeddedDynamo;
  let published: OutgoingEvent[];
  const stores = () => ({
    costStore: createDynamoCostStore({ documentClient: dynamo.documentClient, tableName: dynamo.tableName }),
    k8sStore: createDynamoK8sStore({ documentClient: dynamo.documentClient, tableName: dynamo.tableName }),
  });
  const publish = async (events: readonly OutgoingEvent[]) => {
    published.push(...events);
  };
  const now = () => new Date('2026-11-26T02:00:00Z');

  beforeEach(async () => {
    dynamo = await startEmbeddedDynamo();
    published = [];
  });
  afterEach(async () => {
    await dynamo.stop();
  });

  it.each([
    [
      'opencost-swagger_allocation-compute_window-2d_aggregate-namespace.json',
      'namespace',
      'cluster-one',
      '0.456113',
    ],
    [
      'opencost-website_allocation_window-7d_aggregate-namespace.json',
      'namespace',
      'default-cluster',
      '1.77816',
    ],
    ['kubecost-docs_allocation_unaggregated_container.json', undefined, 'aws-dev-1-niko', '0.004661'],
  ])('stores the namespace series of %s', async (file, aggregate, cluster, total) => {
    // Prepare
    const body = readFileSync(path.join(dataDir, file), 'utf8');
    const server = await serve(json(body));
    try {
      const fetchAllocations = createOpenCostClient({ baseUrl: server.url });
      const { costStore, k8sStore } = stores();
      // Act
      const responseBody = await fetchAllocations({
        window: '2d',
        step: '1d',
        ...(aggregate ? { aggregate } : {}),
        compute: true,
      });
      const result = await ingestKubernetesCosts({
        responses: [{ source: server.url, body: responseBody, ...(aggregate ? { aggregate } : {}) }],
        costStore,
        k8sStore,
        publish,
        now,
      });
      // Assess
      expect(server.requests[0]).toMatch(/^\/allocation\/compute\?window=2d&step=1d/);
      expect(result.clusters).toEqual([expect.objectContaining({ cluster, totalCost: total })]);
      const series = await costStore.listSeries();
      expect(series.some((ref) => ref.seriesKey.startsWith('k8s-namespace='))).toBe(true);
      expect(published.map((event) => event.contract.detailType)).toEqual(['Kubernetes Ingestion Completed']);
    } finally {
      await server.close();
    }
  });

  it.each([
    ['an error envelope', { code: 500, message: 'Prometheus unreachable', data: null }],
    ['a malformed allocation after good ones', malformedAfterGood()],
    ['a body that is not JSON', '<html>502 Bad Gateway</html>'],
  ])('writes nothing and names the problem when OpenCost answers %s', async (_label, body) => {
    // Prepare
    const server = await serve(json(body));
    try {
      const fetchAllocations = createOpenCostClient({ baseUrl: server.url, attempts: 1 });
      const { costStore, k8sStore } = stores();
      // Act
      const run = async () => {
        const responseBody = await fetchAllocations({ window: '1d' });
        await ingestKubernetesCosts({
          responses: [{ source: server.url, body: responseBody }],
          costStore,
          k8sStore,
          publish,
          now,
        });
      };
      // Assess
      await expect(run()).rejects.toThrow(OpenCostResponseError);
      expect(await costStore.listSeries()).toEqual([]);
      expect(await k8sStore.listClusters()).toEqual([]);
      expect(published).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('retries 5xx answers with backoff and succeeds when OpenCost recovers', async () => {
    // Prepare
    let calls = 0;
    const body = readFileSync(
      path.join(dataDir, 'opencost-website_allocation_window-7d_aggregate-namespace.json'),
      'utf8',
    );
    const server = await serve((request, response) => {
      calls += 1;
      if (calls <= 2) response.writeHead(503).end('busy');
      else json(body)(request, response);
    });
    const sleeps: number[] = [];
    try {
      const fetchAllocations = createOpenCostClient({
        baseUrl: server.url,
        backoffMs: 10,
        sleep: async (ms) => void sleeps.push(ms),
      });
      // Act
      const result = await fetchAllocations({ window: '7d', aggregate: 'namespace' });
      // Assess
      expect((result as { code: number }).code).toBe(200);
      expect(calls).toBe(3);
      expect(sleeps).toEqual([10, 20]);
    } finally {
      await server.close();
    }
  });

  it('gives up with a clear error when OpenCost never answers within the timeout', async () => {
    // Prepare: a server that accepts the request and never responds.
    const server = await serve(() => {});
    try {
      const fetchAllocations = createOpenCostClient({
        baseUrl: server.url,
        timeoutMs: 100,
        attempts: 2,
        backoffMs: 1,
      });
      // Act + Assess
      await expect(fetchAllocations({ window: '1d' })).rejects.toThrow(OpenCostUnavailableError);
      expect(server.requests).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it.each(['file:///etc/opencost', 'ftp://opencost', 'not a url', 'http://user:pw@opencost'])(
    'refuses the OpenCost URL %s',
    (url) => {
      expect(() => createOpenCostClient({ baseUrl: url })).toThrow(ConfigError);
    },
  );

  it('stores 14 days of per-container usage and is idempotent when the sample is ingested twice', async () => {
    // Prepare
    const server = await startOpenCostFileServer([sampleDir]);
    try {
      const fetchAllocations = createOpenCostClient({ baseUrl: server.url });
      const { costStore, k8sStore } = stores();
      const range = { from: '2026-11-12', to: '2026-11-25' };
      // Act
      const first = await ingestKubernetesCosts({
        responses: await fetchDailyAllocations(fetchAllocations, range, server.url),
        costStore,
        k8sStore,
        publish,
        now,
      });
      const second = await ingestKubernetesCosts({
        responses: await fetchDailyAllocations(fetchAllocations, range, server.url),
        costStore,
        k8sStore,
        publish,
        now,
      });
      // Assess
      expect(first.clusters[0]).toMatchObject({
        cluster: 'demo-eks',
        days: range,
        namespaces: 3,
        containers: 5,
        usageDaysWritten: 70,
      });
      expect(second.clusters[0]?.seriesDaysWritten).toBe(0);
      const workload = {
        cluster: 'demo-eks',
        namespace: 'vision',
        kind: 'Deployment',
        name: 'image-captioner',
      };
      const usage = await k8sStore.readWorkloadUsage(workload, range);
      expect(usage).toHaveLength(14);
      expect(usage[0]).toMatchObject({
        container: 'captioner',
        perReplica: true,
        replicasObserved: 3,
        cpuRequestCores: 2,
        gpuCount: 1,
      });
      const vision = await costStore.readSeries(
        { seriesKey: 'k8s-cost-center=ai-vision', currency: 'USD' },
        range,
      );
      expect(vision).toHaveLength(14);
      expect(vision[0]?.contributors?.[0]).toMatchObject({
        dimension: 'resource',
        value: 'vision/Deployment/image-captioner',
      });
      // The captioner's day: 3 × (2 cores × 24 h × 0.031611 + 8 GiB × 24 h × 0.004237 + 24 h × 2.48).
      const captionerDay = vision[0]?.contributors?.find(
        (c) => c.value === 'vision/Deployment/image-captioner',
      );
      expect(formatMoney(captionerDay?.amount ?? 0n)).toBe('185.552496');
      expect((await k8sStore.listWorkloads('demo-eks')).map((w) => w.workload.name).sort()).toEqual([
        'billing-api',
        'image-captioner',
        'summarizer',
        'thumbnailer',
      ]);
    } finally {
      await server.stop();
    }
  });
});

function malformedAfterGood() {
  const good = JSON.parse(
    readFileSync(
      path.join(dataDir, 'opencost-website_allocation_window-7d_aggregate-namespace.json'),
      'utf8',
    ),
  ) as { data: Array<Record<string, unknown>> };
  const set = good.data[0] as Record<string, Record<string, unknown>>;
  return { code: 200, data: [set, { broken: { ...set['kube-system'], totalCost: 'NaN' } }] };
}
