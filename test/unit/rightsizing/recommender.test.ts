import type { ContainerUsageDay } from '#shared/k8s/container-usage';
import { formatCpu, formatMemory, GIB, MIB, parseQuantity } from '#shared/k8s/quantity';
import {
  ALGORITHM_VERSION,
  percentile,
  type RecommendOutcome,
  recommendRightsizing,
  type WorkloadSpec,
} from '#shared/rightsizing/recommender';

const workload = { cluster: 'demo', namespace: 'vision', kind: 'Deployment', name: 'captioner' };
const now = new Date('2026-11-26T02:00:00Z');

/** `days` daily records ending 2026-11-25 with CPU peaks `cpuMax(i)` and memory peak `memMax(i)`. */
function days(
  count: number,
  options: {
    cpuMax?: (i: number) => number;
    memMax?: (i: number) => number;
    perReplica?: boolean;
    gpuUse?: number;
  } = {},
): ContainerUsageDay[] {
  return Array.from({ length: count }, (_, i) => {
    const day = new Date(Date.UTC(2026, 10, 25 - (count - 1 - i))).toISOString().slice(0, 10);
    const cpuMax = options.cpuMax?.(i) ?? 0.4;
    const memMax = options.memMax?.(i) ?? 2 * GIB;
    const record: ContainerUsageDay = {
      workload,
      container: 'app',
      day,
      perReplica: options.perReplica ?? true,
      replicasObserved: 3,
      minutes: 1440,
      cpuRequestCores: 2,
      cpuUsageAvgCores: cpuMax * 0.6,
      cpuUsageMaxCores: cpuMax,
      memoryRequestBytes: 8 * GIB,
      memoryUsageAvgBytes: memMax * 0.8,
      memoryUsageMaxBytes: memMax,
      gpuCount: 1,
      cpuCostPerCoreHour: 0.03,
      ramCostPerGibHour: 0.004,
      totalCost: '12.5',
      currency: 'USD',
      labels: {},
    };
    if (options.gpuUse !== undefined) record.gpuUsageAvg = options.gpuUse;
    return record;
  });
}

const spec = (
  overrides: Partial<WorkloadSpec['containers'][number]> = {},
  extra: Partial<WorkloadSpec> = {},
): WorkloadSpec => ({
  replicas: 3,
  containers: [
    { name: 'app', cpuRequest: '2', memoryRequest: '8Gi', memoryLimit: '8Gi', gpu: 1, ...overrides },
  ],
  ...extra,
});

function recommended(outcome: RecommendOutcome) {
  if (outcome.kind !== 'recommended')
    throw new Error(`expected a recommendation, got ${outcome.reasons.join(', ')}`);
  return outcome.recommendation;
}

describe('percentile', () => {
  it.each([
    [[1, 2, 3, 4, 5], 50, 3],
    [[1, 2, 3, 4, 5], 95, 4.8],
    [[10], 95, 10],
    [[], 95, 0],
    [[5, 1, 3], 100, 5],
  ])('interpolates %j at p%d to %d', (values, p, expected) => {
    expect(percentile(values, p)).toBeCloseTo(expected, 10);
  });
});

describe('quantities', () => {
  it.each([
    ['2', 2],
    ['560m', 0.56],
    ['8Gi', 8 * GIB],
    ['2592Mi', 2592 * MIB],
    ['1e3', 1000],
    ['1.5', 1.5],
  ])('parses %s', (text, value) => expect(parseQuantity(text)).toBeCloseTo(value, 9));

  it.each([
    [0.56, '560m'],
    [2, '2'],
    [0.0001, '1m'],
  ])('formats %d cores as %s', (cores, text) => expect(formatCpu(cores)).toBe(text));

  it.each([
    [2592 * MIB, '2592Mi'],
    [3 * GIB, '3Gi'],
    [MIB + 1, '2Mi'],
  ])('formats %d bytes as %s', (bytes, text) => expect(formatMemory(bytes)).toBe(text));
});

