import { EndpointScaledEvent } from '#events/endpoint-scaled';
import { renderSlackPayload } from '#infra/local/terminal-slack';
import { buildSlackMessage, parseNotification } from '#shared/notify/notification';

describe('renderSlackPayload', () => {
  it('renders header, fields, reason and buttons as text when the message awaits approval', () => {
    // Prepare
    const message = buildSlackMessage(
      parseNotification(EndpointScaledEvent.detailType, {
        ...EndpointScaledEvent.sample,
        outcome: 'awaiting-approval',
      }),
    );

    // Act
    const rendered = renderSlackPayload({ ...message }, { color: false });

    // Assess
    expect(rendered).toContain('⏳ Scale-down awaiting approval: sentiment-gpu-staging');
    expect(rendered).toContain('Capacity');
    expect(rendered).toContain('2 → 1');
    expect(rendered).toContain('[Approve] [Reject]');
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
