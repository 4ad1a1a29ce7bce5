import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllocationResponse } from '#shared/k8s/opencost-allocation';
import { allocationsToUsage } from '#shared/k8s/opencost-conversion';
import { generateSampleAllocations } from '../../../samples/opencost/generate-sample';

const dailyDir = path.resolve(__dirname, '../../..', 'samples', 'opencost', 'daily');

describe('sample OpenCost data', () => {
  it('matches the seeded generator byte for byte when regenerated', () => {
    // Act
    const generated = generateSampleAllocations();
    // Assess
    expect(generated.size).toBe(14);
    for (const [day, body] of generated) {
      expect(readFileSync(path.join(dailyDir, `allocation-${day}.json`), 'utf8')).toBe(
        `${JSON.stringify(body)}\n`,
      );
    }
  });

  it('has the captioner using a fraction of its requests when parsed', () => {
    // Prepare
    const usage = [...generateSampleAllocations().values()].flatMap((body) =>
      allocationsToUsage(parseAllocationResponse(body).allocations, { currency: 'USD' }),
    );
    // Act
    const captioner = usage.filter((u) => u.workload.name === 'image-captioner');
    // Assess
    expect(captioner).toHaveLength(14);
    const peakCpu = Math.max(...captioner.map((u) => u.cpuUsageMaxCores ?? 0));
    const peakMemoryGib = Math.max(...captioner.map((u) => u.memoryUsageMaxBytes ?? 0)) / 1024 ** 3;
    expect(peakCpu).toBeLessThan(0.5);
    expect(peakMemoryGib).toBeLessThanOrEqual(2.2);
    expect(
      captioner.every((u) => u.cpuRequestCores === 2 && u.gpuCount === 1 && u.replicasObserved === 3),
    ).toBe(true);
  });
});
