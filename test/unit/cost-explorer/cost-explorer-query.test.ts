import { GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { createCostExplorerFetcher } from '#shared/billing/cost-explorer/cost-explorer-query';
import {
  exactSum,
  expectedPages,
  recordedCostExplorer,
  recordedResults,
} from './support/recorded-cost-explorer';

const QUERY = {
  start: '2024-02-01',
  endExclusive: '2024-02-15',
  metric: 'UnblendedCost',
  groupBy: [
    { type: 'DIMENSION' as const, key: 'SERVICE' },
    { type: 'DIMENSION' as const, key: 'LINKED_ACCOUNT' },
  ],
};

describe('Cost Explorer fetcher', () => {
  it('follows NextPageToken and counts one request per page when the answer spans pages', async () => {
    // Prepare
    const { client, mock } = recordedCostExplorer({ groupsPerPage: 7 });
    // Act
    const answer = await createCostExplorerFetcher(client)(QUERY);
    // Assess
    const pages = expectedPages(QUERY.start, QUERY.endExclusive, 7);
    expect(pages).toBeGreaterThan(3);
    expect(answer.requests).toBe(pages);
    expect(mock.commandCalls(GetCostAndUsageCommand)).toHaveLength(pages);
    const tokens = mock.commandCalls(GetCostAndUsageCommand).map((c) => c.args[0].input.NextPageToken);
    expect(tokens).toEqual([undefined, ...Array.from({ length: pages - 1 }, (_, i) => String(i + 1))]);
  });

  it('merges a day split across pages into one day with every group when pages straddle days', async () => {
    // Prepare
    const { client } = recordedCostExplorer({ groupsPerPage: 3 });
    // Act
    const answer = await createCostExplorerFetcher(client)(QUERY);
    // Assess
    const recorded = recordedResults().filter((r) => (r.TimePeriod?.Start ?? '') < QUERY.endExclusive);
    expect(answer.days.map((d) => d.day)).toEqual(recorded.map((r) => r.TimePeriod?.Start));
    for (const [index, day] of answer.days.entries()) {
      const groups = recorded[index]?.Groups ?? [];
      expect(day.groups).toHaveLength(groups.length);
      expect(exactSum(day.groups.map((g) => g.amount))).toBe(
        exactSum(groups.map((g) => g.Metrics?.UnblendedCost?.Amount ?? '0')),
      );
    }
  });

  it('asks DAILY for the metric and group-bys given when querying', async () => {
    // Prepare
    const { client, mock } = recordedCostExplorer({ groupsPerPage: 1000 });
    // Act
    await createCostExplorerFetcher(client)(QUERY);
    // Assess
    expect(mock.commandCalls(GetCostAndUsageCommand)[0]?.args[0].input).toEqual({
      TimePeriod: { Start: '2024-02-01', End: '2024-02-15' },
      Granularity: 'DAILY',
      Metrics: ['UnblendedCost'],
      GroupBy: [
        { Type: 'DIMENSION', Key: 'SERVICE' },
        { Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' },
      ],
    });
  });
});
