import { type CostAnomalyDetected, CostAnomalyDetectedEvent } from '#events/cost-anomaly-detected';
import { type EndpointScaled, EndpointScaledEvent } from '#events/endpoint-scaled';
import { type RightsizingPrOpened, RightsizingPrOpenedEvent } from '#events/rightsizing-pr-opened';
import type { SlackMessage } from '#shared/notify/block-kit';
import { buildSlackMessage, parseNotification, slackMessageKey } from '#shared/notify/notification';
import {
  buildCostAnomalyMessage,
  buildEndpointScaledMessage,
  buildRightsizingPrMessage,
} from '#shared/notify/slack-messages';

const anomaly = (): CostAnomalyDetected =>
  structuredClone(CostAnomalyDetectedEvent.sample) as CostAnomalyDetected;
const pr = (): RightsizingPrOpened => structuredClone(RightsizingPrOpenedEvent.sample) as RightsizingPrOpened;
const scaled = (): EndpointScaled => structuredClone(EndpointScaledEvent.sample) as EndpointScaled;

/** Every text in the message, in order, for content assertions. */
function allText(message: SlackMessage, { mrkdwnOnly = false } = {}): string {
  const texts: string[] = [message.text];
  for (const block of message.blocks) {
    if (block.type === 'header' && !mrkdwnOnly) texts.push(block.text.text);
    if (block.type === 'section') {
      if (block.text) texts.push(block.text.text);
      for (const field of block.fields ?? []) texts.push(field.text);
    }
    if (block.type === 'context') for (const element of block.elements) texts.push(element.text);
    if (block.type === 'actions') for (const element of block.elements) texts.push(element.text.text);
  }
  return texts.join('\n');
}

describe('buildCostAnomalyMessage', () => {
  it('shows series, day, actual, expected band, impact, severity and contributors when given the sample anomaly', () => {
    // Act
    const message = buildCostAnomalyMessage(anomaly());
    const text = allText(message);

    // Assess
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: {
        type: 'plain_text',
        text: ':red_circle: Cost anomaly detected: tag:cost-center = ai-vision',
        emoji: true,
      },
    });
    expect(text).toContain('2026-08-19');
    expect(text).toContain('USD 2,861.44');
    expect(text).toContain('USD 1,012.80');
    expect(text).toContain('USD 951.20 – USD 1,074.40');
    expect(text).toContain('+USD 1,848.64 (+183%)');
    expect(text).toContain(':red_circle: High');
    expect(text).toContain('*image-captioner*: +USD 1,837.80');
    expect(text).toContain('99% of the change');
  });

  it('lists at most five contributors when the anomaly has more', () => {
    // Prepare
    const detail = anomaly();
    detail.contributors = Array.from({ length: 8 }, (_, index) => ({
      dimension: 'resource',
      value: `worker-${index}`,
      actual: '10',
      expected: '5',
      delta: '5',
      share: 0.125,
    }));

    // Act
    const text = allText(buildCostAnomalyMessage(detail));

    // Assess
    expect(text).toContain('worker-4');
    expect(text).not.toContain('worker-5');
  });

  it('says escalated and shows duration when the severity rose on a multi-day episode', () => {
    // Prepare
    const detail = { ...anomaly(), trigger: 'severity-raised' as const, severity: 'critical' as const };
    detail.startDay = '2026-08-19';
    detail.lastDay = '2026-08-21';
    detail.durationDays = 3;
    detail.cumulativeImpact = '5600.5';

    // Act
    const text = allText(buildCostAnomalyMessage(detail));

    // Assess
    expect(text).toContain(':rotating_light: Cost anomaly escalated');
    expect(text).toContain('ongoing since 2026-08-19 (3 days)');
    expect(text).toContain('+USD 5,600.50 over 3 days');
  });

  it('neutralises mentions, links and formatting when tag and resource values are hostile', () => {
    // Prepare
    const detail = anomaly();
    detail.series = { ...detail.series, key: 'tag:team=<!channel>', value: '<!channel> *urgent*' };
    detail.contributors = [
      {
        dimension: 'resource',
        value: '<https://evil.example|login> @here',
        actual: '1',
        expected: '0',
        delta: '1',
        share: 1,
      },
    ];

    // Act
    const message = buildCostAnomalyMessage(detail);
    const text = allText(message, { mrkdwnOnly: true });

    // Assess
    expect(allText(message)).not.toContain('<!channel>');
    expect(text).not.toContain('<https://evil');
    expect(text).not.toMatch(/@here/);
    expect(text).not.toContain('*urgent*');
  });
});

