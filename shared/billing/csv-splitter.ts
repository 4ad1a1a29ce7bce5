import { isAscii } from 'node:buffer';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** Receives one CSV record: its fields (quotes removed, `""` unescaped) and the 1-based line it starts on. */
export type CsvRowHandler = (fields: string[], line: number) => void;

/** Receives a record that could not be split (an unterminated quote at end of input). */
export type CsvBadRecordHandler = (line: number, reason: string) => void;

const QUOTE = 34;
const COMMA = 44;
const CR = 13;
const LF = 10;

/**
 * A quote-aware, incremental CSV splitter (RFC 4180 plus what billing exports contain: CRLF or LF,
 * a UTF-8 BOM, quoted fields holding commas, newlines and doubled quotes). Feed it text chunks of
 * any size; it emits whole records and keeps only the unfinished tail, so memory is one record.
 * Line numbers are physical lines (a quoted newline advances them), header = line 1.
 * It is built on `indexOf` over cached delimiter positions, which is what makes it fast in V8.
 */
export class CsvSplitter {
  private rest = '';
  private line = 1;
  private started = false;
  /** Columns whose text is needed (undefined = all); the others are passed as ''. */
  private wanted: Uint8Array | undefined;
  /** One fields array reused for every record (only when the handler does not keep it). */
  private shared: string[] | undefined;

  constructor(
    private readonly onRow: CsvRowHandler,
    private readonly onBadRecord: CsvBadRecordHandler = () => {},
    /** Line number of the first record fed (a byte-range worker starts mid-file). */
    firstLine = 1,
  ) {
    this.line = firstLine;
  }

  /**
   * From the next record on, cuts out only the text of `columns` (0-based; the others arrive as
   * '', the field count stays exact), and, when `reuseFields`, hands the same array to every
   * call (the handler must not keep it). Undefined columns = every column. `rawColumns` (needs
   * a projection) arrive with the doubled quotes of a quoted field kept, saving a copy.
   */
  project(
    columns: readonly number[] | undefined,
    reuseFields = false,
    rawColumns: readonly number[] = [],
  ): void {
    if (columns === undefined) this.wanted = undefined;
    else {
      const wanted = new Uint8Array(Math.max(0, ...columns, ...rawColumns) + 1);
      for (const c of columns) wanted[c] = 1;
      for (const c of rawColumns) wanted[c] = 2;
      this.wanted = wanted;
    }
    this.shared = reuseFields ? [] : undefined;
  }

  /** Feeds the next chunk of text. */
  push(chunk: string): void {
    if (chunk === '') return;
    let text = chunk;
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.rest = this.split(this.rest === '' ? text : this.rest + text, false);
  }

  /** Flushes the last record (one without a trailing newline). */
  end(): void {
    if (this.rest !== '') this.rest = this.split(this.rest, true);
  }

