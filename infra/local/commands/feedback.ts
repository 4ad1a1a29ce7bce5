import path from 'node:path';
import { type CliCommand, UsageError } from '#infra/local/commands/command';
import { startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { parseAnomalyId } from '#shared/detect/episodes';
import type { FeedbackKind } from '#shared/detect/feedback-policy';
import { InvalidInputError } from '#shared/errors';
import { createDynamoAnomalyStore } from '#shared/store/dynamo-anomaly-store';

const KINDS: readonly FeedbackKind[] = ['expected', 'false-positive', 'planned'];

/**
 * `finops feedback <anomaly-id> expected|false-positive|planned [--until YYYY-MM-DD] [--note text]`:
 * records feedback on an anomaly in the local store; later detection runs use it to suppress
 * alerts on the same series (planned windows, similar patterns).
 */
export const command: CliCommand = {
  name: 'feedback',
  summary: 'record expected / false-positive / planned feedback on an anomaly',
  usage:
    'finops feedback <anomaly-id> expected|false-positive|planned [--until YYYY-MM-DD] [--note <text>] [--by <name>]',
  async run(args, io) {
    const positional: string[] = [];
    const flags: Record<string, string> = {};
    for (let i = 0; i < args.length; i += 1) {
      const arg = args[i] as string;
      if (arg.startsWith('--')) {
        const value = args[i + 1];
        if (value === undefined) throw new UsageError(`${arg} needs a value`);
        flags[arg.slice(2)] = value;
        i += 1;
      } else positional.push(arg);
    }
    const [anomalyId, kind] = positional;
    if (anomalyId === undefined || kind === undefined || positional.length !== 2) {
      throw new UsageError('an anomaly id and a verdict are required');
    }
    if (!KINDS.includes(kind as FeedbackKind))
      throw new UsageError(`verdict must be one of ${KINDS.join(', ')}, got ${kind}`);
    if (flags.until !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(flags.until)) {
      throw new UsageError(`--until must be a day YYYY-MM-DD, got ${flags.until}`);
    }
    if (kind === 'planned' && flags.until === undefined)
      throw new UsageError('planned needs --until YYYY-MM-DD');
    const { ref } = parseAnomalyId(anomalyId);
    const dynamo = await startEmbeddedDynamo({ path: path.join(io.cwd, '.finops', 'dynamo') });
    try {
      const store = createDynamoAnomalyStore({
        documentClient: dynamo.documentClient,
        tableName: dynamo.tableName,
      });
      const anomaly = await store.getAnomaly(anomalyId);
      if (!anomaly)
        throw new InvalidInputError(`no anomaly ${anomalyId} in the local store (see finops anomalies)`);
      await store.putFeedback({
        anomalyId,
        seriesKey: ref.seriesKey,
        currency: ref.currency,
        kind: kind as FeedbackKind,
        ...(flags.until !== undefined ? { until: flags.until } : {}),
        anomalyStartDay: anomaly.episode.startDay,
        anomalyPeakImpact: anomaly.episode.peakImpact,
        ...(flags.note !== undefined ? { note: flags.note } : {}),
        ...(flags.by !== undefined ? { recordedBy: flags.by } : {}),
        recordedAt: new Date().toISOString(),
      });
      io.stdout.write(`recorded ${kind}${flags.until ? ` until ${flags.until}` : ''} for ${anomalyId}\n`);
      return 0;
    } finally {
      await dynamo.stop();
    }
  },
};