describe('recommendRightsizing', () => {
  it('sets cpu to p95 × 1.2 and memory request = limit to peak × 1.15 when usage is a fraction of the requests', () => {
    // Prepare: daily CPU peaks 0.30..0.43, memory peaks up to 2 GiB.
    const usage = days(14, { cpuMax: (i) => 0.3 + i * 0.01 });
    // Act
    const rec = recommended(recommendRightsizing({ workload, usage, spec: spec(), now }));
    // Assess: p95 of 0.30..0.43 = 0.4235 → × 1.2 = 0.5082 → 510m; 2 GiB × 1.15 = 2355.2 MiB → 2368Mi (16Mi steps).
    const [container] = rec.containers;
    expect(container?.usage.cpuP95).toBeCloseTo(0.4235, 4);
    expect(container?.recommended).toEqual({
      cpuRequest: '510m',
      memoryRequest: '2368Mi',
      memoryLimit: '2368Mi',
      gpu: 1,
    });
    expect(container?.daysOfData).toBe(14);
    expect(rec.algorithm.version).toBe(ALGORITHM_VERSION);
    expect(rec.algorithm.parameters).toMatchObject({
      cpuPercentile: 95,
      cpuHeadroom: 1.2,
      memoryHeadroom: 1.15,
      windowDays: 14,
    });
    // (2 - 0.51) × 0.03 × 3 × 730 + (8 - 2368/1024) × 0.004 × 3 × 730 = 97.89 + 49.82
    expect(Number(rec.monthlySavings)).toBeCloseTo(147.71, 1);
    expect(rec.window).toEqual({ start: '2026-11-12T00:00:00.000Z', end: '2026-11-26T00:00:00.000Z' });
  });

  it('uses the configured percentile when cpuPercentile is 50', () => {
    // Prepare
    const usage = days(14, { cpuMax: (i) => (i < 7 ? 0.2 : 1) });
    // Act
    const rec = recommended(
      recommendRightsizing({ workload, usage, spec: spec(), params: { cpuPercentile: 50 }, now }),
    );
    // Assess: the median of seven 0.2 and seven 1.0 peaks is 0.6 → 720m.
    expect(rec.containers[0]?.recommended.cpuRequest).toBe('720m');
    expect(rec.algorithm.parameters.cpuPercentile).toBe(50);
  });

  it('applies the floors when usage is near zero', () => {
    // Prepare
    const usage = days(14, { cpuMax: () => 0.001, memMax: () => 4 * MIB });
    // Act
    const rec = recommended(recommendRightsizing({ workload, usage, spec: spec(), now }));
    // Assess
    expect(rec.containers[0]?.recommended).toMatchObject({
      cpuRequest: '10m',
      memoryRequest: '32Mi',
      memoryLimit: '32Mi',
    });
  });

  it('changes nothing when there are fewer days than the minimum history', () => {
    // Prepare
    const usage = days(6);
    // Act
    const outcome = recommendRightsizing({ workload, usage, spec: spec(), now });
    // Assess
    expect(outcome.kind).toBe('no-change');
    if (outcome.kind === 'no-change') {
      expect(outcome.reasons).toEqual(['no-container-changed']);
      expect(outcome.containers[0]?.notes).toContain('insufficient-history:6<7');
    }
  });

  it('ignores days outside the window when older data exists', () => {
    // Prepare: 30 days, the first 16 with huge peaks that the 14-day window must not see.
    const usage = days(30, { cpuMax: (i) => (i < 16 ? 8 : 0.4) });
    // Act
    const rec = recommended(recommendRightsizing({ workload, usage, spec: spec(), now }));
    // Assess
    expect(rec.containers[0]?.usage.cpuMax).toBe(0.4);
    expect(rec.containers[0]?.daysOfData).toBe(14);
  });

  it('leaves cpu alone when an HPA scales the workload on cpu', () => {
    // Prepare
    const usage = days(14);
    // Act
    const rec = recommended(
      recommendRightsizing({ workload, usage, spec: spec({}, { hpaResources: ['cpu'] }), now }),
    );
    // Assess
    const [container] = rec.containers;
    expect(container?.recommended.cpuRequest).toBe('2');
    expect(container?.recommended.memoryRequest).toBe('2368Mi');
    expect(container?.notes).toContain('hpa-on-cpu');
  });

  it('changes nothing when both resources are within 10% of the target', () => {
    // Prepare: target cpu 0.4 × 1.2 = 480m vs 500m; memory 2 GiB × 1.15 = 2368Mi vs 2400Mi.
    const usage = days(14);
    // Act
    const outcome = recommendRightsizing({
      workload,
      usage,
      spec: spec({ cpuRequest: '500m', memoryRequest: '2400Mi', memoryLimit: '2400Mi' }),
      now,
    });
    // Assess
    expect(outcome.kind).toBe('no-change');
    if (outcome.kind === 'no-change') {
      expect(outcome.containers[0]?.notes).toEqual(
        expect.arrayContaining(['cpu-below-threshold', 'memory-below-threshold']),
      );
    }
  });

  it('changes nothing when the monthly saving is below the minimum', () => {
    // Prepare: 600m → 480m on one replica saves 0.12 × 0.03 × 730 = 2.63 per month.
    const usage = days(14);
    // Act
    const outcome = recommendRightsizing({
      workload,
      usage,
      spec: spec({ cpuRequest: '600m', memoryRequest: '2368Mi', memoryLimit: '2368Mi' }, { replicas: 1 }),
      now,
    });
    // Assess
    expect(outcome).toMatchObject({ kind: 'no-change', reasons: ['below-minimum-savings:2.63<5'] });
  });

  it('recommends an increase even below the minimum saving when memory is short', () => {
    // Prepare: peaks of 2 GiB with a 1Gi request.
    const usage = days(14);
    // Act
    const rec = recommended(
      recommendRightsizing({
        workload,
        usage,
        spec: spec({ cpuRequest: '480m', memoryRequest: '1Gi', memoryLimit: '1Gi' }),
        now,
      }),
    );
    // Assess
    expect(rec.containers[0]?.recommended.memoryLimit).toBe('2368Mi');
    expect(Number(rec.monthlySavings)).toBeLessThan(0);
  });

  it('flags an underused GPU without changing the GPU count', () => {
    // Prepare
    const usage = days(14, { gpuUse: 0.05 });
    // Act
    const rec = recommended(recommendRightsizing({ workload, usage, spec: spec(), now }));
    // Assess
    expect(rec.containers[0]?.notes).toContain('gpu-underused');
    expect(rec.containers[0]?.usage.gpuUtilisation).toBe(0.05);
    expect(rec.containers[0]?.recommended.gpu).toBe(1);
  });

  it('divides aggregated usage by the replicas when the source summed the pods', () => {
    // Prepare: sums over 3 replicas of 1.2 cores peak = 0.4 per replica.
    const usage = days(14, { cpuMax: () => 1.2, memMax: () => 6 * GIB, perReplica: false });
    // Act
    const rec = recommended(recommendRightsizing({ workload, usage, spec: spec(), now }));
    // Assess
    expect(rec.containers[0]?.usage.cpuMax).toBeCloseTo(0.4, 6);
    expect(rec.containers[0]?.recommended.memoryRequest).toBe('2368Mi');
  });

  it('gives the same id for the same recommended values when run twice', () => {
    // Prepare
    const usage = days(14);
    // Act
    const first = recommended(recommendRightsizing({ workload, usage, spec: spec(), now }));
    const second = recommended(
      recommendRightsizing({ workload, usage, spec: spec(), now: new Date('2026-11-27T00:00:00Z') }),
    );
    // Assess
    expect(second.recommendationId).toBe(first.recommendationId);
    expect(first.recommendationId).toMatch(/^demo\/vision\/Deployment\/captioner\/rightsize-1\/[0-9a-f]{6}$/);
  });

  it('refuses an invalid parameter', () => {
    expect(() =>
      recommendRightsizing({ workload, usage: days(14), params: { cpuPercentile: 0 }, now }),
    ).toThrow('cpuPercentile must be in (0, 100], got 0');
  });
});
