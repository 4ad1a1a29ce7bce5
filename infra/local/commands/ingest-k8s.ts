import path from 'node:path';
import { type CliCommand, type CliIo, UsageError } from '#infra/local/commands/command';
import { startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import type { PublishEvents } from '#shared/events/publish-port';
import {
  type AllocationResponse,
  fetchDailyAllocations,
  ingestKubernetesCosts,
} from '#shared/k8s/ingest-kubernetes-costs';
import { createOpenCostClient } from '#shared/k8s/opencost-client';
import { readAllocationFiles } from '#shared/k8s/opencost-files';
import { createDynamoCostStore } from '#shared/store/dynamo-cost-store';
import { createDynamoK8sStore } from '#shared/store/dynamo-k8s-store';

interface Args {
  url?: string;
  files: string[];
  from?: string;
  to?: string;
  aggregate?: string;
  cluster?: string;
  currency: string;
  json: boolean;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function parseArgs(args: string[]): Args {
  const parsed: Args = { files: [], currency: 'USD', json: false };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    const value = () => {
      const next = args[++i];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === '--url') parsed.url = value();
    else if (arg === '--file') parsed.files.push(value());
    else if (arg === '--from') parsed.from = value();
    else if (arg === '--to') parsed.to = value();
    else if (arg === '--aggregate') parsed.aggregate = value();
    else if (arg === '--cluster') parsed.cluster = value();
    else if (arg === '--currency') parsed.currency = value();
    else if (arg === '--json') parsed.json = true;
    else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else parsed.files.push(arg);
  }
  if (!parsed.url && parsed.files.length === 0)
    throw new UsageError('give --url <OpenCost URL> or --file <json|folder>');
  if (parsed.url && parsed.files.length > 0) throw new UsageError('give either --url or --file, not both');
  for (const day of [parsed.from, parsed.to]) {
    if (day !== undefined && !DAY.test(day)) throw new UsageError(`days are YYYY-MM-DD, got ${day}`);
  }
  if (!/^[A-Z]{3}$/.test(parsed.currency))
    throw new UsageError(`--currency must be an ISO 4217 code, got ${parsed.currency}`);
  return parsed;
}

function yesterday(offsetDays: number): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1 - offsetDays))
    .toISOString()
    .slice(0, 10);
}

/** `finops ingest-k8s --url … | --file …`: OpenCost allocations into the local store (series + container usage). */
export const command: CliCommand = {
  name: 'ingest-k8s',
  summary:
    'ingest OpenCost allocations (from the API or saved JSON) as k8s cost series and per-container usage',
  usage:
    'finops ingest-k8s (--url http://opencost:9003 [--from YYYY-MM-DD] [--to YYYY-MM-DD] | --file <json|folder>...) [--aggregate namespace|controller|container|label:<name>] [--cluster NAME] [--currency USD] [--json]',
  async run(args: string[], io: CliIo): Promise<number> {
    const parsed = parseArgs(args);
    let responses: AllocationResponse[];
    if (parsed.url) {
      const range = { from: parsed.from ?? yesterday(13), to: parsed.to ?? yesterday(0) };
      responses = await fetchDailyAllocations(
        createOpenCostClient({ baseUrl: parsed.url }),
        range,
        parsed.url,
      );
    } else {
      responses = readAllocationFiles(
        parsed.files.map((file) => path.resolve(io.cwd, file)),
        parsed.aggregate,
      );
    }
    const dynamo = await startEmbeddedDynamo({ path: path.join(io.cwd, '.finops', 'dynamo') });
    try {
      // Locally this command only stores: `finops run` wires the in-process bus.
      const publish: PublishEvents = async () => {};
      const result = await ingestKubernetesCosts({
        responses,
        costStore: createDynamoCostStore({
          documentClient: dynamo.documentClient,
          tableName: dynamo.tableName,
        }),
        k8sStore: createDynamoK8sStore({
          documentClient: dynamo.documentClient,
          tableName: dynamo.tableName,
        }),
        publish,
        now: () => new Date(),
        currency: parsed.currency,
        ...(parsed.cluster ? { defaultCluster: parsed.cluster } : {}),
      });
      if (parsed.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else {
        for (const cluster of result.clusters) {
          io.stdout.write(
            `ingested OpenCost ${cluster.cluster}: ${cluster.days.from} … ${cluster.days.to}, ${cluster.namespaces} namespaces, ${cluster.containers} containers, ${cluster.seriesDaysWritten} series-days, ${cluster.usageDaysWritten} container-days, ${parsed.currency} ${cluster.totalCost} allocated\n`,
          );
        }
        if (result.clusters.length === 0) io.stdout.write('no allocations found\n');
      }
      return 0;
    } finally {
      await dynamo.stop();
    }
  },
};