  /** Splits complete records out of `text`; returns the unfinished tail. */
  private split(text: string, final: boolean): string {
    const n = text.length;
    let pos = 0;
    let nextComma = text.indexOf(',');
    let nextLf = text.indexOf('\n');
    const wanted = this.wanted;
    const wantedCount = wanted === undefined ? 0 : wanted.length;
    while (pos < n) {
      const recordStart = pos;
      let extraLines = 0;
      const fields: string[] = this.shared ?? [];
      let col = 0;
      let complete = false;
      let unterminated = false;
      for (;;) {
        const mode = wanted === undefined ? 1 : col < wantedCount ? wanted[col]! : 0;
        const keep = mode !== 0;
        if (text.charCodeAt(pos) === QUOTE) {
          // Newlines before this field were counted already: only those inside it add lines.
          if (nextLf !== -1 && nextLf < pos) nextLf = text.indexOf('\n', pos);
          let q = pos + 1;
          const segStart = q;
          let value = '';
          let close = -1;
          let doubled = false;
          for (;;) {
            close = text.indexOf('"', q);
            if (close < 0 || (close + 1 >= n && !final)) break;
            if (text.charCodeAt(close + 1) === QUOTE) {
              doubled = true;
              q = close + 2;
              continue;
            }
            break;
          }
          if (close < 0 || (close + 1 >= n && !final)) {
            if (!final) return text.slice(recordStart);
            // Unterminated quote at end of input: take the rest as the field, report the record.
            if (keep) value = unquote(text.slice(segStart), doubled);
            close = n;
            unterminated = true;
          } else if (keep) {
            // One flat string (not a concatenation), so hashing it as a Map key is cheap.
            value = unquote(text.slice(segStart, close), doubled && mode === 1);
          }
          pos = close + 1;
          while (nextLf !== -1 && nextLf < pos) {
            extraLines++;
            nextLf = text.indexOf('\n', nextLf + 1);
          }
          // Text between the closing quote and the delimiter is kept verbatim (lenient).
          const c = text.charCodeAt(pos);
          if (pos >= n || c === COMMA || c === LF || c === CR) {
            fields[col++] = value;
          } else {
            if (nextComma !== -1 && nextComma < pos) nextComma = text.indexOf(',', pos);
            const stop = nextComma !== -1 && (nextLf === -1 || nextComma < nextLf) ? nextComma : nextLf;
            if (stop === -1 && !final) return text.slice(recordStart);
            const end = stop === -1 ? n : stop;
            fields[col++] = keep ? value + stripCr(text, pos, end) : '';
            pos = end;
          }
          const d = text.charCodeAt(pos);
          if (d === COMMA) {
            pos++;
            continue;
          }
          if (d === CR && pos + 1 >= n && !final) return text.slice(recordStart);
          if (d === CR && text.charCodeAt(pos + 1) === LF) pos++;
          if (pos >= n && !final) return text.slice(recordStart);
          pos = Math.min(pos + 1, n);
          if (nextLf !== -1 && nextLf < pos) nextLf = text.indexOf('\n', pos);
          complete = true;
          break;
        }
        if (nextComma !== -1 && nextComma < pos) nextComma = text.indexOf(',', pos);
        if (nextLf !== -1 && nextLf < pos) nextLf = text.indexOf('\n', pos);
        if (nextComma !== -1 && (nextLf === -1 || nextComma < nextLf)) {
          fields[col++] = keep ? text.slice(pos, nextComma) : '';
          pos = nextComma + 1;
          continue;
        }
        if (nextLf === -1) {
          if (!final) return text.slice(recordStart);
          fields[col++] = keep ? stripCr(text, pos, n) : '';
          pos = n;
        } else {
          fields[col++] = keep ? stripCr(text, pos, nextLf) : '';
          pos = nextLf + 1;
        }
        complete = true;
        break;
      }
      if (complete) {
        if (fields.length !== col) fields.length = col;
        const line = this.line;
        this.line += 1 + extraLines;
        if (unterminated) this.onBadRecord(line, 'unterminated-quote');
        else if (
          !(col === 1 && fields[0] === '' && (wanted === undefined || isBlank(text, recordStart, pos)))
        )
          this.onRow(fields, line);
      }
    }
    return '';
  }
}

/** The text of a quoted field with its doubled quotes undone. */
function unquote(raw: string, doubled: boolean): string {
  return doubled ? raw.replaceAll('""', '"') : raw;
}

/** True when the record text between `start` and `end` is only a line break (a blank line). */
function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== CR && c !== LF) return false;
  }
  return true;
}

function stripCr(text: string, start: number, end: number): string {
  return end > start && text.charCodeAt(end - 1) === CR ? text.slice(start, end - 1) : text.slice(start, end);
}

/**
 * Splits a byte stream of UTF-8 CSV into records. Pulls one chunk at a time (`for await`), so
 * a slow consumer applies backpressure to the source.
 */
export async function splitCsvStream(
  stream: Readable,
  onRow: CsvRowHandler,
  onBadRecord?: CsvBadRecordHandler,
  firstLine = 1,
  /** Called with the splitter before the first chunk (e.g. to project columns once the header is known). */
  onSplitter?: (splitter: CsvSplitter) => void,
): Promise<void> {
  const decoder = new StringDecoder('utf8');
  const splitter = new CsvSplitter(onRow, onBadRecord, firstLine);
  onSplitter?.(splitter);
  // Whether the decoder may hold the first bytes of a character split across chunks.
  let pending = false;
  for await (const chunk of stream) {
    if (typeof chunk === 'string') {
      splitter.push(chunk);
    } else if (!pending && isAscii(chunk as Buffer)) {
      // ASCII is its own Latin-1 text: a copy instead of a UTF-8 decode (about twice as fast).
      splitter.push((chunk as Buffer).toString('latin1'));
    } else {
      splitter.push(decoder.write(chunk as Buffer));
      pending = mayEndMidCharacter(chunk as Buffer);
    }
  }
  splitter.push(decoder.end());
  splitter.end();
}

/** True unless `bytes` certainly ends on a whole UTF-8 character (conservative on short chunks). */
function mayEndMidCharacter(bytes: Uint8Array): boolean {
  for (let i = bytes.length - 1, seen = 1; i >= 0 && seen <= 4; i--, seen++) {
    const byte = bytes[i]!;
    if (byte < 0x80) return false;
    if (byte >= 0xc0) return seen < (byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2);
  }
  return true;
}
