import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { EventBridgeEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { BillingIngestionCompletedEvent } from '#events/billing-ingestion-completed';
import { handler } from '#functions/detect-anomalies/handler';
import { command as ingest } from '#infra/local/commands/ingest';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { localAwsEnvironment } from '#infra/local/lambda-events';
import { localLambdaContext } from '#infra/local/local-bus';
import { generateFocusSample, SAMPLE_DEFAULTS } from '#samples/billing/generate-focus-sample';

jest.setTimeout(60_000);

describe('detect-anomalies handler', () => {
  let dynamo: EmbeddedDynamo;
  const savedEnv = { ...process.env };
  beforeAll(async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'finops-detect-handler-'));
    const sample = path.join(cwd, 'sample.csv');
    generateFocusSample({ ...SAMPLE_DEFAULTS, outFile: sample });
    await ingest.run([sample], { stdout: new PassThrough(), stderr: new PassThrough(), cwd });
    dynamo = await startEmbeddedDynamo({ path: path.join(cwd, '.finops', 'dynamo') });
    Object.assign(process.env, {
      ...localAwsEnvironment({ dynamodb: dynamo.endpoint }),
      TABLE_NAME: dynamo.tableName,
      EVENT_BUS_NAME: 'finops-test-bus',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
  });
  afterAll(async () => {
    process.env = savedEnv;
    await dynamo.stop();
  });

  const ingestionCompleted: EventBridgeEvent<string, unknown> = {
    id: 'e-ingestion',
    version: '0',
    account: '000000000000',
    time: '2026-09-01T06:00:00Z',
    region: 'us-east-1',
    resources: [],
    source: 'finops.pipeline',
    'detail-type': BillingIngestionCompletedEvent.detailType,
    detail: { ...BillingIngestionCompletedEvent.sample, days: { from: '2026-06-01', to: '2026-08-31' } },
  };

  it('publishes one Cost Anomaly Detected for the sample incident, then nothing when the event is redelivered', async () => {
    // Prepare
    const eventBridge = mockClient(EventBridgeClient);
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    // Act
    const first = await handler(ingestionCompleted, localLambdaContext('detect-anomalies'));
    const second = await handler(ingestionCompleted, localLambdaContext('detect-anomalies'));
    // Assess
    const entries = eventBridge.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      DetailType: 'Cost Anomaly Detected',
      EventBusName: 'finops-test-bus',
    });
    expect(JSON.parse(entries[0]?.Detail ?? '{}').anomalyId).toBe('USD|tag:cost-center=ai-vision|2026-08-19');
    expect(first.published).toEqual(['USD|tag:cost-center=ai-vision|2026-08-19']);
    expect(second.published).toEqual([]);
  });

  it('rejects an event of another detail-type so it goes to the DLQ', async () => {
    // Act
    const run = handler(
      { ...ingestionCompleted, 'detail-type': 'Endpoint Scaled' },
      localLambdaContext('detect-anomalies'),
    );
    // Assess
    await expect(run).rejects.toThrow(/consumes only ingestion-completed events/);
  });
});
