import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { CostAnomalyDetectedEvent } from '#events/cost-anomaly-detected';
import { command as ingest } from '#infra/local/commands/ingest';
import { startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { generateFocusSample, SAMPLE_DEFAULTS } from '#samples/billing/generate-focus-sample';
import { runDetection } from '#shared/detect/run-detection';
import { createDynamoAnomalyStore } from '#shared/store/dynamo-anomaly-store';
import { createDynamoCostStore } from '#shared/store/dynamo-cost-store';
import { recordingPublisher } from '../../unit/detect/fakes';

const incident = JSON.parse(
  readFileSync(path.resolve(__dirname, '../../../samples/billing/incident.json'), 'utf8'),
) as { day: string; series: string; resource: string };

describe('detection on the bundled sample bill', () => {
  it('publishes exactly one alert, for the captioner incident, and nothing for fees, weekends or the credit', async () => {
    // Prepare
    const cwd = mkdtempSync(path.join(tmpdir(), 'finops-sample-'));
    const sample = path.join(cwd, 'sample.csv');
    generateFocusSample({ ...SAMPLE_DEFAULTS, outFile: sample });
    await ingest.run([sample], { stdout: new PassThrough(), stderr: new PassThrough(), cwd });
    const dynamo = await startEmbeddedDynamo({ path: path.join(cwd, '.finops', 'dynamo') });
    const publish = recordingPublisher();
    try {
      // Act
      await runDetection({
        costStore: createDynamoCostStore({
          documentClient: dynamo.documentClient,
          tableName: dynamo.tableName,
        }),
        anomalyStore: createDynamoAnomalyStore({
          documentClient: dynamo.documentClient,
          tableName: dynamo.tableName,
        }),
        publish,
        now: new Date('2026-09-01T06:00:00Z'),
        range: { from: '2026-06-01', to: '2026-08-31' },
      });
    } finally {
      await dynamo.stop();
    }
    // Assess
    expect(publish.events).toHaveLength(1);
    const detail = CostAnomalyDetectedEvent.schema.parse(publish.events[0]?.detail);
    expect(detail.startDay).toBe(incident.day);
    expect(detail.series.key).toBe(incident.series);
    expect(detail.contributors[0]).toMatchObject({ dimension: 'resource', value: incident.resource });
  }, 60_000);
});
