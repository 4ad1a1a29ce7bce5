import path from 'node:path';
import { createDetectionDependencies } from '#functions/detect-anomalies/dependencies';
import { type CliCommand, UsageError } from '#infra/local/commands/command';
import { runDetection } from '#shared/detect/run-detection';
import { formatCurrency, parseMoney } from '#shared/money';
import { startLocalRuntime } from '../local-runtime';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/**
 * `finops detect [--from D] [--to D]`: runs anomaly detection over the local store, as the
 * detect-anomalies function does after an ingestion; new anomalies go through the local bus to
 * notify-slack (the terminal, or SLACK_WEBHOOK_URL). Days are inclusive; default the last 7.
 */
export const command: CliCommand = {
  name: 'detect',
  summary: 'run anomaly detection over the local store and alert through the local bus',
  usage: 'finops detect [--from YYYY-MM-DD] [--to YYYY-MM-DD]',
  async run(args, io) {
    const options = new Map<string, string>();
    for (let at = 0; at < args.length; at += 2) {
      const [name, value] = [args[at] as string, args[at + 1]];
      if ((name !== '--from' && name !== '--to') || value === undefined || !DAY.test(value)) {
        throw new UsageError(`expected --from/--to with a day YYYY-MM-DD, got ${[name, value].join(' ')}`);
      }
      options.set(name, value);
    }
    const now = new Date();
    const to = options.get('--to') ?? now.toISOString().slice(0, 10);
    const from = options.get('--from') ?? new Date(Date.parse(to) - 6 * DAY_MS).toISOString().slice(0, 10);
    if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`);

    const runtime = await startLocalRuntime({
      dataDir: path.join(io.cwd, '.finops'),
      fresh: false,
      output: io.stdout,
      slackWebhookUrl: process.env.SLACK_WEBHOOK_URL || undefined,
    });
    try {
      const summary = await runDetection({
        ...createDetectionDependencies(process.env),
        now,
        range: { from, to },
      });
      await runtime.bus.drain();
      io.stdout.write(
        `evaluated ${summary.seriesEvaluated} series (${summary.daysEvaluated} series-days) for ${from} … ${to}: ` +
          `${summary.published.length} anomalies announced, ${summary.suppressed.length} explained by a narrower series\n`,
      );
      for (const anomaly of summary.published) {
        io.stdout.write(
          `  ${anomaly.startDay}  ${anomaly.series.key}  ${anomaly.severity}  impact ` +
            `${formatCurrency(parseMoney(anomaly.impact), anomaly.series.currency)}/day\n`,
        );
      }
      return runtime.bus.deadLetters.length === 0 ? 0 : 1;
    } finally {
      await runtime.stop();
    }
  },
};
