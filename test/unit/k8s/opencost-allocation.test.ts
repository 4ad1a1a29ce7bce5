import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OpenCostResponseError, parseAllocationResponse } from '#shared/k8s/opencost-allocation';
import {
  allocationsToCostPoints,
  allocationsToUsage,
  sanitiseLabelName,
} from '#shared/k8s/opencost-conversion';
import { formatMoney, parseMoney } from '#shared/money';

const repoRoot = path.resolve(__dirname, '../../..');
const dataDir = path.resolve(repoRoot, '..', 'shared/data/opencost');
const load = (file: string): unknown => JSON.parse(readFileSync(path.join(dataDir, file), 'utf8'));

describe('parseAllocationResponse', () => {
  it.each([
    ['opencost-swagger_allocation-compute_window-2d_aggregate-namespace.json', 3, 0],
    ['opencost-website_allocation_window-7d_aggregate-namespace.json', 3, 0],
    ['kubecost-docs_allocation_unaggregated_container.json', 1, 2],
  ])('reads every allocation of %s', (file, allocations, placeholders) => {
    // Act
    const parsed = parseAllocationResponse(load(file));
    // Assess
    expect(parsed.allocations).toHaveLength(allocations);
    expect(parsed.placeholdersSkipped).toBe(placeholders);
  });

  it('keeps exact money from the JSON numbers when summing a namespace response', () => {
    // Prepare
    const parsed = parseAllocationResponse(
      load('opencost-website_allocation_window-7d_aggregate-namespace.json'),
    );
    // Act
    const units = [
      ...allocationsToCostPoints(parsed.allocations, { currency: 'USD', aggregate: 'namespace' }).values(),
    ];
    // Assess
    const points = units.flatMap((unit) => unit.points);
    expect(points.map((p) => [p.seriesKey, formatMoney(p.amount)])).toEqual([
      ['k8s-namespace=kube-system', '1.52743'],
      ['k8s-namespace=opencost', '0.10937'],
      ['k8s-namespace=prometheus', '0.14136'],
    ]);
    expect(units[0]?.day).toBe('2023-07-12');
  });

  it('derives per-container usage and unit prices when the response is at container level', () => {
    // Prepare
    const parsed = parseAllocationResponse(load('kubecost-docs_allocation_unaggregated_container.json'));
    // Act
    const [usage] = allocationsToUsage(parsed.allocations, { currency: 'USD' });
    // Assess
    expect(usage).toMatchObject({
      workload: {
        cluster: 'aws-dev-1-niko',
        namespace: 'kubecost',
        kind: 'Deployment',
        name: 'kubecost-cost-analyzer',
      },
      container: 'cost-model',
      perReplica: true,
      cpuRequestCores: 0.05,
      cpuUsageAvgCores: 0.000964,
      memoryRequestBytes: 330301440,
      totalCost: '0.004661',
    });
    expect(usage?.cpuCostPerCoreHour).toBeCloseTo(0.000426 / 0.013333, 6);
  });

  it('books the cost-center label under its Prometheus-sanitised name', () => {
    // Prepare
    const body = {
      code: 200,
      data: [
        {
          'c/n/vision/p-1/app': allocation('vision', { finops_apexlogic_com_cost_center: 'ai-vision' }, 1.25),
          'c/n/vision/p-2/app': allocation('vision', {}, 0.5),
          __idle__: { ...allocation('', {}, 9), name: '__idle__' },
        },
      ],
    };
    // Act
    const parsed = parseAllocationResponse(body);
    const points = [...allocationsToCostPoints(parsed.allocations, { currency: 'USD' }).values()].flatMap(
      (u) => u.points,
    );
    // Assess
    expect(sanitiseLabelName('finops.apexlogic.com/cost-center')).toBe('finops_apexlogic_com_cost_center');
    expect(points.map((p) => [p.seriesKey, formatMoney(p.amount)])).toEqual([
      ['k8s-cost-center=__unallocated__', '0.5'],
      ['k8s-cost-center=ai-vision', '1.25'],
      ['k8s-namespace=vision', '1.75'],
    ]);
  });

  it('converts a JSON number to money through its shortest decimal text when the float is inexact', () => {
    // Prepare
    const body = { code: 200, data: [{ a: allocation('ns', {}, 0.1 + 0.2) }] };
    // Act
    const [first] = parseAllocationResponse(body).allocations;
    // Assess
    expect(first?.totalCost).toBe(parseMoney('0.30000000000000004'));
  });

  it.each([
    ['not an object', 'nope', /not an allocation response/],
    [
      'an error code',
      { code: 500, message: 'Prometheus unreachable', data: null },
      /code 500: Prometheus unreachable/,
    ],
    ['no data', { code: 200 }, /no data/],
    [
      'a non-numeric cost',
      { code: 200, data: [{ x: { ...allocation('ns', {}, 1), totalCost: '1.0' } }] },
      /data\[0\]\["x"\].*totalCost/,
    ],
    [
      'a bad window',
      { code: 200, data: [{ x: { ...allocation('ns', {}, 1), window: { start: 'yesterday' } } }] },
      /window/,
    ],
    [
      'no cluster',
      { code: 200, data: [{ x: { ...allocation('ns', {}, 1), properties: { namespace: 'ns' } } }] },
      /no properties\.cluster/,
    ],
  ])('throws a clear error when the response has %s', (_label, body, message) => {
    // Act + Assess
    expect(() => parseAllocationResponse(body)).toThrow(OpenCostResponseError);
    expect(() => parseAllocationResponse(body)).toThrow(message);
  });
});

function allocation(namespace: string, labels: Record<string, string>, totalCost: number) {
  return {
    name: `c/n/${namespace}/p/app`,
    properties: {
      cluster: 'c',
      namespace,
      controller: 'app',
      controllerKind: 'deployment',
      pod: 'p',
      container: 'app',
      labels,
    },
    window: { start: '2026-08-01T00:00:00Z', end: '2026-08-02T00:00:00Z' },
    minutes: 1440,
    totalCost,
    pvs: null,
    rawAllocationOnly: null,
  };
}
