import { EndpointScaledEvent } from '#events/endpoint-scaled';
import { renderSlackPayload } from '#infra/local/terminal-slack';
import { buildSlackMessage, parseNotification } from '#shared/notify/notification';

describe('renderSlackPayload', () => {
  it('renders header, fields and reason as text when given a scaling message', () => {
    // Prepare
    const message = buildSlackMessage(
      parseNotification(EndpointScaledEvent.detailType, EndpointScaledEvent.sample),
    );

    // Act
    const rendered = renderSlackPayload({ ...message }, { color: false });

    // Assess
    expect(rendered).toContain('🧪 Scale-down dry run: sentiment-gpu-staging');
    expect(rendered).toMatch(/Capacity\s+2 → 1/);
    expect(rendered).toContain('would scale from 2 to 1 instance');
  });

  it('renders buttons as bracketed labels when the message asks for approval', () => {
    // Prepare
    const payload = {
      text: 'Approval needed',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Approval needed: scale down x' } },
        {
          type: 'actions',
          elements: [
            { type: 'button', text: { type: 'plain_text', text: 'Approve' }, action_id: 'a', value: '1' },
            { type: 'button', text: { type: 'plain_text', text: 'Reject' }, action_id: 'r', value: '1' },
          ],
        },
        { type: 'divider' },
      ],
    };

    // Act
    const rendered = renderSlackPayload(payload, { color: false });

    // Assess
    expect(rendered).toContain('│ [Approve] [Reject]');
    expect(rendered).toContain('├───');
  });

  it('decodes entities and keeps escaped markers literal when text was escaped', () => {
    // Prepare
    const payload = {
      blocks: [
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '*Series* \u200B*\u200Bx\u200B*\u200B &lt;y&gt; :red_circle:' },
        },
      ],
    };

    // Act
    const rendered = renderSlackPayload(payload, { color: true });

    // Assess
    expect(rendered).toContain('\u001b[1mSeries\u001b[22m *x* <y> 🔴');
  });
});
