import { SlackSignatureError, slackSignature, verifySlackRequest } from '#shared/slack/slack-signature';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const NOW = new Date('2026-08-16T09:00:00.000Z');
const TIMESTAMP = String(NOW.getTime() / 1000);
const BODY = 'payload=%7B%22type%22%3A%22block_actions%22%7D';

function claimOnce() {
  const seen = new Set<string>();
  return async (signature: string) => {
    if (seen.has(signature)) return false;
    seen.add(signature);
    return true;
  };
}

function request(
  overrides: { secret?: string; timestamp?: string; body?: string; signature?: string | null } = {},
) {
  const timestamp = overrides.timestamp ?? TIMESTAMP;
  const signature =
    overrides.signature === null
      ? undefined
      : (overrides.signature ?? slackSignature(overrides.secret ?? SECRET, timestamp, BODY));
  return {
    signingSecret: SECRET,
    headers: { 'X-Slack-Request-Timestamp': timestamp, 'X-Slack-Signature': signature },
    rawBody: overrides.body ?? BODY,
    now: NOW,
    claimSignature: claimOnce(),
  };
}

describe('verifySlackRequest', () => {
  it('accepts a request signed with the signing secret within 5 minutes', async () => {
    await expect(verifySlackRequest(request())).resolves.toBeUndefined();
  });

  it('matches the signature documented by Slack for its example request', () => {
    // Slack's "Verifying requests from Slack" worked example.
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(slackSignature(SECRET, '1531420618', body)).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });

  it.each([
    ['a wrong secret', { secret: 'not-the-secret' }, /does not match/],
    ['a tampered body', { body: `${BODY}x` }, /does not match/],
    ['a stale timestamp (6 minutes old)', { timestamp: String(NOW.getTime() / 1000 - 360) }, /stale/],
    ['a timestamp from the future', { timestamp: String(NOW.getTime() / 1000 + 360) }, /stale/],
    ['no signature', { signature: null }, /missing/],
    ['a malformed signature', { signature: 'v0=zz' }, /does not match/],
  ])('rejects %s', async (_name, overrides, message) => {
    await expect(verifySlackRequest(request(overrides))).rejects.toThrow(SlackSignatureError);
    await expect(verifySlackRequest(request(overrides))).rejects.toThrow(message);
  });

  it('rejects a replay of the same signed request', async () => {
    // Prepare
    const first = request();
    await verifySlackRequest(first);
    // Act
    const replay = verifySlackRequest({ ...first });
    // Assess
    await expect(replay).rejects.toThrow(/replayed/);
  });
});
