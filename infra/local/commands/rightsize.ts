import path from 'node:path';
import type { RightsizingRecommended } from '#events/rightsizing-recommended';
import { type CliCommand, type CliIo, UsageError } from '#infra/local/commands/command';
import { startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import type { PublishEvents } from '#shared/events/publish-port';
import { createLocalGitBackend, diffBranch, ensureLocalGitopsRepo } from '#shared/gitops/local-git-backend';
import { readWorkloadSpec } from '#shared/gitops/manifest-patcher';
import { openRightsizingPr } from '#shared/gitops/open-rightsizing-pr';
import { recommendWorkloads } from '#shared/rightsizing/recommend-workloads';
import { createDynamoK8sStore } from '#shared/store/dynamo-k8s-store';
import { samplePath } from '../paths';

interface Args {
  repo?: string;
  cluster?: string;
  to?: string;
  grouping: 'workload' | 'namespace';
  openPrs: boolean;
  json: boolean;
}

function parseArgs(args: string[]): Args {
  const parsed: Args = { grouping: 'workload', openPrs: true, json: false };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    const value = () => {
      const next = args[++i];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === '--repo') parsed.repo = value();
    else if (arg === '--cluster') parsed.cluster = value();
    else if (arg === '--to') {
      parsed.to = value();
      if (!/^\d{4}-\d{2}-\d{2}$/.test(parsed.to))
        throw new UsageError(`--to is YYYY-MM-DD, got ${parsed.to}`);
    } else if (arg === '--group-by-namespace') parsed.grouping = 'namespace';
    else if (arg === '--no-pr') parsed.openPrs = false;
    else if (arg === '--json') parsed.json = true;
    else throw new UsageError(`unknown option ${arg}`);
  }
  return parsed;
}

function describe(rec: RightsizingRecommended): string {
  const lines = [
    `${rec.workload.cluster} ${rec.workload.namespace}/${rec.workload.kind}/${rec.workload.name}: save ${rec.currency} ${rec.monthlySavings}/month`,
  ];
  for (const c of rec.containers) {
    lines.push(
      `  ${c.container}: cpu ${c.current.cpuRequest ?? 'unset'} → ${c.recommended.cpuRequest ?? 'unset'}, memory ${c.current.memoryRequest ?? 'unset'}/${c.current.memoryLimit ?? 'unset'} → ${c.recommended.memoryRequest ?? 'unset'}/${c.recommended.memoryLimit ?? 'unset'}${c.notes.length ? ` (${c.notes.join(', ')})` : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `finops rightsize`: recommends requests from the stored OpenCost usage and opens (or updates)
 * one PR per workload in the local GitOps repository (created from samples/gitops when absent),
 * printing each recommendation, the diff and the PR body.
 */
export const command: CliCommand = {
  name: 'rightsize',
  summary:
    'recommend container requests from stored usage and open rightsizing PRs in the local GitOps repository',
  usage:
    'finops rightsize [--repo <git folder>] [--cluster NAME] [--to YYYY-MM-DD] [--group-by-namespace] [--no-pr] [--json]',
  async run(args: string[], io: CliIo): Promise<number> {
    const parsed = parseArgs(args);
    const repoDir = path.resolve(io.cwd, parsed.repo ?? path.join('.finops', 'gitops'));
    if (!parsed.repo && (await ensureLocalGitopsRepo(repoDir, samplePath('gitops'), new Date()))) {
      io.stdout.write(`created the local GitOps repository ${repoDir} from samples/gitops\n`);
    }
    const dynamo = await startEmbeddedDynamo({ path: path.join(io.cwd, '.finops', 'dynamo') });
    try {
      const k8sStore = createDynamoK8sStore({
        documentClient: dynamo.documentClient,
        tableName: dynamo.tableName,
      });
      const now = () => new Date();
      const backend = createLocalGitBackend({ repoDir, store: k8sStore, now });
      const { reader } = await backend.readBase();
      const publish: PublishEvents = async () => {};
      const clusters = parsed.cluster ? [parsed.cluster] : await k8sStore.listClusters();
      if (clusters.length === 0) io.stdout.write('no Kubernetes usage stored: run finops ingest-k8s first\n');
      const report: unknown[] = [];
      for (const cluster of clusters) {
        const workloads = await k8sStore.listWorkloads(cluster);
        const toDay =
          parsed.to ??
          workloads
            .map((w) => w.lastDay)
            .sort()
            .at(-1);
        if (!toDay) continue;
        const result = await recommendWorkloads({
          cluster,
          toDay,
          k8sStore,
          readSpec: async (workload) => (await readWorkloadSpec(reader, workload))?.spec,
          publish,
          now,
        });
        for (const item of result.unchanged) {
          if (!parsed.json) {
            io.stdout.write(
              `${cluster} ${item.workload.namespace}/${item.workload.kind}/${item.workload.name}: no change (${item.reasons.join(', ')})\n`,
            );
          }
        }
        for (const recommendation of result.recommended) {
          if (!parsed.json) io.stdout.write(describe(recommendation));
          if (!parsed.openPrs) {
            report.push({ recommendation });
            continue;
          }
          const { result: pr } = await openRightsizingPr({
            recommendation,
            backend,
            grouping: parsed.grouping,
            k8sStore,
            publish,
            now,
          });
          report.push({
            recommendation,
            pullRequest: { action: pr.action, branch: pr.branch, ...pr.pullRequest },
          });
          if (parsed.json) continue;
          io.stdout.write(
            `  PR ${pr.action}: #${pr.pullRequest?.number ?? '-'} ${pr.branch} ${pr.pullRequest?.url ?? ''}\n`,
          );
          if (pr.action === 'opened' || pr.action === 'updated') {
            io.stdout.write(
              `\n${await diffBranch(repoDir, 'main', pr.branch)}\n${pr.pullRequest?.body ?? ''}\n`,
            );
          }
        }
      }
      if (parsed.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    } finally {
      await dynamo.stop();
    }
  },
};
