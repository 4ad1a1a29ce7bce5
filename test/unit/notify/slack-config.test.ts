import { readSlackWebhookSource, webhookUrlFromSecret } from '#shared/notify/slack-config';

const ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:finops/slack-webhook-AbCdEf';

describe('readSlackWebhookSource', () => {
  it.each([
    [
      { SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x' },
      { kind: 'url', webhookUrl: 'https://hooks.slack.com/services/T/B/x' },
    ],
    [{ SLACK_WEBHOOK_SECRET_ARN: ARN }, { kind: 'secret', secretArn: ARN }],
    [
      { SLACK_WEBHOOK_URL: 'http://127.0.0.1:9/hook', SLACK_WEBHOOK_SECRET_ARN: ARN },
      { kind: 'url', webhookUrl: 'http://127.0.0.1:9/hook' },
    ],
  ])('reads %j as %j', (env, expected) => {
    // Act
    const source = readSlackWebhookSource(env);

    // Assess
    expect(source).toEqual(expected);
  });

  it('names both variables when neither is set', () => {
    // Act / Assess
    expect(() => readSlackWebhookSource({})).toThrow(
      /SLACK_WEBHOOK_URL or SLACK_WEBHOOK_SECRET_ARN is required/,
    );
  });

  it('fails without echoing the secret value when the URL is malformed', () => {
    // Act
    const failure = (() => {
      try {
        readSlackWebhookSource({ SLACK_WEBHOOK_URL: 'not a url T0SECRET' });
      } catch (error) {
        return error as Error;
      }
    })();

    // Assess
    expect(failure?.message).toMatch(/SLACK_WEBHOOK_URL is not a URL/);
    expect(failure?.message).not.toContain('T0SECRET');
    expect(failure?.cause).toBeUndefined();
  });

  it('fails when the secret ARN is not a Secrets Manager ARN', () => {
    // Act / Assess
    expect(() => readSlackWebhookSource({ SLACK_WEBHOOK_SECRET_ARN: 'finops/slack' })).toThrow(
      /must be a Secrets Manager secret ARN/,
    );
  });
});

describe('webhookUrlFromSecret', () => {
  it.each([
    ['https://hooks.slack.com/services/T/B/x'],
    ['  https://hooks.slack.com/services/T/B/x\n'],
    ['{"webhookUrl":"https://hooks.slack.com/services/T/B/x"}'],
    ['{"url":"https://hooks.slack.com/services/T/B/x"}'],
  ])('extracts the URL when the secret is %j', (secret) => {
    // Act
    const url = webhookUrlFromSecret(secret, ARN);

    // Assess
    expect(url).toBe('https://hooks.slack.com/services/T/B/x');
  });

  it('fails naming the secret but not its value when the JSON has no URL field', () => {
    // Act / Assess
    expect(() => webhookUrlFromSecret('{"token":"xoxb-SECRET"}', ARN)).toThrow(
      /no "webhookUrl" or "url" field/,
    );
    expect(() => webhookUrlFromSecret('{"token":"xoxb-SECRET"}', ARN)).not.toThrow(/xoxb-SECRET/);
  });
});
