import { CostAnomalyDetectedEvent } from '#events/cost-anomaly-detected';
import { runDetection } from '#shared/detect/run-detection';
import { parseMoney } from '#shared/money';
import { memoryAnomalyStore, memoryCostStore, recordingPublisher } from './fakes';
import { companyBill } from './incident-fixture';
import { fixtureSeries } from './series-fixture';

const now = new Date('2026-06-30T06:00:00Z');
const range = { from: '2026-03-01', to: '2026-06-29' };

describe('runDetection', () => {
  it('publishes exactly one alert for the captioner incident, on its cost center, when parents also fire', async () => {
    // Prepare
    const costStore = memoryCostStore(
      companyBill({ start: '2026-03-01', days: 121, incidentDay: '2026-06-10' }),
    );
    const anomalyStore = memoryAnomalyStore();
    const publish = recordingPublisher();
    // Act
    const summary = await runDetection({ costStore, anomalyStore, publish, now, range });
    // Assess
    expect(publish.events).toHaveLength(1);
    const detail = CostAnomalyDetectedEvent.schema.parse(publish.events[0]?.detail);
    expect(detail.series.key).toBe('tag:cost-center=ai-vision');
    expect(detail.startDay).toBe('2026-06-10');
    expect(detail.trigger).toBe('opened');
    expect(detail.contributors[0]).toMatchObject({ dimension: 'resource', value: 'image-captioner' });
    expect(summary.suppressed.map((s) => s.by)).toContain('tag:cost-center=ai-vision');
  });

  it('publishes nothing for the monthly fee, weekends and the credit when there is no incident', async () => {
    // Prepare
    const costStore = memoryCostStore(companyBill({ start: '2026-03-01', days: 121 }));
    const publish = recordingPublisher();
    // Act
    const summary = await runDetection({
      costStore,
      anomalyStore: memoryAnomalyStore(),
      publish,
      now,
      range,
    });
    // Assess
    expect(publish.events).toEqual([]);
    expect(summary.episodesOpened).toBe(0);
    expect(summary.seriesEvaluated).toBeGreaterThan(5);
  });

  it('publishes nothing new when re-run on the same data', async () => {
    // Prepare
    const costStore = memoryCostStore(
      companyBill({ start: '2026-03-01', days: 121, incidentDay: '2026-06-10' }),
    );
    const anomalyStore = memoryAnomalyStore();
    await runDetection({ costStore, anomalyStore, publish: recordingPublisher(), now, range });
    const publish = recordingPublisher();
    // Act
    const summary = await runDetection({ costStore, anomalyStore, publish, now, range });
    // Assess
    expect(publish.events).toEqual([]);
    expect(summary.episodesOpened).toBe(0);
  });

  it('suppresses the alert when feedback planned the window', async () => {
    // Prepare
    const costStore = memoryCostStore(
      companyBill({ start: '2026-03-01', days: 121, incidentDay: '2026-06-10' }),
    );
    const anomalyStore = memoryAnomalyStore();
    await anomalyStore.putFeedback({
      anomalyId: 'USD|tag:cost-center=ai-vision|2026-06-01',
      seriesKey: 'tag:cost-center=ai-vision',
      currency: 'USD',
      kind: 'planned',
      until: '2026-06-30',
      anomalyStartDay: '2026-06-01',
      anomalyPeakImpact: parseMoney('0'),
      recordedAt: '2026-06-01T09:00:00Z',
    });
    const publish = recordingPublisher();
    // Act
    const summary = await runDetection({ costStore, anomalyStore, publish, now, range });
    // Assess
    expect(publish.events.map((e) => (e.detail as { series: { key: string } }).series.key)).not.toContain(
      'tag:cost-center=ai-vision',
    );
    expect(summary.suppressed).toContainEqual(
      expect.objectContaining({ anomalyId: 'USD|tag:cost-center=ai-vision|2026-06-10', reason: 'feedback' }),
    );
  });
});

describe('runDetection episode updates', () => {
  it('publishes severity-raised once when a later day of the same episode is larger', async () => {
    // Prepare
    const points = fixtureSeries({ days: 53, edit: (i, v) => (i === 50 ? v + 400 : i >= 51 ? v + 6000 : v) });
    const anomalyStore = memoryAnomalyStore();
    const first = recordingPublisher();
    await runDetection({
      costStore: memoryCostStore(points.slice(0, 51)),
      anomalyStore,
      publish: first,
      now: new Date('2026-04-22T06:00:00Z'),
      range: { from: '2026-04-15', to: '2026-04-21' },
    });
    const second = recordingPublisher();
    // Act
    await runDetection({
      costStore: memoryCostStore(points),
      anomalyStore,
      publish: second,
      now: new Date('2026-04-24T06:00:00Z'),
      range: { from: '2026-04-15', to: '2026-04-23' },
    });
    // Assess
    const opened = CostAnomalyDetectedEvent.schema.parse(first.events[0]?.detail);
    const raised = CostAnomalyDetectedEvent.schema.parse(second.events[0]?.detail);
    expect(first.events).toHaveLength(1);
    expect(opened).toMatchObject({ trigger: 'opened', severity: 'medium', startDay: '2026-04-21' });
    expect(second.events).toHaveLength(1);
    expect(raised).toMatchObject({
      trigger: 'severity-raised',
      severity: 'critical',
      anomalyId: opened.anomalyId,
    });
    expect(raised.durationDays).toBeGreaterThan(1);
  });
});
