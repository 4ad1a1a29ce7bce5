import path from 'node:path';
import { type EndpointScaled, EndpointScaledEvent } from '#events/endpoint-scaled';
import { type InferenceEndpointIdle, InferenceEndpointIdleEvent } from '#events/inference-endpoint-idle';
import { createScaleDependencies } from '#functions/scale-endpoint/dependencies';
import { EnvName } from '#shared/config/env-names';
import { formatCurrency, parseMoney } from '#shared/money';
import type { ActionRecord } from '#shared/scale/action-record';
import { approveAction, rejectAction } from '#shared/scale/scale-endpoint';
import { createDynamoActionStore } from '#shared/store/dynamo-action-store';
import { scheduledEvent } from '../lambda-events';
import { type LocalRuntime, startLocalRuntime } from '../local-runtime';
import { REPO_ROOT } from '../paths';
import { type CliCommand, type CliIo, UsageError } from './command';

/**
 * Environment the scaling functions need locally: the bundled policy (dry-run) and the recorded
 * SageMaker sample, unless already set. Pass it as `env` to startLocalRuntime.
 */
export function localScalingEnv(
  repoRoot = REPO_ROOT,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  return {
    [EnvName.scalingPolicy]:
      env[EnvName.scalingPolicy] || path.join(repoRoot, 'samples/policy/scaling-policy.yaml'),
    [EnvName.sagemakerRecording]:
      env[EnvName.sagemakerRecording] || path.join(repoRoot, 'samples/endpoints/sagemaker-recording.json'),
  };
}

/**
 * The idle-endpoint step of the local demo: runs detect-idle-endpoints as its schedule would,
 * lets the bus deliver Inference Endpoint Idle to scale-endpoint (and Endpoint Scaled to
 * notify-slack), then prints what was detected and what the policy decided.
 */
export async function runIdleEndpointsStep(
  runtime: LocalRuntime,
  io: CliIo,
  now = new Date(),
): Promise<void> {
  const out = (line = '') => io.stdout.write(`${line}\n`);
  out('\n▶ schedule → detect-idle-endpoints');
  await runtime.invoke('detect-idle-endpoints', scheduledEvent('detect-idle-endpoints', now));
  await runtime.bus.drain();
  writeIdleSummary(runtime, io);
}

/** Prints the idle endpoints and the scaling decisions seen on the bus. */
export function writeIdleSummary(runtime: LocalRuntime, io: CliIo): void {
  const out = (line = '') => io.stdout.write(`${line}\n`);
  const details = <T>(type: string) =>
    runtime.bus.events.filter((event) => event['detail-type'] === type).map((event) => event.detail as T);
  const idle = details<InferenceEndpointIdle>(InferenceEndpointIdleEvent.detailType);
  out(`idle endpoints: ${idle.length}`);
  for (const endpoint of idle) {
    out(
      `  ${endpoint.endpoint.platform} ${endpoint.endpoint.id} (${endpoint.endpoint.environment ?? 'default'}): ` +
        `${endpoint.evidence.summary}; wasting ${formatCurrency(parseMoney(endpoint.wastedPerDay), endpoint.currency)}/day`,
    );
  }
  for (const decision of details<EndpointScaled>(EndpointScaledEvent.detailType)) {
    out(`  decision ${decision.outcome}${decision.rule ? ` (${decision.rule})` : ''}: ${decision.reason}`);
  }
}

function describe(record: ActionRecord): string {
  const cost =
    record.evidence.wastedPerDay && record.evidence.currency
      ? ` · idle ${formatCurrency(parseMoney(record.evidence.wastedPerDay), record.evidence.currency)}/day`
      : '';
  return (
    `${record.updatedAt}  ${record.outcome.padEnd(17)} ${record.endpoint.platform}/${record.endpoint.id} ` +
    `${record.previousCapacity} → ${record.targetCapacity} via ${record.via}${record.rule ? ` [${record.rule}]` : ''}${cost}\n` +
    `    ${record.actionId}\n    ${record.reason}`
  );
}

/** Parses `<name>` (SageMaker) or `<namespace>/<kind>/<name>` (Kubernetes). */
export function endpointRef(
  text: string,
  platform?: string,
): { platform: 'sagemaker' | 'kubernetes'; id: string } {
  const resolved = platform ?? (text.split('/').length === 3 ? 'kubernetes' : 'sagemaker');
  if (resolved !== 'sagemaker' && resolved !== 'kubernetes') {
    throw new UsageError(`--platform must be sagemaker or kubernetes, got ${resolved}`);
  }
  if (resolved === 'kubernetes' && text.split('/').length !== 3) {
    throw new UsageError(`a Kubernetes endpoint is <namespace>/<kind>/<name>, got ${text}`);
  }
  return { platform: resolved, id: text };
}

/**
 * `finops endpoints [detect | pending | history <endpoint> | approve <action-id> | reject <action-id>]`:
 * the scaling audit and approvals of the local store (approve/reject stand in for the Slack buttons).
 */
export const command: CliCommand = {
  name: 'endpoints',
  summary: 'idle inference endpoints: detect, pending approvals, history, approve / reject',
  usage:
    'finops endpoints detect | pending | history <endpoint> [--platform sagemaker|kubernetes] | approve <action-id> | reject <action-id>',
  async run(args, io) {
    const [verb = 'pending', target] = args;
    const platform = args.includes('--platform') ? args[args.indexOf('--platform') + 1] : undefined;
    const runtime = await startLocalRuntime({
      dataDir: path.join(io.cwd, '.finops'),
      fresh: false,
      output: io.stdout,
      slackWebhookUrl: process.env.SLACK_WEBHOOK_URL || undefined,
      env: localScalingEnv(),
    });
    try {
      const store = createDynamoActionStore({
        documentClient: runtime.dynamo.documentClient,
        tableName: runtime.dynamo.tableName,
      });
      switch (verb) {
        case 'detect':
          await runIdleEndpointsStep(runtime, io);
          return runtime.bus.deadLetters.length === 0 ? 0 : 1;
        case 'pending': {
          const pending = await store.listPendingApprovals();
          io.stdout.write(`pending approvals: ${pending.length}\n`);
          for (const record of pending) io.stdout.write(`${describe(record)}\n`);
          return 0;
        }
        case 'history': {
          if (!target) throw new UsageError('history needs an endpoint');
          const records = await store.listEndpointActions(endpointRef(target, platform));
          if (records.length === 0) io.stdout.write(`no actions recorded for ${target}\n`);
          for (const record of records) io.stdout.write(`${describe(record)}\n`);
          return 0;
        }
        case 'approve':
        case 'reject': {
          if (!target) throw new UsageError(`${verb} needs an action id (see finops endpoints pending)`);
          const deps = createScaleDependencies(process.env);
          const actor = `cli:${process.env.USER ?? 'local'}`;
          const record =
            verb === 'approve'
              ? await approveAction(target, actor, deps)
              : await rejectAction(target, actor, deps);
          await runtime.bus.drain();
          io.stdout.write(`${describe(record)}\n`);
          return 0;
        }
        default:
          throw new UsageError(`unknown sub-command ${verb}`);
      }
    } finally {
      await runtime.stop();
    }
  },
};
