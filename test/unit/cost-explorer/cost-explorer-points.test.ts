import {
  advanceFinalThrough,
  costExplorerDayPoints,
  isProvisionalDay,
  planCostExplorerWindow,
  tagValue,
} from '#shared/billing/cost-explorer/cost-explorer-points';
import type { CostAndUsageDay } from '#shared/billing/cost-explorer/cost-explorer-query';
import { parseMoney } from '#shared/money';

const NOW = new Date('2024-03-10T06:00:00Z');

describe('Cost Explorer planning and conversion', () => {
  it.each([
    ['first run', undefined, { start: '2024-02-19', endExclusive: '2024-03-10' }],
    ['watermark in the past', '2024-03-07', { start: '2024-03-08', endExclusive: '2024-03-10' }],
    ['watermark at yesterday', '2024-03-09', undefined],
  ])('asks only the days after the watermark up to yesterday on a %s', (_name, finalThrough, expected) => {
    // Prepare / Act
    const window = planCostExplorerWindow({ now: NOW, finalThrough, lookbackDays: 20 });
    // Assess
    expect(window).toEqual(expected);
  });

  it.each([
    ['2024-03-07', false, false],
    ['2024-03-08', false, true],
    ['2024-03-09', false, true],
    ['2024-02-01', true, true],
  ])('marks %s provisional=%s/estimated → %s', (day, estimated, expected) => {
    expect(isProvisionalDay(day, NOW, estimated)).toBe(expected);
  });

  it('stops the watermark at the first provisional day when an estimated day comes before final ones', () => {
    // Prepare
    const window = { start: '2024-03-01', endExclusive: '2024-03-06' };
    // Act
    const through = advanceFinalThrough(window, (day) => day === '2024-03-03', '2024-02-29');
    // Assess
    expect(through).toBe('2024-03-02');
  });

  it.each([
    ['cost-center$ai-vision', 'ai-vision'],
    ['cost-center$', '(untagged)'],
    ['cost-center$a$b', 'a$b'],
  ])('reads tag group key %s as value %s', (key, value) => {
    expect(tagValue(key, 'cost-center')).toBe(value);
  });

  it('builds total, service, account and tag series with contributors when given both answers', () => {
    // Prepare
    const day = '2024-03-01';
    const main: CostAndUsageDay[] = [
      {
        day,
        estimated: false,
        groups: [
          { keys: ['Amazon SageMaker', '111'], amount: '10.0000000001', unit: 'USD' },
          { keys: ['Amazon SageMaker', '222'], amount: '5', unit: 'USD' },
          { keys: ['AWS Glue', '111'], amount: '-0.5', unit: 'USD' },
        ],
      },
    ];
    const tags: CostAndUsageDay[] = [
      {
        day,
        estimated: true,
        groups: [
          { keys: ['cost-center$ai-vision', 'Amazon SageMaker'], amount: '15.0000000001', unit: 'USD' },
          { keys: ['cost-center$', 'AWS Glue'], amount: '-0.5', unit: 'USD' },
        ],
      },
    ];
    // Act
    const result = costExplorerDayPoints(
      { byServiceAndAccount: main, byTag: [{ tagKey: 'cost-center', days: tags }] },
      day,
      {
        now: NOW,
      },
    );
    // Assess
    const byKey = Object.fromEntries(result.points.map((p) => [p.seriesKey, p]));
    expect(result.provisional).toBe(true);
    expect(result.groupCount).toBe(3);
    expect(Object.keys(byKey).sort()).toEqual([
      'account=111',
      'account=222',
      'service=AWS Glue',
      'service=Amazon SageMaker',
      'tag:cost-center=(untagged)',
      'tag:cost-center=ai-vision',
      'total',
    ]);
    expect(byKey.total?.amount).toBe(parseMoney('14.5000000001'));
    expect(byKey.total?.rowCount).toBe(3);
    expect(byKey.total?.provisional).toBe(true);
    expect(byKey['account=111']?.amount).toBe(parseMoney('9.5000000001'));
    expect(byKey['service=Amazon SageMaker']?.contributors).toEqual([
      { dimension: 'account', value: '111', amount: parseMoney('10.0000000001') },
      { dimension: 'account', value: '222', amount: parseMoney('5') },
    ]);
    expect(byKey['tag:cost-center=(untagged)']?.amount).toBe(parseMoney('-0.5'));
    expect(byKey.total?.contributors?.filter((c) => c.dimension === 'service')).toEqual([
      { dimension: 'service', value: 'Amazon SageMaker', amount: parseMoney('15.0000000001') },
      { dimension: 'service', value: 'AWS Glue', amount: parseMoney('-0.5') },
    ]);
  });
});
