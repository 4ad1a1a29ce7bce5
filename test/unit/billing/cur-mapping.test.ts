import { aggregateBillingSources } from '#shared/billing/ingest-billing';
import { formatMoney } from '#shared/money';
import { bytesSource, fileSource, legacyCur } from './support/billing-test-kit';

const CUR2_HEADER = [
  'bill_billing_period_start_date',
  'bill_billing_period_end_date',
  'line_item_usage_account_id',
  'line_item_line_item_type',
  'line_item_usage_start_date',
  'line_item_product_code',
  'line_item_usage_type',
  'line_item_resource_id',
  'line_item_currency_code',
  'line_item_unblended_cost',
  'product_product_name',
  'product_region_code',
  'resource_tags',
].join(',');

function cur2Row(type: string, cost: string, tags = ''): string {
  return `2026-08-01T00:00:00Z,2026-09-01T00:00:00Z,012345678901,${type},2026-08-05T10:00:00Z,AmazonSageMaker,USW2-ml.g5.xlarge,arn:endpoint/captioner,USD,${cost},Amazon SageMaker,us-west-2,${tags}`;
}

describe('CUR mapping', () => {
  it('maps line item types to FOCUS charge categories and keeps Refund as a Correction when reading CUR 2.0', async () => {
    // Prepare
    const csv = [
      CUR2_HEADER,
      cur2Row('Usage', '10.5', '"{""user_cost_center"": ""ai-vision"", ""user_team"": ""vision""}"'),
      cur2Row('SavingsPlanCoveredUsage', '1'),
      cur2Row('RIFee', '3'),
      cur2Row('Tax', '0.7'),
      cur2Row('Credit', '-2'),
      cur2Row('Refund', '-0.5'),
      cur2Row('SomethingNew', '0.1'),
    ].join('\n');
    // Act
    const aggregate = await aggregateBillingSources([bytesSource('mem://cur2.csv', csv)], {});
    // Assess
    const amounts = Object.fromEntries(
      aggregate.aggregator.points().map((p) => [p.seriesKey, formatMoney(p.amount)]),
    );
    expect(aggregate.sources[0]!.format).toBe('cur2');
    expect(amounts).toMatchObject({
      total: '12.8',
      'charge-category=Usage': '11.5',
      'charge-category=Purchase': '3',
      'charge-category=Tax': '0.7',
      'charge-category=Credit': '-2.5',
      'charge-category=Adjustment': '0.1',
      'charge-class=Correction': '-0.5',
      'service=Amazon SageMaker': '12.8',
      'account=012345678901': '12.8',
      'region=us-west-2': '12.8',
      'tag:cost-center=ai-vision': '10.5',
      'tag:team=vision': '10.5',
    });
    const total = aggregate.aggregator.points().find((p) => p.seriesKey === 'total')!;
    expect(total.contributors).toContainEqual({
      dimension: 'resource',
      value: 'arn:endpoint/captioner',
      amount: 128_000_000_000n,
    });
  });

  it('splits the legacy CUR sample into Usage and Tax with product names as services', async () => {
    // Act
    const aggregate = await aggregateBillingSources([fileSource(legacyCur)], {});
    // Assess
    const points = aggregate.aggregator.points();
    const rows = (key: string) =>
      points.filter((p) => p.seriesKey === key).reduce((n, p) => n + p.rowCount, 0);
    expect(aggregate.sources[0]!.format).toBe('cur-legacy');
    expect(rows('charge-category=Usage')).toBe(1269);
    expect(rows('charge-category=Tax')).toBe(12);
    expect(rows('account=123412340534')).toBe(1281);
    expect(points.some((p) => p.seriesKey === 'service=Amazon Simple Storage Service')).toBe(true);
  });
});
