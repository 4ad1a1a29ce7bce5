import type { AnomalyContributor, CostAnomalyDetected } from '#events/cost-anomaly-detected';
import type { EndpointScaled } from '#events/endpoint-scaled';
import type { RightsizingPrOpened } from '#events/rightsizing-pr-opened';
import { formatCurrency, type Money, parseMoney } from '#shared/money';
import { mrkdwn, plainText, type SlackBlock, type SlackMessage } from './block-kit';
import { escapeMrkdwn, escapePlainText } from './slack-text';

/** Contributors listed in an anomaly message (Slack sections stay short and readable). */
export const MAX_CONTRIBUTORS_SHOWN = 5;

/** Slack emoji per anomaly severity, from least to most urgent. */
export const SEVERITY_EMOJI: Readonly<Record<CostAnomalyDetected['severity'], string>> = {
  low: ':large_blue_circle:',
  medium: ':large_yellow_circle:',
  high: ':red_circle:',
  critical: ':rotating_light:',
};

/** Slack emoji per scaling outcome. */
export const OUTCOME_EMOJI: Readonly<Record<EndpointScaled['outcome'], string>> = {
  skipped: ':no_entry_sign:',
  'dry-run': ':test_tube:',
  'awaiting-approval': ':hourglass_flowing_sand:',
  executed: ':arrow_down:',
  failed: ':x:',
  rejected: ':no_entry:',
  restored: ':arrow_up:',
};

/** Human headline per scaling outcome. */
const OUTCOME_HEADLINE: Readonly<Record<EndpointScaled['outcome'], string>> = {
  skipped: 'Scale-down skipped',
  'dry-run': 'Scale-down dry run',
  'awaiting-approval': 'Scale-down awaiting approval',
  executed: 'Endpoint scaled down',
  failed: 'Scaling failed',
  rejected: 'Scale-down rejected',
  restored: 'Endpoint restored',
};

/** Builds the alert for a cost anomaly episode (opened or escalated). Pure; all bill text is escaped. */
export function buildCostAnomalyMessage(anomaly: CostAnomalyDetected): SlackMessage {
  const currency = anomaly.series.currency;
  const money = (text: string) => formatCurrency(parseMoney(text), currency);
  const signedMoney = (text: string) => withSign(parseMoney(text), currency);
  const seriesLabel = `${anomaly.series.dimension} = ${anomaly.series.value}`;
  const severity = `${SEVERITY_EMOJI[anomaly.severity]} ${capitalise(anomaly.severity)}`;
  const verb = anomaly.trigger === 'severity-raised' ? 'escalated' : 'detected';

  const dayText =
    anomaly.durationDays > 1
      ? `${anomaly.lastDay}\n_ongoing since ${anomaly.startDay} (${anomaly.durationDays} days)_`
      : anomaly.lastDay;
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: plainText(
        `${SEVERITY_EMOJI[anomaly.severity]} Cost anomaly ${verb}: ${escapePlainText(seriesLabel, 100)}`,
      ),
    },
    {
      type: 'section',
      text: mrkdwn(
        `*Series* \`${escapeMrkdwn(anomaly.series.key)}\` spent *${money(anomaly.actual)}* on ${anomaly.lastDay}, ` +
          `expected *${money(anomaly.expected)}* (normal range ${money(anomaly.expectedLow)} – ${money(anomaly.expectedHigh)}).`,
      ),
    },
    {
      type: 'section',
      fields: [
        mrkdwn(`*Day*\n${dayText}`),
        mrkdwn(`*Severity*\n${severity} (score ${anomaly.score.toFixed(2)})`),
        mrkdwn(`*Actual*\n${money(anomaly.actual)}`),
        mrkdwn(`*Expected*\n${money(anomaly.expected)}`),
        mrkdwn(`*Impact*\n${signedMoney(anomaly.impact)} (${signedPercent(anomaly.impactPercent)})`),
        mrkdwn(
          `*Cumulative impact*\n${signedMoney(anomaly.cumulativeImpact)} over ${anomaly.durationDays} ${plural(anomaly.durationDays, 'day')}`,
        ),
      ],
    },
  ];
  const contributors = anomaly.contributors.slice(0, MAX_CONTRIBUTORS_SHOWN);
  if (contributors.length > 0) {
    blocks.push({
      type: 'section',
      text: mrkdwn(
        `*Top contributors*\n${contributors.map((contributor) => contributorLine(contributor, currency)).join('\n')}`,
      ),
    });
  }
  blocks.push({
    type: 'context',
    elements: [
      mrkdwn(
        `monitor ${escapeMrkdwn(anomaly.monitor)} · detector ${escapeMrkdwn(anomaly.detectorVersion)} · ` +
          `anomaly ${escapeMrkdwn(anomaly.anomalyId)} · ${anomaly.status} · detected ${anomaly.detectedAt}`,
      ),
    ],
  });
  return {
    text: `${capitalise(anomaly.severity)} cost anomaly ${verb} on ${escapeMrkdwn(seriesLabel)} (${anomaly.lastDay}): ${signedMoney(anomaly.impact)} vs expected`,
    blocks,
  };
}

