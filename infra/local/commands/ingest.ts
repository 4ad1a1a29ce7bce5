import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { type CliCommand, type CliIo, UsageError } from '#infra/local/commands/command';
import { startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { ignoredObjectReason, isManifestUri } from '#shared/billing/export-manifest';
import { ingestBillingUnit } from '#shared/billing/ingest-billing';
import { parseCostColumn, parseTagKeys } from '#shared/billing/ingest-billing-config';
import { createLocalBillingObjects, listBillingFiles } from '#shared/billing/local-billing-objects';
import { createParallelAggregate } from '#shared/billing/parallel-aggregate';
import { planManifestUnit, planObjectUnit, type UnitPlan } from '#shared/billing/plan-billing-units';
import type { IngestionReport } from '#shared/cost/cost-store-port';
import type { PublishEvents } from '#shared/events/publish-port';
import { formatCurrency, formatMoney } from '#shared/money';
import { createDynamoCostStore } from '#shared/store/dynamo-cost-store';

interface IngestArgs {
  paths: string[];
  costColumn?: string;
  tagKeys?: string[];
  json: boolean;
  workers: number;
  contributors?: number;
}

function parseArgs(args: string[]): IngestArgs {
  const parsed: IngestArgs = { paths: [], json: false, workers: 1 };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = () => {
      const next = args[++i];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    try {
      if (arg === '--json') parsed.json = true;
      else if (arg === '--cost-column') parsed.costColumn = parseCostColumn(value(), '--cost-column');
      else if (arg === '--tag-keys') parsed.tagKeys = parseTagKeys(value(), '--tag-keys');
      else if (arg === '--workers') {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1 || n > 64)
          throw new UsageError(`--workers must be an integer 1..64, got ${args[i]}`);
        parsed.workers = n;
      } else if (arg === '--contributors') {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 0 || n > 100)
          throw new UsageError(`--contributors must be an integer 0..100, got ${args[i]}`);
        parsed.contributors = n;
      } else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
      else parsed.paths.push(arg);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError((error as Error).message);
    }
  }
  if (parsed.paths.length === 0) throw new UsageError('give at least one billing file or folder');
  return parsed;
}

/**
 * Plans the units of the given paths: each manifest's period (ready or incomplete), and every
 * other file as a unit of its own. Files a manifest lists are never ingested twice.
 */
async function planPaths(paths: string[], cwd: string): Promise<UnitPlan[]> {
  const plans: UnitPlan[] = [];
  const claimed = new Set<string>();
  const loose: Array<{ file: string; root: string }> = [];
  for (const given of paths) {
    const full = path.resolve(cwd, given);
    if (!existsSync(full)) throw new UsageError(`no such file or folder: ${given}`);
    const isDir = statSync(full).isDirectory();
    const root = isDir ? full : path.dirname(full);
    const objects = createLocalBillingObjects(root);
    const files: string[] = [];
    for (const file of isDir ? listBillingFiles(full) : [full]) {
      const reason = ignoredObjectReason(file);
      if (reason === undefined) files.push(file);
      else plans.push({ status: 'ignored', uri: file, reason });
    }
    for (const file of files.filter(isManifestUri)) {
      const plan = await planManifestUnit(file, objects);
      if (plan.status === 'ready') for (const s of plan.sources) claimed.add(path.resolve(s.uri));
      plans.push(plan);
    }
    for (const file of files.filter((f) => !isManifestUri(f))) loose.push({ file, root });
  }
  for (const { file, root } of loose) {
    if (claimed.has(path.resolve(file))) continue;
    const plan = await planObjectUnit(file, createLocalBillingObjects(root));
    // A data file of a Data Exports period whose manifest was not given: plan the period once.
    const duplicate = 'unitId' in plan && plans.some((p) => 'unitId' in p && p.unitId === plan.unitId);
    if (!duplicate) plans.push(plan);
  }
  return plans;
}

