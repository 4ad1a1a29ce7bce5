import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import {
  type BillingIngestionCompleted,
  BillingIngestionCompletedEvent,
  type CostAnomalyDetected,
  CostAnomalyDetectedEvent,
  type KubernetesIngestionCompleted,
  KubernetesIngestionCompletedEvent,
  type RightsizingPrOpened,
  RightsizingPrOpenedEvent,
  type RightsizingRecommended,
  RightsizingRecommendedEvent,
} from '#events/index';
import { generateFocusSample, SAMPLE_DEFAULTS } from '#samples/billing/generate-focus-sample';
import { EnvName } from '#shared/config/env-names';
import { diffBranch, ensureLocalGitopsRepo } from '#shared/gitops/local-git-backend';
import { startOpenCostFileServer } from '#shared/k8s/opencost-files';
import { formatCurrency, parseMoney } from '#shared/money';
import { createDocumentClient } from '#shared/store/dynamo-client';
import { createDynamoK8sStore } from '#shared/store/dynamo-k8s-store';
import { scheduledEvent } from '../lambda-events';
import { LOCAL_EXPORT_BUCKET, type LocalRuntime, startLocalRuntime } from '../local-runtime';
import { s3ObjectCreatedEvent } from '../local-s3';
import { samplePath } from '../paths';
import type { CliCommand, CliIo } from './command';
import { localScalingEnv, writeIdleSummary } from './endpoints';

const SAMPLE_KEY = 'focus/apexlogic/apexlogic-focus-1.0.csv';

/**
 * `finops run`: the whole pipeline on its embedded defaults, from a clean store. Generates the
 * bundled sample bill if absent, drops it in the local export bucket (S3 "Object Created" →
 * ingest-billing), lets the bus route every event to the real handlers, then prints a summary.
 */
export const command: CliCommand = {
  name: 'run',
  summary: 'run the whole pipeline on the bundled sample, from a clean local store',
  usage: 'finops run [--data-dir DIR]',
  async run(args, io) {
    const dataDir = path.resolve(io.cwd, optionValue(args, '--data-dir') ?? '.finops');
    const started = Date.now();
    const gitopsDir = path.join(dataDir, 'gitops');
    rmSync(gitopsDir, { recursive: true, force: true });
    await ensureLocalGitopsRepo(gitopsDir, samplePath('gitops'), new Date());
    // The OpenCost sample is served on loopback with its days moved to end yesterday, so the
    // scheduled ingest-k8s (which asks for the last days) finds it.
    const opencost = await startOpenCostFileServer([samplePath('opencost', 'daily')], {
      alignToYesterday: true,
    });
    const runtime = await startLocalRuntime({
      dataDir,
      fresh: true,
      output: io.stdout,
      slackWebhookUrl: process.env.SLACK_WEBHOOK_URL || undefined,
      env: {
        [EnvName.opencostUrl]: opencost.url,
        [EnvName.opencostLookbackDays]: '14',
        [EnvName.gitopsBackend]: 'local-git',
        [EnvName.gitopsRepository]: gitopsDir,
        ...localScalingEnv(),
      },
    });
    try {
      const sampleBill = path.join(runtime.exportsDir, SAMPLE_KEY);
      if (!existsSync(sampleBill)) {
        const sample = generateFocusSample({ ...SAMPLE_DEFAULTS, outFile: sampleBill });
        io.stdout.write(
          `generated the sample bill: ${sample.rows} rows, ${sample.firstDay} … ${sample.lastDay} → ${path.relative(io.cwd, sampleBill)}\n`,
        );
      }
      io.stdout.write(`\n▶ s3://${LOCAL_EXPORT_BUCKET}/${SAMPLE_KEY} created → ingest-billing\n`);
      const objectCreated = await s3ObjectCreatedEvent({
        bucket: LOCAL_EXPORT_BUCKET,
        key: SAMPLE_KEY,
        filePath: sampleBill,
      });
      runtime.bus.putEvent({
        source: objectCreated.source,
        detailType: objectCreated['detail-type'],
        detail: objectCreated.detail,
        resources: objectCreated.resources,
      });
      await runtime.bus.drain();

      io.stdout.write(`\n▶ schedule → ingest-k8s (OpenCost at ${opencost.url})\n`);
      await runtime.invoke('ingest-k8s', scheduledEvent('ingest-k8s'));
      await runtime.bus.drain();
      await writePullRequests(runtime, io, gitopsDir);
      writeIdleSummary(runtime, io);

      writeSummary(runtime, io, Date.now() - started);
      return runtime.bus.deadLetters.length === 0 ? 0 : 1;
    } finally {
      await runtime.stop();
      await opencost.stop();
    }
  },
};

