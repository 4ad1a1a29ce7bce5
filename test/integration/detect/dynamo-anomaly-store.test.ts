import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { AnomalyVersionConflictError, type StoredAnomaly } from '#shared/detect/anomaly-store-port';
import { runDetection } from '#shared/detect/run-detection';
import { parseMoney } from '#shared/money';
import { createDynamoAnomalyStore } from '#shared/store/dynamo-anomaly-store';
import { memoryCostStore, recordingPublisher } from '../../unit/detect/fakes';
import { companyBill } from '../../unit/detect/incident-fixture';

describe('DynamoDB anomaly store', () => {
  let dynamo: EmbeddedDynamo;
  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
  });
  afterAll(async () => dynamo.stop());
  const store = () =>
    createDynamoAnomalyStore({ documentClient: dynamo.documentClient, tableName: dynamo.tableName });

  it('stores the incident episode exactly and publishes nothing on a re-run', async () => {
    // Prepare
    const costStore = memoryCostStore(
      companyBill({ start: '2026-03-01', days: 121, incidentDay: '2026-06-10' }),
    );
    const input = {
      costStore,
      anomalyStore: store(),
      now: new Date('2026-06-30T06:00:00Z'),
      range: { from: '2026-03-01', to: '2026-06-29' },
    };
    const first = recordingPublisher();
    await runDetection({ ...input, publish: first });
    const second = recordingPublisher();
    // Act
    await runDetection({ ...input, publish: second });
    const stored = await store().getAnomaly('USD|tag:cost-center=ai-vision|2026-06-10');
    const listed = await store().listAnomalies({ from: '2026-06-01', to: '2026-06-30' });
    // Assess
    expect(first.events).toHaveLength(1);
    expect(second.events).toEqual([]);
    expect(stored?.notifiedSeverity).toBe(stored?.episode.severity);
    expect(typeof stored?.episode.cumulativeImpact).toBe('bigint');
    expect(stored?.contributors[0]?.value).toBe('image-captioner');
    expect(listed.map((a) => a.episode.anomalyId)).toContain('USD|tag:cost-center=ai-vision|2026-06-10');
    expect(listed.filter((a) => a.suppression === undefined)).toHaveLength(1);
  });

  it('rejects a put with a stale version', async () => {
    // Prepare
    const [anomaly] = await store().listAnomalies({ from: '2026-06-10', to: '2026-06-10', limit: 1 });
    const current = anomaly as StoredAnomaly;
    await store().putAnomaly({ ...current, version: current.version + 1 }, current.version);
    // Act
    const stale = store().putAnomaly({ ...current, version: current.version + 1 }, current.version);
    // Assess
    await expect(stale).rejects.toBeInstanceOf(AnomalyVersionConflictError);
  });

  it('returns an open episode per series and feedback per series and per anomaly', async () => {
    // Prepare
    const s = store();
    const record = {
      anomalyId: 'USD|total|2026-06-10',
      seriesKey: 'total',
      currency: 'USD',
      kind: 'planned' as const,
      until: '2026-06-20',
      anomalyStartDay: '2026-06-10',
      anomalyPeakImpact: parseMoney('123.4567890123'),
      recordedAt: '2026-06-11T08:00:00.000Z',
    };
    // Act
    await s.putFeedback(record);
    const perSeries = await s.listFeedback({ seriesKey: 'total', currency: 'USD' });
    const perAnomaly = await s.listAnomalyFeedback('USD|total|2026-06-10');
    const open = await s.getOpenEpisode({ seriesKey: 'tag:cost-center=nobody', currency: 'USD' });
    // Assess
    expect(perSeries).toEqual([record]);
    expect(perAnomaly).toEqual([record]);
    expect(open).toBeUndefined();
  });
});
