import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { command as anomaliesCommand } from '#infra/local/commands/anomalies';
import { command as feedbackCommand } from '#infra/local/commands/feedback';
import { startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { runDetection } from '#shared/detect/run-detection';
import { createDynamoAnomalyStore } from '#shared/store/dynamo-anomaly-store';
import { memoryCostStore, recordingPublisher } from '../../unit/detect/fakes';
import { companyBill } from '../../unit/detect/incident-fixture';

function capture() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk) => chunks.push(String(chunk)));
  return { stream, text: () => chunks.join('') };
}

describe('finops feedback and finops anomalies', () => {
  it('stores planned feedback on the incident and shows it in the listing', async () => {
    // Prepare
    const cwd = mkdtempSync(path.join(tmpdir(), 'finops-feedback-'));
    const dynamo = await startEmbeddedDynamo({ path: path.join(cwd, '.finops', 'dynamo') });
    await runDetection({
      costStore: memoryCostStore(companyBill({ start: '2026-03-01', days: 121, incidentDay: '2026-06-10' })),
      anomalyStore: createDynamoAnomalyStore({
        documentClient: dynamo.documentClient,
        tableName: dynamo.tableName,
      }),
      publish: recordingPublisher(),
      now: new Date('2026-06-30T06:00:00Z'),
      range: { from: '2026-06-01', to: '2026-06-29' },
    });
    await dynamo.stop();
    const out = capture();
    const listing = capture();
    // Act
    const code = await feedbackCommand.run(
      ['USD|tag:cost-center=ai-vision|2026-06-10', 'planned', '--until', '2026-07-15'],
      { stdout: out.stream, stderr: new PassThrough(), cwd },
    );
    await anomaliesCommand.run([], { stdout: listing.stream, stderr: new PassThrough(), cwd });
    // Assess
    expect(code).toBe(0);
    expect(out.text()).toContain('recorded planned until 2026-07-15');
    expect(listing.text()).toContain('USD|tag:cost-center=ai-vision|2026-06-10');
    expect(listing.text()).toContain('[feedback: planned until 2026-07-15]');
    expect(listing.text()).toContain('top resource=image-captioner');
  });
});
