import {
  type CostExplorerClient,
  GetCostAndUsageCommand,
  type GroupDefinitionType,
} from '@aws-sdk/client-cost-explorer';
import type { IsoDay } from '#shared/cost/cost-point';
import { InvalidInputError } from '#shared/errors';

/** One GetCostAndUsage question: DAILY, one metric, up to two group-bys, days [start, endExclusive). */
export interface CostAndUsageQuery {
  start: IsoDay;
  endExclusive: IsoDay;
  /** `UnblendedCost`, `AmortizedCost`, `NetUnblendedCost`, ... */
  metric: string;
  groupBy: Array<{ type: 'DIMENSION' | 'TAG'; key: string }>;
}

/** One group of one day: its keys (in group-by order), the amount as decimal text and its unit (currency). */
export interface CostAndUsageGroup {
  keys: string[];
  amount: string;
  unit: string;
}

/** One day of a GetCostAndUsage answer, merged over every page. */
export interface CostAndUsageDay {
  day: IsoDay;
  /** Cost Explorer's own flag that the day's figures may still change. */
  estimated: boolean;
  groups: CostAndUsageGroup[];
}

/** The answer to one query and the number of paid requests it took (one per page). */
export interface CostAndUsageAnswer {
  days: CostAndUsageDay[];
  requests: number;
}

/** Asks Cost Explorer one question, following every page. */
export type FetchCostAndUsage = (query: CostAndUsageQuery) => Promise<CostAndUsageAnswer>;

/** Safety stop against a service that keeps returning a NextPageToken. */
const MAX_PAGES = 1000;

/**
 * The GetCostAndUsage adapter: follows NextPageToken (Cost Explorer pages split one day's groups
 * across pages, so pages are merged per day) and counts requests, each billed $0.01.
 */
export function createCostExplorerFetcher(client: CostExplorerClient): FetchCostAndUsage {
  return async (query) => {
    const days = new Map<IsoDay, CostAndUsageDay>();
    let requests = 0;
    let NextPageToken: string | undefined;
    do {
      if (requests >= MAX_PAGES) {
        throw new InvalidInputError(
          `GetCostAndUsage returned more than ${MAX_PAGES} pages; narrow the query`,
        );
      }
      const page = await client.send(
        new GetCostAndUsageCommand({
          TimePeriod: { Start: query.start, End: query.endExclusive },
          Granularity: 'DAILY',
          Metrics: [query.metric],
          GroupBy: query.groupBy.map((g) => ({ Type: g.type as GroupDefinitionType, Key: g.key })),
          NextPageToken,
        }),
      );
      requests++;
      for (const result of page.ResultsByTime ?? []) {
        const day = result.TimePeriod?.Start;
        if (!day) throw new InvalidInputError('GetCostAndUsage result without TimePeriod.Start');
        const merged = days.get(day) ?? { day, estimated: false, groups: [] };
        merged.estimated ||= result.Estimated === true;
        for (const group of result.Groups ?? []) {
          const metric = group.Metrics?.[query.metric];
          if (metric?.Amount === undefined) continue;
          merged.groups.push({ keys: group.Keys ?? [], amount: metric.Amount, unit: metric.Unit ?? 'USD' });
        }
        days.set(day, merged);
      }
      NextPageToken = page.NextPageToken || undefined;
    } while (NextPageToken);
    return {
      days: [...days.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0)),
      requests,
    };
  };
}
