import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { ingestBillingUnit } from '#shared/billing/ingest-billing';
import type { CostStore } from '#shared/cost/cost-store-port';
import type { PublishEvents } from '#shared/events/publish-port';
import { formatMoney } from '#shared/money';
import type { DocumentClientLike } from '#shared/store/dynamo-client';
import { createDynamoCostStore } from '#shared/store/dynamo-cost-store';
import { fileSource, focusAws, recordingPublisher } from '../../unit/billing/support/billing-test-kit';
import { crashAfter } from '../store/support/client-wrappers';

const now = () => new Date('2026-09-02T06:00:00.000Z');

// Each case ingests the FOCUS sample twice and reads every series back: seconds, not milliseconds.
jest.setTimeout(60_000);

/** Every stored series-day as `currency|series|day → amount`, read back through the store port. */
async function snapshot(store: CostStore): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const ref of await store.listSeries()) {
    for (const point of await store.readSeries(ref, { from: '0000-01-01', to: '9999-12-31' })) {
      out[`${ref.currency}|${ref.seriesKey}|${point.day}`] = formatMoney(point.amount);
    }
  }
  return out;
}

function ingest(documentClient: DocumentClientLike, tableName: string, publish: PublishEvents) {
  return ingestBillingUnit({
    sources: [fileSource(focusAws)],
    store: createDynamoCostStore({ documentClient, tableName }),
    publish,
    now,
  });
}

describe('billing ingestion under crashes and duplicate deliveries (embedded DynamoDB)', () => {
  let reference: Record<string, string>;
  const engines: EmbeddedDynamo[] = [];
  const freshEngine = async () => {
    const engine = await startEmbeddedDynamo();
    engines.push(engine);
    return engine;
  };

  beforeAll(async () => {
    const engine = await freshEngine();
    await ingest(engine.documentClient, engine.tableName, recordingPublisher().publish);
    reference = await snapshot(createDynamoCostStore(engine));
    expect(Object.keys(reference).length).toBeGreaterThan(100);
  });
  afterAll(async () => {
    await Promise.all(engines.map((engine) => engine.stop()));
  });

  it.each([1, 2, 5, 20, 60])(
    'gives the same totals when the store crashes at call %i and the file is re-run',
    async (crashAt) => {
      // Prepare: a store whose client dies at the given call.
      const engine = await freshEngine();
      const crashing = crashAfter(engine.documentClient, crashAt);

      // Act: the first delivery crashes; the retry runs on a healthy client.
      await expect(ingest(crashing, engine.tableName, recordingPublisher().publish)).rejects.toThrow(
        /simulated crash/,
      );
      const retry = recordingPublisher();
      await ingest(engine.documentClient, engine.tableName, retry.publish);

      // Assess
      expect(await snapshot(createDynamoCostStore(engine))).toEqual(reference);
      expect(retry.published.map((event) => event.contract.detailType)).toEqual([
        'Billing Ingestion Completed',
      ]);
    },
  );

  it('announces the ingestion on the re-run when publishing failed after the write', async () => {
    const engine = await freshEngine();
    const failingPublish: PublishEvents = () => Promise.reject(new Error('PutEvents unavailable'));
    await expect(ingest(engine.documentClient, engine.tableName, failingPublish)).rejects.toThrow(
      /PutEvents/,
    );

    const retry = recordingPublisher();
    await ingest(engine.documentClient, engine.tableName, retry.publish);

    expect(retry.published).toHaveLength(1);
    expect(await snapshot(createDynamoCostStore(engine))).toEqual(reference);
  });

  it('gives the same totals when the same file is delivered twice at once', async () => {
    const engine = await freshEngine();
    const first = recordingPublisher();
    const second = recordingPublisher();

    const reports = await Promise.all([
      ingest(engine.documentClient, engine.tableName, first.publish),
      ingest(engine.documentClient, engine.tableName, second.publish),
    ]);

    expect(reports[0].ingestionId).toBe(reports[1].ingestionId);
    expect(await snapshot(createDynamoCostStore(engine))).toEqual(reference);
  });
});