/** Shows each rightsizing PR the run opened in the local GitOps repository: its diff and body. */
async function writePullRequests(runtime: LocalRuntime, io: CliIo, gitopsDir: string): Promise<void> {
  const k8sStore = createDynamoK8sStore({
    documentClient: createDocumentClient(runtime.dynamo.client),
    tableName: runtime.dynamo.tableName,
  });
  for (const pr of detailsOf<RightsizingPrOpened>(runtime, RightsizingPrOpenedEvent.detailType)) {
    io.stdout.write(
      `\n┌─ Pull request #${pr.pullRequest.number} (${pr.action}) ${pr.branch}\n` +
        `│ ${pr.pullRequest.url}\n└──\n`,
    );
    io.stdout.write(await diffBranch(gitopsDir, 'main', pr.branch));
    const record = (await k8sStore.listPullRequests(gitopsDir)).find(
      (candidate) => candidate.branch === pr.branch,
    );
    if (record) io.stdout.write(`\n${record.title}\n\n${record.body}\n`);
  }
}

function optionValue(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

function detailsOf<T>(runtime: LocalRuntime, detailType: string): T[] {
  return runtime.bus.events
    .filter((event) => event['detail-type'] === detailType)
    .map((event) => event.detail as T);
}

function writeSummary(runtime: LocalRuntime, io: CliIo, elapsedMs: number): void {
  const out = (line = '') => io.stdout.write(`${line}\n`);
  out('\n── summary ──────────────────────────────────────────────');
  for (const ingestion of detailsOf<BillingIngestionCompleted>(
    runtime,
    BillingIngestionCompletedEvent.detailType,
  )) {
    const totals = ingestion.totals.map((total) => formatCurrency(parseMoney(total.amount), total.currency));
    out(
      `billing  ${ingestion.source.uri}: ${ingestion.rowsRead} rows read, ${ingestion.rowsRejected} rejected, ` +
        `${ingestion.seriesDaysWritten} series-days written (${ingestion.seriesCount} series, ${ingestion.days.from} … ${ingestion.days.to}), total ${totals.join(', ')}`,
    );
  }
  const anomalies = detailsOf<CostAnomalyDetected>(runtime, CostAnomalyDetectedEvent.detailType);
  out(`anomalies: ${anomalies.length}`);
  for (const anomaly of anomalies) {
    const top = anomaly.contributors[0];
    out(
      `  ${anomaly.startDay}  ${anomaly.series.key} (${anomaly.series.currency})  ${anomaly.severity}  impact ` +
        `${formatCurrency(parseMoney(anomaly.impact), anomaly.series.currency)}/day (+${anomaly.impactPercent.toFixed(0)}%)` +
        (top ? `  top contributor ${top.dimension} ${top.value} (${Math.round(top.share * 100)}%)` : ''),
    );
  }
  for (const k8s of detailsOf<KubernetesIngestionCompleted>(
    runtime,
    KubernetesIngestionCompletedEvent.detailType,
  )) {
    out(
      `k8s      ${k8s.cluster}: ${k8s.namespaces} namespaces, ${k8s.containers} containers, ` +
        `${k8s.seriesDaysWritten} series-days and ${k8s.usageDaysWritten} usage-days written (${k8s.days.from} … ${k8s.days.to})`,
    );
  }
  const recommendations = detailsOf<RightsizingRecommended>(runtime, RightsizingRecommendedEvent.detailType);
  out(`rightsizing recommendations: ${recommendations.length}`);
  for (const recommendation of recommendations) {
    const { namespace, kind, name } = recommendation.workload;
    const changes = recommendation.containers.map(
      (container) =>
        `${container.container}: cpu ${container.current.cpuRequest ?? '-'} → ${container.recommended.cpuRequest ?? '-'}, ` +
        `memory ${container.current.memoryRequest ?? '-'} → ${container.recommended.memoryRequest ?? '-'}` +
        (container.notes.length > 0 ? ` [${container.notes.join(', ')}]` : ''),
    );
    out(
      `  ${namespace}/${kind}/${name}  saves ${formatCurrency(parseMoney(recommendation.monthlySavings), recommendation.currency)}/month  ${changes.join('; ')}`,
    );
  }
  for (const pr of detailsOf<RightsizingPrOpened>(runtime, RightsizingPrOpenedEvent.detailType)) {
    out(`  PR #${pr.pullRequest.number} ${pr.action}: ${pr.branch} (${pr.filesChanged.join(', ')})`);
  }
  const slackPosts = runtime.slack?.posts.length;
  if (slackPosts !== undefined) out(`slack messages: ${slackPosts}`);
  for (const dead of runtime.bus.deadLetters) {
    const reason = dead.error instanceof Error ? dead.error.message : String(dead.error);
    out(
      `FAILED  ${dead.consumer} on ${dead.event['detail-type']} after ${dead.attempts} attempts: ${reason}`,
    );
  }
  out(`done in ${(elapsedMs / 1000).toFixed(1)} s`);
}