function renderReport(report: IngestionReport, unchanged: boolean): string {
  const lines = [
    `ingested ${report.unitId} (${report.format}, cost column ${report.costColumn})`,
    `  files: ${report.sourceUris.length}   rows read: ${report.rowsRead}   rejected: ${report.rowsRejected}`,
    ...report.rejections.map(
      (r) =>
        `    - ${r.reason}: ${r.count} (first lines ${r.firstLines.join(', ')}${r.count > r.firstLines.length ? ', …' : ''})`,
    ),
    `  series-days written: ${report.seriesDaysWritten}   series: ${report.seriesCount}${report.days ? `   days: ${report.days.from} … ${report.days.to}` : ''}`,
    `  totals: ${report.totals.map((t) => formatCurrency(t.amount, t.currency)).join(', ') || 'none'}`,
    `  version: ${unchanged ? 'unchanged (this exact version was already stored)' : report.versionReplaced ? `replaced ${report.versionReplaced}` : 'first version'}`,
    `  ingestion id: ${report.ingestionId}`,
  ];
  return `${lines.join('\n')}\n`;
}

function reportJson(report: IngestionReport) {
  return {
    ...report,
    totals: report.totals.map((t) => ({ currency: t.currency, amount: formatMoney(t.amount) })),
  };
}

/** `finops ingest <file|dir>...`: ingests billing exports into the local store and prints the reports. */
export const command: CliCommand = {
  name: 'ingest',
  summary:
    'ingest billing exports (FOCUS, CUR 2.0, legacy CUR; CSV, CSV.gz, Parquet; Data Exports folders) into the local store',
  usage:
    'finops ingest <file|dir>... [--cost-column EffectiveCost|BilledCost|ListCost|ContractedCost|unblended|blended|net-unblended|amortized|net-amortized] [--tag-keys a,b] [--contributors N] [--workers N] [--json]',
  async run(args: string[], io: CliIo): Promise<number> {
    const parsed = parseArgs(args);
    const plans = await planPaths(parsed.paths, io.cwd);
    const dynamo = await startEmbeddedDynamo({ path: path.join(io.cwd, '.finops', 'dynamo') });
    let failures = 0;
    const results: unknown[] = [];
    try {
      const store = createDynamoCostStore({
        documentClient: dynamo.documentClient,
        tableName: dynamo.tableName,
      });
      // Locally this command only stores: `finops run` wires the in-process bus.
      const publish: PublishEvents = async () => {};
      const aggregate = parsed.workers > 1 ? createParallelAggregate({ workers: parsed.workers }) : undefined;
      for (const plan of plans) {
        if (plan.status === 'incomplete') {
          results.push(plan);
          if (!parsed.json)
            io.stdout.write(
              `waiting ${plan.unitId}: manifest ${plan.uri} lists missing files: ${plan.missing.join(', ')}; nothing ingested\n`,
            );
          continue;
        }
        if (plan.status === 'ignored') {
          results.push(plan);
          if (!parsed.json) io.stdout.write(`ignored ${plan.uri}: ${plan.reason}\n`);
          continue;
        }
        if (plan.status === 'waiting-for-manifest') {
          results.push(plan);
          if (!parsed.json)
            io.stdout.write(
              plan.reason === 'newer-delivery'
                ? `waiting ${plan.uri}: it is newer than its manifest ${plan.manifestUri} (a delivery in progress); nothing ingested\n`
                : `waiting ${plan.uri}: its manifest ${plan.manifestUri} has not arrived; nothing ingested\n`,
            );
          continue;
        }
        try {
          const report = await ingestBillingUnit({
            unitId: plan.unitId,
            sources: plan.sources,
            billingPeriod: plan.billingPeriod,
            store,
            publish,
            now: () => new Date(),
            options: {
              costColumn: parsed.costColumn,
              tagKeys: parsed.tagKeys,
              contributorLimit: parsed.contributors,
            },
            aggregate,
          });
          const unchanged =
            report.seriesDaysWritten === 0 && report.versionReplaced === undefined && report.rowsRead > 0;
          results.push({ status: 'ingested', unchanged, report: reportJson(report) });
          if (!parsed.json) io.stdout.write(renderReport(report, unchanged));
        } catch (error) {
          failures++;
          const message = error instanceof Error ? error.message : String(error);
          results.push({ status: 'failed', unitId: plan.unitId, error: message });
          if (!parsed.json) io.stderr.write(`failed ${plan.unitId}: ${message}\n`);
        }
      }
    } finally {
      await dynamo.stop();
    }
    if (parsed.json) io.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return failures > 0 ? 1 : 0;
  },
};
