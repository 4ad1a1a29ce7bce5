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

describe('CostAggregator contributors', () => {
  /** A seeded generator (mulberry32) so a failure reproduces. */
  function random(seed: number) {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /** The top `limit` children per contributor dimension of the rows, by exact |amount| then name. */
  function reference(rows: ReturnType<typeof emptyCostRecord>[], own: string | undefined, limit: number) {
    const dims: Array<[string, (r: ReturnType<typeof emptyCostRecord>) => string]> = [
      ['service', (r) => r.service],
      ['resource', (r) => r.resource],
      ['usage-type', (r) => r.usageType],
      ['account', (r) => r.account],
      ['region', (r) => r.region],
    ];
    const out: Array<{ dimension: string; value: string; amount: bigint }> = [];
    for (const [dimension, of] of dims) {
      if (dimension === own) continue;
      const sums = new Map<string, bigint>();
      for (const r of rows) {
        const child = of(r);
        if (child !== '') sums.set(child, (sums.get(child) ?? 0n) + BigInt(r.cost));
      }
      const abs = (x: bigint) => (x < 0n ? -x : x);
      const sorted = [...sums].sort(([na, a], [nb, b]) =>
        abs(a) === abs(b) ? (na < nb ? -1 : 1) : abs(b) > abs(a) ? 1 : -1,
      );
      for (const [value, amount] of sorted.slice(0, limit)) out.push({ dimension, value, amount });
    }
    return out;
  }

  it.each([
    ['exact in doubles', 1_000_000],
    ['past 2^53 units (bigint sums)', 2 ** 52],
  ])('equals a direct top-N over the rows when a day sums %s', (_name, scale) => {
    // Prepare: 600 rows over 2 days, with repeated children, negative credits and ties.
    const next = random(7);
    const pick = (prefix: string, n: number) => `${prefix}${Math.floor(next() * n)}`;
    const rows = Array.from({ length: 600 }, (_, i) => {
      const r = emptyCostRecord(1);
      r.day = i % 2 === 0 ? '2026-07-01' : '2026-07-02';
      r.currency = 'USD';
      r.cost = (Math.floor(next() * 21) - 5) * scale;
      r.service = pick('svc-', 6);
      r.account = pick('acct-', 4);
      r.region = next() < 0.1 ? '' : pick('region-', 3);
      r.chargeCategory = 'Usage';
      r.resource = next() < 0.1 ? '' : pick('res-', 40);
      r.usageType = pick('usage-', 8);
      r.tagValues[0] = pick('team-', 3);
      return r;
    });
    const aggregator = new CostAggregator({
      tagKeys: ['team'],
      maxCellsPerDay: 100_000,
      contributorLimit: 4,
    });
    // Act
    for (const r of rows) aggregator.add(r);
    const points = aggregator.points();
    // Assess: every series-day's contributors, total included.
    const keyed: Array<[string, string | undefined, (r: (typeof rows)[number]) => string]> = [
      ['service', 'service', (r) => r.service],
      ['account', 'account', (r) => r.account],
      ['region', 'region', (r) => r.region],
      ['tag:team', undefined, (r) => r.tagValues[0]!],
    ];
    let checked = 0;
    for (const point of points) {
      const ofDay = rows.filter((r) => r.day === point.day);
      let members = ofDay;
      let own: string | undefined;
      if (point.seriesKey !== 'total') {
        const [family, value] = [
          point.seriesKey.slice(0, point.seriesKey.lastIndexOf('=')),
          point.seriesKey.slice(point.seriesKey.lastIndexOf('=') + 1),
        ];
        const entry = keyed.find(([name]) => name === family);
        if (entry === undefined) continue;
        members = ofDay.filter((r) => entry[2](r) === value);
        own = entry[1];
      }
      expect({ key: point.seriesKey, day: point.day, contributors: point.contributors }).toEqual({
        key: point.seriesKey,
        day: point.day,
        contributors: reference(members, own, 4),
      });
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });
});
