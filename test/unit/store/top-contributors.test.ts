import { topContributors } from '#shared/store/dynamo-cost-store';

const c = (dimension: string, value: string, amount: bigint) => ({ dimension, value, amount });

describe('topContributors', () => {
  it('keeps the largest by absolute amount per dimension when there are more than N', () => {
    // Prepare
    const input = [
      c('service', 'S3', 5n),
      c('service', 'EC2', -30n),
      c('service', 'SageMaker', 20n),
      c('resource', 'r1', 1n),
      c('resource', 'r2', 2n),
    ];
    // Act
    const kept = topContributors(input, 2);
    // Assess
    expect(kept).toEqual([
      c('resource', 'r2', 2n),
      c('resource', 'r1', 1n),
      c('service', 'EC2', -30n),
      c('service', 'SageMaker', 20n),
    ]);
  });

  it('orders ties by value so the result is deterministic when amounts are equal', () => {
    expect(topContributors([c('service', 'b', 1n), c('service', 'a', -1n)], 5)).toEqual([
      c('service', 'a', -1n),
      c('service', 'b', 1n),
    ]);
  });
});
