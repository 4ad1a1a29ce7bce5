import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import {
  KubernetesIngestionCompletedEvent,
  RightsizingPrOpenedEvent,
  RightsizingRecommendedEvent,
} from '#events/index';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { eventBridgeEnvelope, localAwsEnvironment } from '#infra/local/lambda-events';
import { type LocalBus, startLocalBus } from '#infra/local/local-bus';
import { ensureLocalGitopsRepo, runGit } from '#shared/gitops/local-git-backend';
import { type OpenCostFileServer, startOpenCostFileServer } from '#shared/k8s/opencost-files';

const REPO = path.resolve(__dirname, '../../..');

const envelope = (detailType: string, detail: unknown) => eventBridgeEnvelope(detailType, detail);

describe('ingest-k8s → recommend-rightsizing → open-rightsizing-pr handlers on local transports', () => {
  let dynamo: EmbeddedDynamo;
  let bus: LocalBus;
  let opencost: OpenCostFileServer;
  let scratch: string;
  let repoDir: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    // OpenCost stand-in over the saved sample, its 14 days moved to end yesterday (the handler
    // asks for the days before the wall clock's today).
    opencost = await startOpenCostFileServer([path.join(REPO, 'samples/opencost/daily')], {
      alignToYesterday: true,
    });
    scratch = mkdtempSync(path.join(tmpdir(), 'finops-handlers-'));
    repoDir = path.join(scratch, 'gitops');
    await ensureLocalGitopsRepo(repoDir, path.join(REPO, 'samples/gitops'), new Date('2026-11-26T00:00:00Z'));
    dynamo = await startEmbeddedDynamo();
    bus = await startLocalBus({ eventBusName: 'k8s-handler-test', rules: [] });
    Object.assign(process.env, {
      ...localAwsEnvironment({ dynamodb: dynamo.endpoint, eventbridge: bus.endpoint }),
      TABLE_NAME: dynamo.tableName,
      EVENT_BUS_NAME: 'k8s-handler-test',
      OPENCOST_URL: opencost.url,
      OPENCOST_LOOKBACK_DAYS: '14',
      GITOPS_BACKEND: 'local-git',
      GITOPS_REPOSITORY: repoDir,
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
  });
  afterAll(async () => {
    process.env = saved;
    await bus.stop();
    await dynamo.stop();
    await opencost.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('stores the sample, recommends for the captioner and opens its PR', async () => {
    // Prepare
    const ingest = (await import('#functions/ingest-k8s/handler')).handler;
    const recommend = (await import('#functions/recommend-rightsizing/handler')).handler;
    const openPr = (await import('#functions/open-rightsizing-pr/handler')).handler;
    // Act
    await ingest(envelope('Scheduled Event', {}), {} as Context);
    const completed = bus.events.find(
      (e) => e['detail-type'] === KubernetesIngestionCompletedEvent.detailType,
    );
    await recommend(envelope(KubernetesIngestionCompletedEvent.detailType, completed?.detail), {} as Context);
    const captioner = bus.events.find(
      (e) =>
        e['detail-type'] === RightsizingRecommendedEvent.detailType &&
        (e.detail as { workload: { name: string } }).workload.name === 'image-captioner',
    );
    const first = await openPr(
      envelope(RightsizingRecommendedEvent.detailType, captioner?.detail),
      {} as Context,
    );
    const second = await openPr(
      envelope(RightsizingRecommendedEvent.detailType, captioner?.detail),
      {} as Context,
    );
    // Assess
    expect(opencost.requests[0]).toMatch(
      /^\/allocation\?window=\d{4}-\d{2}-\d{2}T00%3A00%3A00Z%2C\d{4}-\d{2}-\d{2}T00%3A00%3A00Z&step=1d/,
    );
    const today = new Date();
    const day = (back: number) =>
      new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - back))
        .toISOString()
        .slice(0, 10);
    expect(completed?.detail).toMatchObject({
      cluster: 'demo-eks',
      days: { from: day(14), to: day(1) },
      usageDaysWritten: 70,
    });
    expect(captioner?.detail).toMatchObject({
      containers: [
        {
          current: { cpuRequest: '2', memoryRequest: '8Gi' },
          recommended: { cpuRequest: '560m', memoryRequest: '2592Mi' },
        },
      ],
      monthlySavings: '150.43',
    });
    expect(first).toMatchObject({ action: 'opened', branch: 'finops/rightsize/vision/image-captioner' });
    expect(second).toMatchObject({ action: 'unchanged' });
    const opened = bus.events.filter((e) => e['detail-type'] === RightsizingPrOpenedEvent.detailType);
    expect(opened).toHaveLength(1);
    expect(await runGit(repoDir, ['branch', '--list', 'finops/*'])).toContain(
      'finops/rightsize/vision/image-captioner',
    );
  }, 30_000);
});
