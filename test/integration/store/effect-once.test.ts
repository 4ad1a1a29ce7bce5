import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { createEffectLedger } from '#shared/store/effect-once';

describe('effect-once ledger', () => {
  let dynamo: EmbeddedDynamo;
  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
  });
  afterAll(async () => dynamo.stop());
  const ledger = (extra: { now?: () => Date; leaseMs?: number } = {}) =>
    createEffectLedger({ documentClient: dynamo.documentClient, tableName: dynamo.tableName, ...extra });

  it('runs the effect once when ten duplicates race for the same key', async () => {
    // Prepare
    let runs = 0;
    const effect = async () => {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { messageTs: 'ts-1' };
    };
    // Act
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => ledger().runOnce('race', effect)));
    // Assess
    expect(runs).toBe(1);
    expect(outcomes.filter((o) => o.status === 'ran')).toEqual([
      { status: 'ran', result: { messageTs: 'ts-1' } },
    ]);
    for (const other of outcomes.filter((o) => o.status !== 'ran')) {
      expect(other).toEqual(
        other.status === 'in-progress'
          ? { status: 'in-progress' }
          : { status: 'already-done', result: { messageTs: 'ts-1' } },
      );
    }
  });

  it('returns the stored result without running again when the effect is already done', async () => {
    // Prepare
    let runs = 0;
    await ledger().runOnce('done-key', async () => ++runs);
    // Act
    const again = await ledger().runOnce('done-key', async () => ++runs);
    // Assess
    expect(again).toEqual({ status: 'already-done', result: 1 });
    expect(runs).toBe(1);
  });

  it('lets a retry run the effect when the first attempt failed', async () => {
    // Prepare
    const failing = ledger().runOnce('retry-key', async () => {
      throw new Error('slack 500');
    });
    await expect(failing).rejects.toThrow('slack 500');
    // Act
    const retried = await ledger().runOnce('retry-key', async () => 'posted');
    // Assess
    expect(retried).toEqual({ status: 'ran', result: 'posted' });
  });

  it('reports in-progress within the lease and re-takes the claim after it when a holder crashed', async () => {
    // Prepare: a holder that never finishes (a crashed Lambda).
    let clock = new Date('2026-09-01T00:00:00Z');
    const now = () => clock;
    void ledger({ now, leaseMs: 60_000 }).runOnce('stuck-key', () => new Promise(() => {}));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Act
    const during = await ledger({ now, leaseMs: 60_000 }).runOnce('stuck-key', async () => 'second');
    clock = new Date(clock.getTime() + 61_000);
    const after = await ledger({ now, leaseMs: 60_000 }).runOnce('stuck-key', async () => 'second');
    // Assess
    expect(during).toEqual({ status: 'in-progress' });
    expect(after).toEqual({ status: 'ran', result: 'second' });
  });
});
