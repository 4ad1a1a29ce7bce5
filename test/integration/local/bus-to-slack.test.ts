import { PassThrough } from 'node:stream';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE } from '#events/contract';
import { CostAnomalyDetectedEvent } from '#events/cost-anomaly-detected';
import { Consumer } from '#events/routing';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { localAwsEnvironment } from '#infra/local/lambda-events';
import { asBusConsumer, type LocalBus, startLocalBus } from '#infra/local/local-bus';
import { startTerminalSlack, type TerminalSlack } from '#infra/local/terminal-slack';

describe('local transports composed: EventBridgeClient → local bus → notify-slack → terminal Slack', () => {
  let dynamo: EmbeddedDynamo;
  let bus: LocalBus;
  let slack: TerminalSlack;
  const terminal = new PassThrough();
  let rendered = '';
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    terminal.on('data', (chunk: Buffer) => {
      rendered += chunk.toString('utf8');
    });
    [dynamo, bus, slack] = await Promise.all([
      startEmbeddedDynamo(),
      startLocalBus({ eventBusName: 'finops' }),
      startTerminalSlack({ output: terminal, color: false }),
    ]);
    Object.assign(process.env, {
      ...localAwsEnvironment({ dynamodb: dynamo.endpoint }),
      TABLE_NAME: dynamo.tableName,
      SLACK_WEBHOOK_URL: slack.url,
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    const { handler } = await import('#functions/notify-slack/handler');
    bus.register(Consumer.notifySlack, asBusConsumer(Consumer.notifySlack, handler));
  });
  afterAll(async () => {
    process.env = savedEnv;
    await Promise.all([bus.stop(), slack.stop(), dynamo.stop()]);
  });

  it('renders one alert when the same anomaly is published twice in one batch', async () => {
    // Prepare
    const client = new EventBridgeClient({
      endpoint: bus.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const entry = {
      Source: EVENT_SOURCE,
      DetailType: CostAnomalyDetectedEvent.detailType,
      Detail: JSON.stringify(CostAnomalyDetectedEvent.sample),
      EventBusName: 'finops',
    };

    // Act
    await client.send(new PutEventsCommand({ Entries: [entry, entry] }));
    await bus.drain();
    client.destroy();

    // Assess
    expect(bus.deliveries.map((delivery) => delivery.status)).toEqual(['delivered', 'delivered']);
    expect(slack.posts).toHaveLength(1);
    expect(rendered).toContain('🔴 Cost anomaly detected: tag:cost-center = ai-vision');
    expect(rendered).toContain('+USD 1,848.64 (+183%)');
  });

  it('dead-letters a malformed event after two retries and renders nothing', async () => {
    // Prepare
    const postsBefore = slack.posts.length;

    // Act
    bus.putEvent({
      source: EVENT_SOURCE,
      detailType: CostAnomalyDetectedEvent.detailType,
      detail: { schemaVersion: 1 },
    });
    await bus.drain();

    // Assess
    expect(bus.deadLetters).toHaveLength(1);
    expect(bus.deadLetters[0]?.attempts).toBe(3);
    expect(String(bus.deadLetters[0]?.error)).toMatch(/invalid "Cost Anomaly Detected" detail/);
    expect(slack.posts.length).toBe(postsBefore);
  });
});
