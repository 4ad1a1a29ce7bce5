import path from 'node:path';
import { EVENT_SOURCE, parseDetail } from '#events/contract';
import {
  type EndpointRestoreRequested,
  EndpointRestoreRequestedEvent,
} from '#events/endpoint-restore-requested';
import { type EndpointScaled, EndpointScaledEvent } from '#events/endpoint-scaled';
import { startLocalRuntime } from '../local-runtime';
import { type CliCommand, UsageError } from './command';
import { endpointRef, localScalingEnv } from './endpoints';

/**
 * `finops restore <endpoint> [--platform sagemaker|kubernetes]`: publishes an Endpoint Restore
 * Requested event on the local bus, so the real scale-endpoint handler returns the endpoint to
 * the capacity recorded by its last executed scale-down (audited as `restored`).
 */
export const command: CliCommand = {
  name: 'restore',
  summary: 'return an endpoint to the capacity recorded before its last scale-down',
  usage: 'finops restore <endpoint | namespace/kind/name> [--platform sagemaker|kubernetes]',
  async run(args, io) {
    const positional = args.filter((arg, index) => !arg.startsWith('--') && args[index - 1] !== '--platform');
    const platform = args.includes('--platform') ? args[args.indexOf('--platform') + 1] : undefined;
    const [target] = positional;
    if (!target || positional.length !== 1) throw new UsageError('one endpoint is required');
    const endpoint = endpointRef(target, platform);
    const now = new Date();
    const detail: EndpointRestoreRequested = parseDetail(EndpointRestoreRequestedEvent, {
      schemaVersion: EndpointRestoreRequestedEvent.schemaVersion,
      requestId: `restore:${endpoint.id}:${now.toISOString()}`,
      endpoint,
      requestedBy: `cli:${process.env.USER ?? 'local'}`,
      requestedAt: now.toISOString(),
    });
    const runtime = await startLocalRuntime({
      dataDir: path.join(io.cwd, '.finops'),
      fresh: false,
      output: io.stdout,
      slackWebhookUrl: process.env.SLACK_WEBHOOK_URL || undefined,
      env: localScalingEnv(),
    });
    try {
      runtime.bus.putEvent({
        source: EVENT_SOURCE,
        detailType: EndpointRestoreRequestedEvent.detailType,
        detail,
      });
      await runtime.bus.drain();
      const outcome = runtime.bus.events
        .filter((event) => event['detail-type'] === EndpointScaledEvent.detailType)
        .map((event) => event.detail as EndpointScaled)
        .find((scaled) => scaled.endpoint.id === endpoint.id);
      for (const dead of runtime.bus.deadLetters) {
        const reason = dead.error instanceof Error ? dead.error.message : String(dead.error);
        io.stderr.write(`restore failed: ${reason}\n`);
      }
      if (outcome) {
        io.stdout.write(
          `${outcome.outcome}: ${endpoint.id} ${outcome.previousCapacity} → ${outcome.targetCapacity} via ${outcome.via}` +
            `${outcome.pullRequestUrl ? ` (${outcome.pullRequestUrl})` : ''}\n`,
        );
      }
      return outcome?.outcome === 'restored' ? 0 : 1;
    } finally {
      await runtime.stop();
    }
  },
};