/** Builds the note that a rightsizing pull request was opened (or updated). */
export function buildRightsizingPrMessage(pr: RightsizingPrOpened): SlackMessage {
  const workload = `${pr.workload.cluster}/${pr.workload.namespace}/${pr.workload.kind}/${pr.workload.name}`;
  const savings = `${formatCurrency(parseMoney(pr.monthlySavings), pr.currency)} / month`;
  const verb = pr.action === 'opened' ? 'opened' : pr.action === 'updated' ? 'updated' : 'unchanged';
  const prLabel = `#${pr.pullRequest.number}`;
  const link = safeLinkUrl(pr.pullRequest.url);
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: plainText(
        `:hammer_and_wrench: Rightsizing PR ${verb}: ${escapePlainText(pr.workload.name, 100)}`,
      ),
    },
    {
      type: 'section',
      fields: [
        mrkdwn(`*Workload*\n\`${escapeMrkdwn(workload)}\``),
        mrkdwn(`*Estimated savings*\n${savings}`),
        mrkdwn(
          `*Pull request*\n${link ? `<${link}|${escapeMrkdwn(prLabel)}>` : `${escapeMrkdwn(prLabel)} ${escapeMrkdwn(pr.pullRequest.url)}`}`,
        ),
        mrkdwn(`*Repository*\n${escapeMrkdwn(pr.repository)} (${escapeMrkdwn(pr.branch)})`),
      ],
    },
  ];
  if (pr.filesChanged.length > 0) {
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(
          `files: ${pr.filesChanged
            .slice(0, 5)
            .map((file) => escapeMrkdwn(file, 120))
            .join(', ')}`,
        ),
      ],
    });
  }
  if (link) {
    blocks.push({
      type: 'actions',
      elements: [
        { type: 'button', text: plainText('View pull request'), action_id: 'view-pull-request', url: link },
      ],
    });
  }
  return { text: `Rightsizing PR ${verb} for ${escapeMrkdwn(workload)}: saves ${savings}`, blocks };
}

/**
 * Builds the audit note of a scaling decision. It carries no buttons: the interactive approval
 * request is scale-endpoint's own message (shared/scale/approval-message.ts).
 */
export function buildEndpointScaledMessage(scaled: EndpointScaled): SlackMessage {
  const endpoint = `${scaled.endpoint.platform}/${scaled.endpoint.name}`;
  const capacity = `${scaled.previousCapacity} → ${scaled.targetCapacity}`;
  const fields = [
    mrkdwn(`*Endpoint*\n\`${escapeMrkdwn(endpoint)}\``),
    mrkdwn(`*Outcome*\n${OUTCOME_EMOJI[scaled.outcome]} ${scaled.outcome}`),
    mrkdwn(`*Capacity*\n${capacity}`),
    mrkdwn(`*Via*\n${scaled.via}`),
  ];
  if (scaled.rule) fields.push(mrkdwn(`*Rule*\n${escapeMrkdwn(scaled.rule)}`));
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: plainText(
        `${OUTCOME_EMOJI[scaled.outcome]} ${OUTCOME_HEADLINE[scaled.outcome]}: ${escapePlainText(scaled.endpoint.name, 100)}`,
      ),
    },
    { type: 'section', fields },
    { type: 'section', text: mrkdwn(`*Reason*\n${escapeMrkdwn(scaled.reason, 1000)}`) },
  ];
  const link = scaled.pullRequestUrl ? safeLinkUrl(scaled.pullRequestUrl) : undefined;
  if (scaled.pullRequestUrl) {
    blocks.push({
      type: 'section',
      text: mrkdwn(`*Pull request*\n${link ? `<${link}|view>` : escapeMrkdwn(scaled.pullRequestUrl)}`),
    });
  }
  blocks.push({
    type: 'context',
    elements: [
      mrkdwn(
        `action ${escapeMrkdwn(scaled.actionId)} · policy ${escapeMrkdwn(scaled.policyVersion)} · ${scaled.decidedAt}`,
      ),
    ],
  });
  return { text: `Endpoint ${escapeMrkdwn(endpoint)} ${scaled.outcome}: capacity ${capacity}`, blocks };
}

function contributorLine(contributor: AnomalyContributor, currency: string): string {
  const share = `${Math.round(contributor.share * 100)}% of the change`;
  return (
    `• ${escapeMrkdwn(contributor.dimension, 40)} *${escapeMrkdwn(contributor.value, 120)}*: ` +
    `${withSign(parseMoney(contributor.delta), currency)} (${formatCurrency(parseMoney(contributor.expected), currency)} → ` +
    `${formatCurrency(parseMoney(contributor.actual), currency)}), ${share}`
  );
}

/** Only http(s) URLs without characters that could break out of Slack's `<url|label>` syntax. */
function safeLinkUrl(url: string): string | undefined {
  return /^https?:\/\/[^\s<>|"]+$/.test(url) && url.length <= 3000 ? url : undefined;
}

function withSign(amount: Money, currency: string): string {
  return amount > 0n ? `+${formatCurrency(amount, currency)}` : formatCurrency(amount, currency);
}

function signedPercent(percent: number): string {
  const text = `${Math.abs(percent) >= 100 ? percent.toFixed(0) : percent.toFixed(1)}%`;
  return percent > 0 ? `+${text}` : text;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}
