import { CostAnomalyDetectedEvent } from '#events/cost-anomaly-detected';
import { EndpointScaledEvent } from '#events/endpoint-scaled';
import type { SlackMessage } from '#shared/notify/block-kit';
import { parseNotification } from '#shared/notify/notification';
import { type EffectOnce, notifySlack, SlackMessageInProgressError } from '#shared/notify/notify-slack';

/** An in-memory effect-once ledger: a key is taken only when its effect succeeds. */
function memoryLedger(): EffectOnce & { keys: Set<string> } {
  const keys = new Set<string>();
  return {
    keys,
    async runOnce(key, effect) {
      if (keys.has(key)) return { status: 'already-done' };
      await effect();
      keys.add(key);
      return { status: 'ran' };
    },
  };
}

describe('notifySlack', () => {
  it('sends once when the same anomaly event is delivered twice', async () => {
    // Prepare
    const sent: SlackMessage[] = [];
    const deps = { send: async (message: SlackMessage) => void sent.push(message), effects: memoryLedger() };
    const notification = parseNotification(
      CostAnomalyDetectedEvent.detailType,
      CostAnomalyDetectedEvent.sample,
    );

    // Act
    const first = await notifySlack(notification, deps);
    const second = await notifySlack(notification, deps);

    // Assess
    expect(sent).toHaveLength(1);
    expect(first.outcome).toBe('sent');
    expect(second.outcome).toBe('duplicate');
  });

  it('sends again when the same anomaly escalates to a higher severity', async () => {
    // Prepare
    const sent: SlackMessage[] = [];
    const deps = { send: async (message: SlackMessage) => void sent.push(message), effects: memoryLedger() };
    const opened = parseNotification(CostAnomalyDetectedEvent.detailType, CostAnomalyDetectedEvent.sample);
    const escalated = parseNotification(CostAnomalyDetectedEvent.detailType, {
      ...CostAnomalyDetectedEvent.sample,
      trigger: 'severity-raised',
      severity: 'critical',
    });

    // Act
    await notifySlack(opened, deps);
    await notifySlack(escalated, deps);

    // Assess
    expect(sent).toHaveLength(2);
  });

  it('propagates the failure and leaves the key free when Slack cannot be reached', async () => {
    // Prepare
    const effects = memoryLedger();
    const failing = { send: async () => Promise.reject(new Error('boom')), effects };
    const notification = parseNotification(
      CostAnomalyDetectedEvent.detailType,
      CostAnomalyDetectedEvent.sample,
    );

    // Act / Assess
    await expect(notifySlack(notification, failing)).rejects.toThrow('boom');
    expect(effects.keys.size).toBe(0);
  });

  it('throws a retryable error without sending when another delivery holds the message key', async () => {
    // Prepare
    const sent: SlackMessage[] = [];
    const busy: EffectOnce = { runOnce: async () => ({ status: 'in-progress' }) };
    const notification = parseNotification(
      CostAnomalyDetectedEvent.detailType,
      CostAnomalyDetectedEvent.sample,
    );

    // Act
    const failure = notifySlack(notification, {
      send: async (message) => void sent.push(message),
      effects: busy,
    });

    // Assess
    await expect(failure).rejects.toBeInstanceOf(SlackMessageInProgressError);
    expect(sent).toHaveLength(0);
  });

  it('skips the post when an endpoint awaits approval, since scale-endpoint posts the approval request', async () => {
    // Prepare
    const sent: SlackMessage[] = [];
    const effects = memoryLedger();
    const notification = parseNotification(EndpointScaledEvent.detailType, {
      ...EndpointScaledEvent.sample,
      outcome: 'awaiting-approval',
    });

    // Act
    const result = await notifySlack(notification, {
      send: async (message) => void sent.push(message),
      effects,
    });

    // Assess
    expect(result.outcome).toBe('skipped');
    expect(sent).toHaveLength(0);
  });
});
