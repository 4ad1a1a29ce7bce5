import type { Context, EventBridgeEvent } from 'aws-lambda';
import { CostAnomalyDetectedEvent } from '#events/cost-anomaly-detected';
import { EndpointScaledEvent } from '#events/endpoint-scaled';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { eventBridgeEnvelope, localAwsEnvironment } from '#infra/local/lambda-events';
import { localLambdaContext } from '#infra/local/local-bus';
import { startTerminalSlack, type TerminalSlack } from '#infra/local/terminal-slack';

const context: Context = localLambdaContext('notify-slack');

function envelope(detailType: string, detail: unknown): EventBridgeEvent<string, unknown> {
  return eventBridgeEnvelope(detailType, detail, { time: '2026-08-21T06:15:00Z' });
}

describe('notify-slack handler with the embedded DynamoDB ledger and a loopback webhook', () => {
  let dynamo: EmbeddedDynamo;
  let slack: TerminalSlack;
  let handler: (event: EventBridgeEvent<string, unknown>, context: Context) => Promise<unknown>;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
    slack = await startTerminalSlack();
    Object.assign(process.env, {
      ...localAwsEnvironment({ dynamodb: dynamo.endpoint }),
      TABLE_NAME: dynamo.tableName,
      SLACK_WEBHOOK_URL: slack.url,
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    ({ handler } = await import('#functions/notify-slack/handler'));
  });
  afterAll(async () => {
    process.env = savedEnv;
    await slack.stop();
    await dynamo.stop();
  });

  it('posts one message when the same anomaly event is delivered twice', async () => {
    // Prepare
    const event = envelope(CostAnomalyDetectedEvent.detailType, CostAnomalyDetectedEvent.sample);
    const before = slack.posts.length;

    // Act
    await handler(event, context);
    await handler({ ...event, id: 'redelivery' }, context);

    // Assess
    expect(slack.posts.length - before).toBe(1);
    expect(JSON.stringify(slack.posts.at(-1)?.payload)).toContain('Cost anomaly detected');
  });

  it('posts again when the scaling outcome of the same action changes', async () => {
    // Prepare
    const before = slack.posts.length;

    // Act
    await handler(envelope(EndpointScaledEvent.detailType, EndpointScaledEvent.sample), context);
    await handler(
      envelope(EndpointScaledEvent.detailType, { ...EndpointScaledEvent.sample, outcome: 'executed' }),
      context,
    );

    // Assess
    expect(slack.posts.length - before).toBe(2);
  });

  it('throws a validation error and posts nothing when the detail is malformed', async () => {
    // Prepare
    const before = slack.posts.length;
    const event = envelope(CostAnomalyDetectedEvent.detailType, {
      ...CostAnomalyDetectedEvent.sample,
      severity: 'apocalyptic',
    });

    // Act / Assess
    await expect(handler(event, context)).rejects.toThrow(/severity/);
    expect(slack.posts.length).toBe(before);
  });

  it('throws and leaves the message unsent so a retry can post it when Slack rejects it', async () => {
    // Prepare
    const event = envelope(CostAnomalyDetectedEvent.detailType, {
      ...CostAnomalyDetectedEvent.sample,
      anomalyId: 'retry-me',
    });
    slack.failNext(400, 1, 'invalid_blocks');
    const before = slack.posts.length;

    // Act
    await expect(handler(event, context)).rejects.toThrow(/invalid_blocks/);
    await handler(event, context);

    // Assess
    expect(slack.posts.length - before).toBe(1);
  });
});
