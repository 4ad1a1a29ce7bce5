import { emptyCostRecord, parseCostUnits } from '#shared/billing/billing-record';
import { CostAggregator } from '#shared/billing/cost-aggregator';

function record(cost: number | bigint, service: string, resource: string) {
  const r = emptyCostRecord(1);
  r.day = '2026-07-01';
  r.currency = 'USD';
  r.cost = cost;
  r.service = service;
  r.account = '111';
  r.chargeCategory = 'Usage';
  r.resource = resource;
  r.tagValues[0] = 'team-a';
  return r;
}

describe('CostAggregator', () => {
  it('keeps series sums exact when they pass 2^53 units', () => {
    // Prepare
    const aggregator = new CostAggregator({ tagKeys: ['team'] });
    const near = Number.MAX_SAFE_INTEGER - 5;
    // Act
    aggregator.add(record(near, 'S3', 'r1'));
    aggregator.add(record(near, 'S3', 'r1'));
    aggregator.add(record(3n * 10n ** 30n, 'S3', 'r2'));
    aggregator.add(record(-7, 'EC2', 'r3'));
    const points = aggregator.points();
    // Assess
    const byKey = new Map(points.map((p) => [p.seriesKey, p]));
    const expected = 2n * BigInt(near) + 3n * 10n ** 30n;
    expect(byKey.get('service=S3')?.amount).toBe(expected);
    expect(byKey.get('total')?.amount).toBe(expected - 7n);
    expect(byKey.get('tag:team=team-a')?.rowCount).toBe(4);
    expect(byKey.get('service=S3')?.contributors).toContainEqual({
      dimension: 'resource',
      value: 'r1',
      amount: 2n * BigInt(near),
    });
  });

  it('merges a serialized partial into the same sums when aggregated in two halves', () => {
    // Prepare
    const whole = new CostAggregator({ tagKeys: ['team'] });
    const left = new CostAggregator({ tagKeys: ['team'] });
    const right = new CostAggregator({ tagKeys: ['team'] });
    const rows = [record(10, 'S3', 'r1'), record(25, 'EC2', 'r2'), record(-3, 'S3', 'r1')];
    // Act
    rows.forEach((r, i) => {
      whole.add(r);
      (i % 2 === 0 ? left : right).add(r);
    });
    left.merge(JSON.parse(JSON.stringify(right.serialize())));
    // Assess
    expect(left.points()).toEqual(whole.points());
  });

  it('gives the same series sums with no contributors when contributorLimit is 0', () => {
    // Prepare
    const full = new CostAggregator({ tagKeys: ['team'] });
    const seriesOnly = new CostAggregator({ tagKeys: ['team'], contributorLimit: 0 });
    const merged = new CostAggregator({ tagKeys: ['team'], contributorLimit: 0 });
    const rows = [record(10, 'S3', 'r1'), record(25, 'EC2', 'r2'), record(-3, 'S3', 'r1')];
    // Act
    for (const r of rows) {
      full.add(r);
      seriesOnly.add(r);
    }
    merged.merge(JSON.parse(JSON.stringify(full.serialize())));
    // Assess
    const withoutContributors = full.points().map((p) => ({ ...p, contributors: [] }));
    expect(full.points().some((p) => (p.contributors ?? []).length > 0)).toBe(true);
    expect(seriesOnly.points()).toEqual(withoutContributors);
    expect(merged.points()).toEqual(withoutContributors);
  });
});

describe('parseCostUnits', () => {
  it.each([
    ['0.9051792677', 9051792677],
    ['-12.5', -125000000000],
    ['99999.9999999999', 999999999999999],
    ['5.', 50000000000],
    ['-0', 0],
  ])('reads %s as exact 10^-10 units when it is a plain decimal', (text, units) => {
    // Act / Assess
    expect(parseCostUnits(text)).toBe(units);
  });

  it('falls back to exact bigint parsing when the digits do not fit a double', () => {
    // Act / Assess
    expect(parseCostUnits('123456789012345678.5')).toBe(1234567890123456785000000000n);
    expect(parseCostUnits('1e3')).toBe(10000000000000);
    expect(parseCostUnits('1.2.3')).toBeUndefined();
  });
});
