/**
 * Text safety for Slack. Everything that comes from bills, tags, manifests or other events is
 * untrusted: it could close a formatting span, ping a whole channel or smuggle a link.
 */

const ZERO_WIDTH_SPACE = '\u200B';
/** Characters Slack reads as formatting markers in mrkdwn. Slack has no escape for them. */
const FORMATTING_MARKERS = /[*_~`]/g;
/** Broadcast mentions written as plain words (Slack may resolve them when link_names is on). */
const BROADCAST_WORDS = /@(channel|here|everyone)\b/gi;
/** A URL scheme separator: breaking it stops Slack from auto-linking an attacker's URL. */
const URL_SCHEME = /:\/\//g;

/** Longest untrusted value we place in a message; Slack caps fields at 2,000 and sections at 3,000. */
export const MAX_VALUE_LENGTH = 300;

/**
 * Escapes the three characters Slack requires as entities (`&`, `<`, `>`). Alone it already
 * defuses `<!here>`, `<@U123>` and `<https://evil|click me>`; use it for plain_text objects.
 */
export function escapeSlackEntities(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Makes untrusted text inert inside mrkdwn: entities escaped, formatting markers wrapped in
 * zero-width spaces (so they cannot pair up into bold/italic/strike/code), broadcast words and
 * URL schemes broken, control characters dropped, and the result truncated to `maxLength`.
 */
export function escapeMrkdwn(text: string, maxLength = MAX_VALUE_LENGTH): string {
  return escapeSlackEntities(truncate(stripControl(text), maxLength))
    .replace(FORMATTING_MARKERS, (marker) => `${ZERO_WIDTH_SPACE}${marker}${ZERO_WIDTH_SPACE}`)
    .replace(BROADCAST_WORDS, (_match, word: string) => `@${ZERO_WIDTH_SPACE}${word}`)
    .replace(URL_SCHEME, `:${ZERO_WIDTH_SPACE}//`);
}

/** Untrusted text for a plain_text object (headers, button labels): entities escaped, truncated. */
export function escapePlainText(text: string, maxLength = MAX_VALUE_LENGTH): string {
  return escapeSlackEntities(truncate(stripControl(text), maxLength));
}

function stripControl(text: string): string {
  // Newlines inside a value would let it fake extra message lines; tabs are harmless but ugly.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  return text.replace(/[\u0000-\u001F\u007F\u2028\u2029]+/g, ' ');
}

function truncate(text: string, maxLength: number): string {
  const chars = Array.from(text);
  return chars.length <= maxLength ? text : `${chars.slice(0, maxLength - 1).join('')}…`;
}
