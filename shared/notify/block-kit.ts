/**
 * The small subset of Slack Block Kit our messages use, typed here so the domain does not depend
 * on @slack/types (a transitive package).
 */

/** A text object; `mrkdwn` is parsed for formatting, `plain_text` is shown as is. */
export type TextObject =
  | { type: 'mrkdwn'; text: string }
  | { type: 'plain_text'; text: string; emoji?: boolean };

/** A button in an actions block; `url` buttons open a link, the others call the app's interactivity endpoint. */
export interface ButtonElement {
  type: 'button';
  text: { type: 'plain_text'; text: string; emoji?: boolean };
  action_id: string;
  value?: string;
  url?: string;
  style?: 'primary' | 'danger';
}

/** The blocks our messages are built from. */
export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji?: boolean } }
  | { type: 'section'; text?: TextObject; fields?: TextObject[] }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'actions'; block_id?: string; elements: ButtonElement[] }
  | { type: 'divider' };

/** A webhook payload: `text` is the notification fallback, `blocks` the rendered message. */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

/** A mrkdwn text object. */
export function mrkdwn(text: string): TextObject {
  return { type: 'mrkdwn', text };
}

/** A plain_text object with emoji codes enabled. */
export function plainText(text: string): { type: 'plain_text'; text: string; emoji: true } {
  return { type: 'plain_text', text, emoji: true };
}
