import path from 'node:path';
import { type CliCommand, UsageError } from '#infra/local/commands/command';
import { startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { formatCurrency } from '#shared/money';
import { createDynamoAnomalyStore } from '#shared/store/dynamo-anomaly-store';

/** `finops anomalies [--from D] [--to D] [--all]`: lists stored anomaly episodes with their feedback. */
export const command: CliCommand = {
  name: 'anomalies',
  summary: 'list cost anomaly episodes in the local store, with feedback',
  usage: 'finops anomalies [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--all]',
  async run(args, io) {
    const flags: Record<string, string> = {};
    let all = false;
    for (let i = 0; i < args.length; i += 1) {
      const arg = args[i] as string;
      if (arg === '--all') all = true;
      else if (arg === '--from' || arg === '--to') {
        const value = args[i + 1];
        if (value === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(value))
          throw new UsageError(`${arg} needs a day YYYY-MM-DD`);
        flags[arg.slice(2)] = value;
        i += 1;
      } else throw new UsageError(`unknown argument ${arg}`);
    }
    const dynamo = await startEmbeddedDynamo({ path: path.join(io.cwd, '.finops', 'dynamo') });
    try {
      const store = createDynamoAnomalyStore({
        documentClient: dynamo.documentClient,
        tableName: dynamo.tableName,
      });
      const anomalies = await store.listAnomalies({
        ...(flags.from ? { from: flags.from } : {}),
        ...(flags.to ? { to: flags.to } : {}),
      });
      const shown = all ? anomalies : anomalies.filter((anomaly) => anomaly.suppression === undefined);
      if (shown.length === 0) io.stdout.write('no anomalies\n');
      for (const anomaly of shown) {
        const { episode } = anomaly;
        const feedback = await store.listAnomalyFeedback(episode.anomalyId);
        const top = anomaly.contributors[0];
        io.stdout.write(
          `${episode.anomalyId}  ${episode.status} ${episode.severity}  ${episode.startDay}..${episode.lastDay}  ` +
            `impact ${formatCurrency(episode.cumulativeImpact, episode.currency)}` +
            (top ? `  top ${top.dimension}=${top.value} (${Math.round(top.share * 100)}%)` : '') +
            (anomaly.suppression
              ? `  [suppressed: ${anomaly.suppression.reason} ${anomaly.suppression.by}]`
              : '') +
            feedback.map((f) => `  [feedback: ${f.kind}${f.until ? ` until ${f.until}` : ''}]`).join('') +
            '\n',
        );
      }
      return 0;
    } finally {
      await dynamo.stop();
    }
  },
};
