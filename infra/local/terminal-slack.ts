import { createServer, type IncomingMessage, type Server } from 'node:http';
import { closeServer, listenOnLoopback } from './loopback';

/** One webhook POST the server received. */
export interface RecordedSlackPost {
  path: string;
  payload: SlackPayload;
}

/** The parts of a webhook payload the renderer reads (loosely typed: any JSON is recorded). */
export interface SlackPayload {
  text?: string;
  blocks?: unknown[];
  [key: string]: unknown;
}

/** A loopback Slack incoming-webhook stand-in: records every payload and renders it to a stream. */
export interface TerminalSlack {
  /** The webhook URL to put in SLACK_WEBHOOK_URL. */
  url: string;
  /** Every accepted payload, in arrival order. */
  readonly posts: readonly RecordedSlackPost[];
  /** Makes the next `count` requests answer `status` (e.g. 429 or 500) without recording, to test retries. */
  failNext(status: number, count?: number, body?: string): void;
  stop(): Promise<void>;
}

export interface TerminalSlackProps {
  /** Where messages are rendered; nothing is rendered when absent (a silent recorder). */
  output?: NodeJS.WritableStream;
  /** ANSI bold/dim (default: true when output is a TTY). */
  color?: boolean;
}

/**
 * Starts the stand-in on 127.0.0.1 and a free port. Answers `ok` with HTTP 200 like Slack, and
 * HTTP 400 `invalid_payload` for a body that is not JSON.
 */
export async function startTerminalSlack(props: TerminalSlackProps = {}): Promise<TerminalSlack> {
  const posts: RecordedSlackPost[] = [];
  const faults: { status: number; body: string }[] = [];
  const color = props.color ?? Boolean((props.output as { isTTY?: boolean } | undefined)?.isTTY);
  const server: Server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const fault = faults.shift();
      if (fault) {
        response.writeHead(fault.status, { 'content-type': 'text/plain' }).end(fault.body);
        return;
      }
      let payload: SlackPayload;
      try {
        payload = JSON.parse(body) as SlackPayload;
      } catch {
        response.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload');
        return;
      }
      posts.push({ path: request.url ?? '/', payload });
      if (props.output) props.output.write(renderSlackPayload(payload, { color }));
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  const baseUrl = await listenOnLoopback(server);
  return {
    url: `${baseUrl}/services/T000LOCAL/B000LOCAL/local`,
    posts,
    failNext(status, count = 1, body = status === 429 ? 'rate_limited' : 'internal_error') {
      for (let index = 0; index < count; index += 1) faults.push({ status, body });
    },
    stop: () => closeServer(server),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

const EMOJI: Readonly<Record<string, string>> = {
  ':large_blue_circle:': '🔵',
  ':large_yellow_circle:': '🟡',
  ':red_circle:': '🔴',
  ':rotating_light:': '🚨',
  ':no_entry_sign:': '🚫',
  ':test_tube:': '🧪',
  ':hourglass_flowing_sand:': '⏳',
  ':arrow_down:': '⬇️',
  ':arrow_up:': '⬆️',
  ':x:': '❌',
  ':no_entry:': '⛔',
  ':hammer_and_wrench:': '🛠️',
  ':white_check_mark:': '✅',
  ':warning:': '⚠️',
};

type Block = Record<string, unknown>;
type TextObject = { type?: string; text?: string };

/**
 * Renders a Block Kit payload as readable terminal text: headers boxed, sections and fields as
 * lines, context dimmed, buttons as `[Approve] [Reject]`, dividers as a rule. Exported for tests.
 */
export function renderSlackPayload(payload: SlackPayload, options: { color?: boolean } = {}): string {
  const bold = (text: string) => (options.color ? `\u001b[1m${text}\u001b[22m` : text);
  const dim = (text: string) => (options.color ? `\u001b[2m${text}\u001b[22m` : text);
  const lines: string[] = ['', dim('┌─ Slack ─────────────────────────────────────────────────────────')];
  const blocks = Array.isArray(payload.blocks) ? (payload.blocks as Block[]) : [];
  if (blocks.length === 0 && payload.text) lines.push(`│ ${readable(payload.text, bold)}`);
  for (const block of blocks) {
    switch (block.type) {
      case 'header':
        lines.push(`│ ${bold(readable(textOf(block.text), bold))}`);
        break;
      case 'section': {
        if (block.text)
          for (const line of readable(textOf(block.text), bold).split('\n')) lines.push(`│ ${line}`);
        const fields = Array.isArray(block.fields) ? (block.fields as TextObject[]) : [];
        for (const field of fields) {
          const [label = '', ...rest] = readable(textOf(field), bold).split('\n');
          lines.push(`│   ${label.padEnd(22)} ${rest.join(' · ')}`);
        }
        break;
      }
      case 'context': {
        const elements = Array.isArray(block.elements) ? (block.elements as TextObject[]) : [];
        lines.push(
          `│ ${dim(elements.map((element) => readable(textOf(element), (text) => text)).join('  '))}`,
        );
        break;
      }
      case 'actions': {
        const elements = Array.isArray(block.elements)
          ? (block.elements as { text?: TextObject; url?: string }[])
          : [];
        const buttons = elements.map((element) => {
          const label = `[${readable(textOf(element.text), (text) => text)}]`;
          return element.url ? `${label} ${dim(`(${element.url})`)}` : label;
        });
        lines.push(`│ ${buttons.join(' ')}`);
        break;
      }
      case 'divider':
        lines.push(dim('├──────────────────────────────────────────────────────────────────'));
        break;
      default:
        lines.push(`│ ${dim(`(${String(block.type)} block)`)}`);
    }
  }
  lines.push(dim('└──────────────────────────────────────────────────────────────────'), '');
  return lines.join('\n');
}

function textOf(value: unknown): string {
  return typeof value === 'object' && value !== null && typeof (value as TextObject).text === 'string'
    ? ((value as TextObject).text as string)
    : '';
}

/** mrkdwn → terminal: emoji codes to glyphs, links to `label (url)`, entities decoded, zero-width spaces dropped. */
function readable(text: string, bold: (text: string) => string): string {
  return (
    text
      .replace(/:[a-z0-9_+-]+:/g, (code) => EMOJI[code] ?? code)
      .replace(/<(https?:\/\/[^|>]+)\|([^>]+)>/g, '$2 ($1)')
      .replace(/<(https?:\/\/[^>]+)>/g, '$1')
      // Escaped markers are wrapped in zero-width spaces: they stay literal, as in Slack.
      .replace(/(?<!\u200B)\*(?!\u200B)([^*\n]+?)(?<!\u200B)\*(?!\u200B)/g, (_match, inner: string) =>
        bold(inner),
      )
      .replace(/(?<![\u200B\w])_(?!\u200B)([^_\n]+?)(?<!\u200B)_(?![\u200B\w])/g, '$1')
      .replace(/\u200B/g, '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
  );
}