describe('buildRightsizingPrMessage', () => {
  it('shows workload, monthly savings and a link button when the PR URL is https', () => {
    // Act
    const message = buildRightsizingPrMessage(pr());

    // Assess
    const text = allText(message);
    expect(text).toContain('prod-eks/vision/Deployment/image-captioner');
    expect(text).toContain('USD 142.35 / month');
    expect(text).toContain('<https://github.com/apexlogic/gitops/pull/42|#42>');
    expect(message.blocks.at(-1)).toMatchObject({
      type: 'actions',
      elements: [{ url: 'https://github.com/apexlogic/gitops/pull/42' }],
    });
  });

  it('shows the location as text without a button when the PR lives in a local git repository', () => {
    // Prepare
    const detail = {
      ...pr(),
      backend: 'local-git' as const,
      pullRequest: { number: 3, url: 'file:///tmp/gitops#pr-3' },
    };

    // Act
    const message = buildRightsizingPrMessage(detail);

    // Assess
    expect(message.blocks.some((block) => block.type === 'actions')).toBe(false);
    expect(allText(message)).toContain('file:\u200B///tmp/gitops#pr-3');
  });
});

describe('buildEndpointScaledMessage', () => {
  it('shows endpoint, outcome, reason and capacity before and after when the scale was a dry run', () => {
    // Act
    const text = allText(buildEndpointScaledMessage(scaled()));

    // Assess
    expect(text).toContain('sagemaker/sentiment-gpu-staging');
    expect(text).toContain(':test_tube: dry-run');
    expect(text).toContain('2 → 1');
    expect(text).toContain('would scale from 2 to 1 instance');
  });

  it('shows the pending decision without buttons when the decision awaits approval', () => {
    // Prepare
    const detail = { ...scaled(), outcome: 'awaiting-approval' as const };

    // Act
    const message = buildEndpointScaledMessage(detail);

    // Assess
    expect(allText(message)).toContain(
      ':hourglass_flowing_sand: Scale-down awaiting approval: sentiment-gpu-staging',
    );
    expect(message.blocks.some((block) => block.type === 'actions')).toBe(false);
  });

  it('shows the guardrail rule when a skip was decided by one', () => {
    // Prepare
    const detail = {
      ...scaled(),
      outcome: 'skipped' as const,
      rule: 'protected-namespace',
      reason: 'namespace kube-system is protected',
    };

    // Act
    const text = allText(buildEndpointScaledMessage(detail));

    // Assess
    expect(text).toContain('*Rule*\nprotected-namespace');
    expect(text).toContain(':no_entry_sign: skipped');
  });
});

describe('parseNotification and slackMessageKey', () => {
  it.each([
    [
      CostAnomalyDetectedEvent.detailType,
      CostAnomalyDetectedEvent.sample,
      'slack|Cost Anomaly Detected|USD|tag:cost-center=ai-vision|2026-08-19|high',
    ],
    [
      RightsizingPrOpenedEvent.detailType,
      RightsizingPrOpenedEvent.sample,
      `slack|Rightsizing PR Opened|${RightsizingPrOpenedEvent.sample.recommendationId}|opened`,
    ],
    [
      EndpointScaledEvent.detailType,
      EndpointScaledEvent.sample,
      `slack|Endpoint Scaled|${EndpointScaledEvent.sample.actionId}|dry-run`,
    ],
  ])(
    'keys the %s message by id and severity or outcome when the sample is parsed',
    (detailType, sample, expectedKey) => {
      // Act
      const notification = parseNotification(detailType, sample);

      // Assess
      expect(slackMessageKey(notification)).toBe(expectedKey);
      expect(buildSlackMessage(notification).blocks.length).toBeGreaterThan(1);
    },
  );

  it('throws a validation error naming the field when the detail is malformed', () => {
    // Prepare
    const detail = { ...CostAnomalyDetectedEvent.sample, actual: 12.5 };

    // Act / Assess
    expect(() => parseNotification(CostAnomalyDetectedEvent.detailType, detail)).toThrow(/actual/);
  });

  it('throws when the detail-type is not one notify-slack handles', () => {
    // Act / Assess
    expect(() => parseNotification('Rightsizing Recommended', {})).toThrow(/does not handle/);
  });
});
