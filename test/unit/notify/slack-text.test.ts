import { escapeMrkdwn, escapePlainText, escapeSlackEntities } from '#shared/notify/slack-text';

const ZWSP = '\u200B';

describe('escapeSlackEntities', () => {
  it.each([
    ['a & b', 'a &amp; b'],
    ['<!here>', '&lt;!here&gt;'],
    ['<https://evil.example|click>', '&lt;https://evil.example|click&gt;'],
    ['<@U123ABC>', '&lt;@U123ABC&gt;'],
    ['&amp;', '&amp;amp;'],
  ])('turns %j into %j when the text holds entity characters', (input, expected) => {
    // Act
    const escaped = escapeSlackEntities(input);

    // Assess
    expect(escaped).toBe(expected);
  });
});

describe('escapeMrkdwn', () => {
  it.each(['*bold*', '_italic_', '~strike~', '`code`'])(
    'leaves no formatting marker next to a letter when the text is %j',
    (input) => {
      // Act
      const escaped = escapeMrkdwn(input);

      // Assess
      expect(escaped).not.toMatch(/[*_~`][a-z]|[a-z][*_~`]/);
      expect(escaped.replaceAll(ZWSP, '')).toBe(input);
    },
  );

  it.each(['@channel', '@here', '@everyone', 'ping @Channel now'])(
    'breaks the broadcast word when the text is %j',
    (input) => {
      // Act
      const escaped = escapeMrkdwn(input);

      // Assess
      expect(escaped).not.toMatch(/@(channel|here|everyone)/i);
    },
  );

  it('breaks link syntax and bare URLs when a tag value carries a link', () => {
    // Prepare
    const tagValue = '<https://evil.example/login|Reset your password> or http://evil.example';

    // Act
    const escaped = escapeMrkdwn(tagValue);

    // Assess
    expect(escaped).not.toContain('<');
    expect(escaped).not.toContain('>');
    expect(escaped).not.toContain('://');
  });

  it('replaces newlines and truncates when a value is long and multi-line', () => {
    // Prepare
    const value = `line one\nline two ${'x'.repeat(500)}`;

    // Act
    const escaped = escapeMrkdwn(value, 50);

    // Assess
    expect(escaped).not.toContain('\n');
    expect(Array.from(escaped)).toHaveLength(50);
    expect(escaped.endsWith('…')).toBe(true);
  });

  it('keeps ordinary text unchanged when nothing needs escaping', () => {
    // Act
    const escaped = escapeMrkdwn('ai-vision image-captioner 2026-08-19');

    // Assess
    expect(escaped).toBe('ai-vision image-captioner 2026-08-19');
  });
});

describe('escapePlainText', () => {
  it('escapes entities but keeps formatting characters when the text is for plain_text', () => {
    // Act
    const escaped = escapePlainText('a_b *c* <d>');

    // Assess
    expect(escaped).toBe('a_b *c* &lt;d&gt;');
  });
});
