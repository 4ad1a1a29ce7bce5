import { GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '#functions/ingest-cost-explorer/handler';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { localAwsEnvironment } from '#infra/local/lambda-events';
import { localLambdaContext } from '#infra/local/local-bus';
import {
  exactSum,
  recordedCostExplorer,
  recordedResults,
} from '../../unit/cost-explorer/support/recorded-cost-explorer';

jest.setTimeout(30_000);

describe('ingest-cost-explorer handler', () => {
  let dynamo: EmbeddedDynamo;
  const savedEnv = { ...process.env };
  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
    Object.assign(process.env, {
      ...localAwsEnvironment({ dynamodb: dynamo.endpoint }),
      TABLE_NAME: dynamo.tableName,
      EVENT_BUS_NAME: 'finops-test-bus',
      COST_EXPLORER_LOOKBACK_DAYS: '5',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    // Only the clock is faked: the recorded answers are from March 2024.
    jest.useFakeTimers({
      now: new Date('2024-03-10T06:00:00Z'),
      doNotFake: [
        'setTimeout',
        'clearTimeout',
        'setInterval',
        'clearInterval',
        'setImmediate',
        'clearImmediate',
        'nextTick',
        'queueMicrotask',
        'hrtime',
        'performance',
      ],
    });
  });
  afterAll(async () => {
    jest.useRealTimers();
    process.env = savedEnv;
    await dynamo.stop();
  });

  it('asks Cost Explorer, stores the days and publishes Billing Ingestion Completed when the schedule fires', async () => {
    // Prepare
    const costExplorer = recordedCostExplorer({ groupsPerPage: 50, allInstances: true });
    const eventBridge = mockClient(EventBridgeClient);
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    // Act
    const outcome = await handler(
      { source: 'aws.scheduler', 'detail-type': 'Scheduled Event', detail: {} },
      localLambdaContext('ingest-cost-explorer'),
    );
    // Assess
    expect(outcome.requests).toBe(costExplorer.mock.commandCalls(GetCostAndUsageCommand).length);
    expect(outcome.window).toEqual({ start: '2024-03-05', endExclusive: '2024-03-10' });
    const entries = eventBridge.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      DetailType: 'Billing Ingestion Completed',
      EventBusName: 'finops-test-bus',
    });
    const detail = JSON.parse(entries[0]?.Detail ?? '{}');
    const days = recordedResults().filter(
      (r) => (r.TimePeriod?.Start ?? '') >= '2024-03-05' && (r.TimePeriod?.Start ?? '') < '2024-03-10',
    );
    expect(detail.source).toEqual({ kind: 'cost-explorer', uri: 'cost-explorer:000000000000' });
    expect(detail.totals).toEqual([
      {
        currency: 'USD',
        amount: exactSum(
          days.flatMap((r) => (r.Groups ?? []).map((g) => g.Metrics?.UnblendedCost?.Amount ?? '0')),
        ),
      },
    ]);
    costExplorer.mock.restore();
    eventBridge.restore();
  });
});
