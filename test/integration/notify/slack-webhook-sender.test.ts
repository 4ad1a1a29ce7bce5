import { CostAnomalyDetectedEvent } from '#events/cost-anomaly-detected';
import { startTerminalSlack, type TerminalSlack } from '#infra/local/terminal-slack';
import { buildSlackMessage, parseNotification } from '#shared/notify/notification';
import { createSlackWebhookSender, SlackDeliveryError } from '#shared/notify/slack-webhook-sender';

const message = buildSlackMessage(
  parseNotification(CostAnomalyDetectedEvent.detailType, CostAnomalyDetectedEvent.sample),
);
const noWait = async () => {};

describe('createSlackWebhookSender against a loopback webhook', () => {
  let slack: TerminalSlack;
  beforeEach(async () => {
    slack = await startTerminalSlack();
  });
  afterEach(async () => {
    await slack.stop();
  });

  it('posts the Block Kit payload when the webhook accepts it', async () => {
    // Prepare
    const send = createSlackWebhookSender({ webhookUrl: slack.url, sleep: noWait });

    // Act
    await send(message);

    // Assess
    expect(slack.posts).toHaveLength(1);
    expect(slack.posts[0]?.payload).toMatchObject({
      text: message.text,
      blocks: message.blocks,
      unfurl_links: false,
    });
  });

  it('retries and delivers when Slack rate-limits and then fails with a 5xx', async () => {
    // Prepare
    slack.failNext(429);
    slack.failNext(503);
    const delays: number[] = [];
    const send = createSlackWebhookSender({
      webhookUrl: slack.url,
      baseDelayMs: 100,
      sleep: async (ms) => void delays.push(ms),
    });

    // Act
    await send(message);

    // Assess
    expect(slack.posts).toHaveLength(1);
    expect(delays).toHaveLength(2);
    expect(delays[1]).toBeGreaterThan(delays[0] ?? Number.POSITIVE_INFINITY);
  });

  it('throws a SlackDeliveryError without retrying when Slack rejects the payload with a 4xx', async () => {
    // Prepare
    slack.failNext(400, 1, 'invalid_blocks');
    const delays: number[] = [];
    const send = createSlackWebhookSender({
      webhookUrl: slack.url,
      sleep: async (ms) => void delays.push(ms),
    });

    // Act
    const failure = await send(message).catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(SlackDeliveryError);
    expect((failure as SlackDeliveryError).message).toContain('invalid_blocks');
    expect((failure as SlackDeliveryError).message).not.toContain(slack.url);
    expect(delays).toHaveLength(0);
    expect(slack.posts).toHaveLength(0);
  });

  it('gives up after maxAttempts when Slack keeps failing', async () => {
    // Prepare
    slack.failNext(500, 5);
    const send = createSlackWebhookSender({ webhookUrl: slack.url, maxAttempts: 3, sleep: noWait });

    // Act
    const failure = await send(message).catch((error: unknown) => error);

    // Assess
    expect(failure).toMatchObject({ status: 500, attempts: 3 });
    expect(slack.posts).toHaveLength(0);
  });
});
