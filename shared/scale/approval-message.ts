import { formatCurrency, parseMoney } from '#shared/money';
import { mrkdwn, plainText, type SlackMessage } from '#shared/notify/block-kit';
import { escapeMrkdwn, escapePlainText } from '#shared/notify/slack-text';
import type { ActionRecord } from '#shared/scale/action-record';

/** `action_id` of the buttons; the interactions endpoint dispatches on them. */
export const ApprovalAction = {
  approve: 'finops_scale_approve',
  reject: 'finops_scale_reject',
} as const;

/**
 * The Block Kit message asking a human to approve or reject a scale-down. Every value from the
 * event (names, tags, evidence) is escaped for mrkdwn; the buttons carry the action id as value.
 */
export function buildApprovalMessage(record: ActionRecord): SlackMessage {
  const { endpoint, evidence } = record;
  const cost =
    evidence.wastedPerDay && evidence.currency
      ? `${formatCurrency(parseMoney(evidence.wastedPerDay), evidence.currency)} / day`
      : 'unknown';
  const name = escapeMrkdwn(endpoint.id);
  return {
    text: `Approval needed: scale down ${escapePlainText(endpoint.id)} from ${record.previousCapacity} to ${record.targetCapacity}`,
    blocks: [
      {
        type: 'header',
        text: plainText(`Approval needed: scale down ${escapePlainText(endpoint.name, 120)}`),
      },
      {
        type: 'section',
        fields: [
          mrkdwn(`*Endpoint*\n${name} (${escapeMrkdwn(endpoint.platform)})`),
          mrkdwn(`*Environment*\n${escapeMrkdwn(endpoint.environment ?? 'default')}`),
          mrkdwn(`*Capacity*\n${record.previousCapacity} → ${record.targetCapacity}`),
          mrkdwn(`*Idle cost*\n${escapeMrkdwn(cost)}`),
        ],
      },
      { type: 'section', text: mrkdwn(`*Evidence*\n${escapeMrkdwn(evidence.summary)}`) },
      {
        type: 'context',
        elements: [
          mrkdwn(
            `Approval rules: ${escapeMrkdwn((record.approvalRules ?? []).join(', ') || 'none')} · policy ${escapeMrkdwn(record.policyVersion)} · valid 24 h`,
          ),
        ],
      },
      {
        type: 'actions',
        block_id: 'finops_scale_approval',
        elements: [
          {
            type: 'button',
            text: plainText('Approve'),
            action_id: ApprovalAction.approve,
            value: record.actionId,
            style: 'primary',
          },
          {
            type: 'button',
            text: plainText('Reject'),
            action_id: ApprovalAction.reject,
            value: record.actionId,
            style: 'danger',
          },
        ],
      },
    ],
  };
}
