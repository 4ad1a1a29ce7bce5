import path from 'node:path';
import { type CliCommand, UsageError } from '#infra/local/commands/command';
import { startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { formatCurrency, formatMoney, sumMoney } from '#shared/money';
import { createDynamoCostStore } from '#shared/store/dynamo-cost-store';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const OPTIONS = new Set(['--series', '--currency', '--from', '--to']);

/**
 * `finops costs --series <key> [--currency USD] [--from D] [--to D] [--json]`: prints a stored
 * daily series of the local store (days inclusive), or the list of series when `--series` is
 * absent.
 */
export const command: CliCommand = {
  name: 'costs',
  summary: 'print a stored daily cost series (or list the series) from the local store',
  usage: 'finops costs [--series <key>] [--currency USD] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json]',
  async run(args, io) {
    const options = new Map<string, string>();
    let json = false;
    for (let at = 0; at < args.length; at += 1) {
      const arg = args[at] as string;
      if (arg === '--json') {
        json = true;
        continue;
      }
      const value = args[at + 1];
      if (!OPTIONS.has(arg) || value === undefined)
        throw new UsageError(`unknown or incomplete option ${arg}`);
      if ((arg === '--from' || arg === '--to') && !DAY.test(value)) {
        throw new UsageError(`${arg} must be a day YYYY-MM-DD, got ${value}`);
      }
      options.set(arg, value);
      at += 1;
    }
    const dynamo = await startEmbeddedDynamo({ path: path.join(io.cwd, '.finops', 'dynamo') });
    try {
      const store = createDynamoCostStore({
        documentClient: dynamo.documentClient,
        tableName: dynamo.tableName,
      });
      const seriesKey = options.get('--series');
      if (seriesKey === undefined) {
        const series = await store.listSeries();
        if (json) io.stdout.write(`${JSON.stringify(series, null, 2)}\n`);
        else for (const ref of series) io.stdout.write(`${ref.currency}  ${ref.seriesKey}\n`);
        return 0;
      }
      const ref = { seriesKey, currency: options.get('--currency') ?? 'USD' };
      const points = await store.readSeries(ref, {
        from: options.get('--from') ?? '0000-01-01',
        to: options.get('--to') ?? '9999-12-31',
      });
      if (json) {
        const rows = points.map((point) => ({
          day: point.day,
          amount: formatMoney(point.amount),
          rowCount: point.rowCount,
          provisional: point.provisional ?? false,
        }));
        io.stdout.write(`${JSON.stringify({ ...ref, points: rows }, null, 2)}\n`);
        return 0;
      }
      if (points.length === 0) {
        io.stderr.write(`no data for ${ref.currency} ${seriesKey} (list the series with: finops costs)\n`);
        return 1;
      }
      for (const point of points) {
        io.stdout.write(
          `${point.day}  ${formatCurrency(point.amount, ref.currency).padStart(18)}  ${String(point.rowCount).padStart(6)} rows${point.provisional ? '  provisional' : ''}\n`,
        );
      }
      const total = sumMoney(points.map((point) => point.amount));
      io.stdout.write(`total ${formatCurrency(total, ref.currency)} over ${points.length} days\n`);
      return 0;
    } finally {
      await dynamo.stop();
    }
  },
};
