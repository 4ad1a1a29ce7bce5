import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CostExplorerClient,
  GetCostAndUsageCommand,
  type GetCostAndUsageCommandInput,
  type ResultByTime,
} from '@aws-sdk/client-cost-explorer';
import { mockClient } from 'aws-sdk-client-mock';

/** The repository root's sibling `shared/data` folder (real recorded data, read-only). */
export const DATA_DIR = path.resolve(__dirname, '../../../..', '..', 'shared/data');
export const RECORDED_FILE = path.join(
  DATA_DIR,
  'cost-explorer/cloudtoolbox_daily_unblended_by_service_2024-02-01_2024-04-27.json',
);

/** The recorded daily SERVICE-grouped answer (86 days, real account, April `Estimated`). */
export function recordedResults(): ResultByTime[] {
  return (JSON.parse(readFileSync(RECORDED_FILE, 'utf8')) as { ResultsByTime: ResultByTime[] }).ResultsByTime;
}

/** Deterministic linked account of a recorded service (two accounts), for the SERVICE × LINKED_ACCOUNT shape. */
export const accountOf = (service: string) => (service.length % 2 === 0 ? '111111111111' : '222222222222');
/** Deterministic cost-center tag of a recorded service; '' is untagged (`cost-center$`). */
export const costCenterOf = (service: string) => (service.startsWith('Amazon') ? 'ai-vision' : '');

/**
 * A Cost Explorer client answering GetCostAndUsage from the recorded response, reshaped to the
 * requested GroupBy, split into pages of `groupsPerPage` groups (a day's groups may straddle
 * pages, as the real API does) chained by NextPageToken. `amountOverride` restates a day.
 */
export function recordedCostExplorer(options: {
  groupsPerPage: number;
  amountOverride?: (day: string, service: string, amount: string) => string;
  /** Mock every CostExplorerClient (for handlers that build their own) instead of one instance. */
  allInstances?: boolean;
}) {
  const client = new CostExplorerClient({ region: 'us-east-1' });
  const mock = options.allInstances ? mockClient(CostExplorerClient) : mockClient(client);
  const results = recordedResults();
  mock.on(GetCostAndUsageCommand).callsFake((input: GetCostAndUsageCommandInput) => {
    const start = input.TimePeriod?.Start ?? '';
    const end = input.TimePeriod?.End ?? '';
    const groupBy = (input.GroupBy ?? []).map((g) => `${g.Type}:${g.Key}`).join(',');
    const metric = input.Metrics?.[0] ?? '';
    const entries: Array<{ day: string; estimated: boolean; keys: string[]; amount: string }> = [];
    const emptyDays: string[] = [];
    for (const result of results) {
      const day = result.TimePeriod?.Start ?? '';
      if (day < start || day >= end) continue;
      if ((result.Groups ?? []).length === 0) emptyDays.push(day);
      for (const group of result.Groups ?? []) {
        const service = group.Keys?.[0] ?? '';
        const recorded = group.Metrics?.UnblendedCost?.Amount ?? '0';
        const amount = options.amountOverride?.(day, service, recorded) ?? recorded;
        const keys =
          groupBy === 'DIMENSION:SERVICE,DIMENSION:LINKED_ACCOUNT'
            ? [service, accountOf(service)]
            : groupBy === 'TAG:cost-center,DIMENSION:SERVICE'
              ? [`cost-center$${costCenterOf(service)}`, service]
              : [service];
        entries.push({ day, estimated: result.Estimated === true, keys, amount });
      }
    }
    const page = Number(input.NextPageToken ?? '0');
    const slice = entries.slice(page * options.groupsPerPage, (page + 1) * options.groupsPerPage);
    const byDay = new Map<string, ResultByTime>();
    for (const entry of slice) {
      const result = byDay.get(entry.day) ?? {
        TimePeriod: { Start: entry.day, End: nextDay(entry.day) },
        Total: {},
        Groups: [],
        Estimated: entry.estimated,
      };
      result.Groups!.push({ Keys: entry.keys, Metrics: { [metric]: { Amount: entry.amount, Unit: 'USD' } } });
      byDay.set(entry.day, result);
    }
    const more = (page + 1) * options.groupsPerPage < entries.length;
    return {
      GroupDefinitions: input.GroupBy,
      ResultsByTime: [...byDay.values()],
      ...(more ? { NextPageToken: String(page + 1) } : {}),
      DimensionValueAttributes: [],
    };
  });
  return { client, mock };
}

/** Pages the fake serves for a window: what the request count must equal. */
export function expectedPages(start: string, endExclusive: string, groupsPerPage: number): number {
  const groups = recordedResults()
    .filter((r) => (r.TimePeriod?.Start ?? '') >= start && (r.TimePeriod?.Start ?? '') < endExclusive)
    .reduce((sum, r) => sum + (r.Groups ?? []).length, 0);
  return Math.max(1, Math.ceil(groups / groupsPerPage));
}

function nextDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

/**
 * Exact decimal sum written independently of shared/money (digit strings, 10 decimals), so
 * the assertions do not trust the code under test.
 */
export function exactSum(amounts: string[]): string {
  let total = 0n;
  for (const text of amounts) {
    const negative = text.startsWith('-');
    const [whole = '0', fraction = ''] = text.replace('-', '').split('.');
    const units = BigInt(whole) * 10n ** 10n + BigInt(fraction.padEnd(10, '0').slice(0, 10) || '0');
    total += negative ? -units : units;
  }
  const negative = total < 0n;
  const magnitude = negative ? -total : total;
  const fraction = (magnitude % 10n ** 10n).toString().padStart(10, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${magnitude / 10n ** 10n}${fraction ? `.${fraction}` : ''}`;
}
