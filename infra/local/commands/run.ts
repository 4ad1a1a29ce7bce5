import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  type BillingIngestionCompleted,
  BillingIngestionCompletedEvent,
  type CostAnomalyDetected,
  CostAnomalyDetectedEvent,
} from '#events/index';
import { generateFocusSample, SAMPLE_DEFAULTS } from '#samples/billing/generate-focus-sample';
import { formatCurrency, parseMoney } from '#shared/money';
import { LOCAL_EXPORT_BUCKET, type LocalRuntime, startLocalRuntime } from '../local-runtime';
import { s3ObjectCreatedEvent } from '../local-s3';
import type { CliCommand, CliIo } from './command';

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
    const runtime = await startLocalRuntime({
      dataDir,
      fresh: true,
      output: io.stdout,
      slackWebhookUrl: process.env.SLACK_WEBHOOK_URL || undefined,
    });
    try {
      const samplePath = path.join(runtime.exportsDir, SAMPLE_KEY);
      if (!existsSync(samplePath)) {
        const sample = generateFocusSample({ ...SAMPLE_DEFAULTS, outFile: samplePath });
        io.stdout.write(
          `generated the sample bill: ${sample.rows} rows, ${sample.firstDay} … ${sample.lastDay} → ${path.relative(io.cwd, samplePath)}\n`,
        );
      }
      io.stdout.write(`\n▶ s3://${LOCAL_EXPORT_BUCKET}/${SAMPLE_KEY} created → ingest-billing\n`);
      const objectCreated = await s3ObjectCreatedEvent({
        bucket: LOCAL_EXPORT_BUCKET,
        key: SAMPLE_KEY,
        filePath: samplePath,
      });
      runtime.bus.putEvent({
        source: objectCreated.source,
        detailType: objectCreated['detail-type'],
        detail: objectCreated.detail,
        resources: objectCreated.resources,
      });
      await runtime.bus.drain();
      writeSummary(runtime, io, Date.now() - started);
      return runtime.bus.deadLetters.length === 0 ? 0 : 1;
    } finally {
      await runtime.stop();
    }
  },
};

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
