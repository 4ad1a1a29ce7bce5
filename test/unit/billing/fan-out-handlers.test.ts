import { handler as aggregateHandler } from '#functions/aggregate-billing-partial/handler';
import { handler as mergeHandler } from '#functions/merge-billing-partials/handler';
import { localLambdaContext } from '#infra/local/local-bus';

describe('billing fan-out handlers', () => {
  it('rejects a map item with a negative size, naming the field, before reading any configuration', async () => {
    // Prepare: no WORK_BUCKET_NAME is set, so building the adapters would fail first otherwise.
    const item = {
      bucket: 'exports',
      key: 'exports/x/data/BILLING_PERIOD=2026-08/a.csv',
      size: -1,
      prefix: '',
    };

    // Act
    const attempt = aggregateHandler(item, localLambdaContext('aggregate-billing-partial'));

    // Assess
    await expect(attempt).rejects.toThrow(/not a billing fan-out item .*size: /);
  });

  it('rejects a merge input whose partials are not a list, naming the field', async () => {
    // Act
    const attempt = mergeHandler(
      { prefix: 'exports/x/data/BILLING_PERIOD=2026-08/', partials: 'all' },
      localLambdaContext('merge-billing-partials'),
    );

    // Assess
    await expect(attempt).rejects.toThrow(/not a billing fan-out merge input .*partials: /);
  });

  it('fails naming WORK_BUCKET_NAME when a valid item arrives without it', async () => {
    // Prepare
    const saved = process.env.WORK_BUCKET_NAME;
    delete process.env.WORK_BUCKET_NAME;
    const item = {
      bucket: 'exports',
      key: 'exports/x/data/BILLING_PERIOD=2026-08/a.csv',
      size: 10,
      prefix: '',
    };

    // Act
    const attempt = aggregateHandler(item, localLambdaContext('aggregate-billing-partial'));

    // Assess
    await expect(attempt).rejects.toThrow(/WORK_BUCKET_NAME is required/);
    if (saved !== undefined) process.env.WORK_BUCKET_NAME = saved;
  });
});
