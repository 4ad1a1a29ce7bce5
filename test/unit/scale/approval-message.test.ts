import type { ActionRecord } from '#shared/scale/action-record';
import { ApprovalAction, buildApprovalMessage } from '#shared/scale/approval-message';

const record: ActionRecord = {
  actionId: 'scale|sagemaker|sentiment-gpu-prod|2026-08-16T00:00:00.000Z',
  kind: 'scale-down',
  endpoint: {
    platform: 'sagemaker',
    id: 'sentiment-gpu-prod',
    name: 'sentiment-gpu-prod',
    environment: 'production',
    tags: {},
    gitopsManaged: false,
  },
  outcome: 'awaiting-approval',
  approvalRules: ['environment-requires-approval'],
  reason: 'r',
  via: 'sagemaker-api',
  previousCapacity: 1,
  targetCapacity: 0,
  policyVersion: '2026-08-01',
  decidedAt: '2026-08-16T00:10:00.000Z',
  updatedAt: '2026-08-16T00:10:00.000Z',
  evidence: { summary: '0 invocations in 24 h', wastedPerDay: '33.792', currency: 'USD' },
};

describe('buildApprovalMessage', () => {
  it('carries the action id on Approve and Reject buttons when an approval is needed', () => {
    // Act
    const message = buildApprovalMessage(record);
    // Assess
    const actions = message.blocks.find((block) => block.type === 'actions');
    expect(actions).toMatchObject({
      elements: [
        { action_id: ApprovalAction.approve, value: record.actionId, style: 'primary' },
        { action_id: ApprovalAction.reject, value: record.actionId, style: 'danger' },
      ],
    });
    expect(JSON.stringify(message.blocks)).toContain('USD 33.79 / day');
  });

  it('escapes hostile evidence and names so they cannot ping or link', () => {
    // Prepare
    const hostile = {
      ...record,
      endpoint: { ...record.endpoint, id: '<!channel> *boom*', environment: '<https://evil.example|click>' },
      evidence: { ...record.evidence, summary: '@here see <https://evil.example|this>' },
    };
    // Act
    const text = JSON.stringify(buildApprovalMessage(hostile));
    // Assess
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<https://evil.example');
    expect(text).not.toMatch(/@here/);
  });
});
