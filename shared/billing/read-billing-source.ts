import { PassThrough, type Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import {
  type AsyncBuffer,
  type FileMetaData,
  parquetMetadataAsync,
  parquetRead,
  parquetSchema,
} from 'hyparquet';
import {
  type BillingFormat,
  createRecordMapper,
  type RecordMapper,
  type RecordMapperOptions,
  RejectionReason,
} from '#shared/billing/billing-formats';
import { emptyCostRecord } from '#shared/billing/billing-record';
import type { CostAggregator } from '#shared/billing/cost-aggregator';
import { type CsvSplitter, splitCsvStream } from '#shared/billing/csv-splitter';
import { createFingerprint, type Fingerprint } from '#shared/billing/file-fingerprint';
import { columnarUnsupported, readParquetColumnar } from '#shared/billing/parquet-columnar-read';
import { ParquetDecodeError } from '#shared/billing/parquet-columns';
import { decimalUnits, unscaledToDecimal } from '#shared/billing/parquet-decimal';
import type { RejectionSummary } from '#shared/cost/cost-store-port';
import { InvalidInputError } from '#shared/errors';

/**
 * One billing file, wherever it lives: the CLI opens local files, Lambda opens S3 objects.
 * `openRandomAccess` (ranged reads) lets Parquet be read one row group at a time.
 */
export interface BillingSource {
  uri: string;
  open(): Promise<Readable>;
  openRandomAccess?(): Promise<AsyncBuffer>;
}

/** A file that cannot be read as a billing export at all (empty, malformed gzip/Parquet, unknown format). */
export class UnreadableBillingFileError extends InvalidInputError {}

/** Line numbers kept per rejection reason. */
const FIRST_LINES_KEPT = 10;

/** Counts refused rows by reason, keeping the first line numbers of each. */
export class RejectionCounter {
  private readonly byReason = new Map<string, RejectionSummary>();

  reject(reason: string, line: number): void {
    let summary = this.byReason.get(reason);
    if (!summary) {
      summary = { reason, count: 0, firstLines: [] };
      this.byReason.set(reason, summary);
    }
    summary.count++;
    if (summary.firstLines.length < FIRST_LINES_KEPT) summary.firstLines.push(line);
  }

  /** Adds another counter's summaries (from a worker), keeping the earliest lines. */
  merge(summaries: readonly RejectionSummary[]): void {
    for (const s of summaries) {
      const mine = this.byReason.get(s.reason) ?? { reason: s.reason, count: 0, firstLines: [] };
      mine.count += s.count;
      mine.firstLines = [...mine.firstLines, ...s.firstLines]
        .sort((a, b) => a - b)
        .slice(0, FIRST_LINES_KEPT);
      this.byReason.set(s.reason, mine);
    }
  }

  get total(): number {
    let total = 0;
    for (const s of this.byReason.values()) total += s.count;
    return total;
  }

  summaries(): RejectionSummary[] {
    return [...this.byReason.values()].sort((a, b) => (a.reason < b.reason ? -1 : 1));
  }
}

/** Where rows go while a unit is read. */
export interface ReadTarget {
  aggregator: CostAggregator;
  rejections: RejectionCounter;
  mapperOptions: RecordMapperOptions;
  /**
   * Read Parquet row by row through hyparquet even where the columnar reader applies (to compare
   * the two readers, and as a benchmark baseline).
   */
  rowWiseParquet?: boolean;
  /** False hashes the file in the reading thread even when it is large (to measure one thread alone). */
  fingerprintThread?: boolean;
}

/** What reading one source found. */
export interface SourceReadResult {
  uri: string;
  format: BillingFormat;
  costColumn: string;
  /** Data rows (accepted + rejected), header excluded. */
  rowsRead: number;
  /** sha256 of the file's bytes (as stored, before gunzip). */
  fingerprint: string;
}

type InputKind = 'csv' | 'gzip' | 'parquet';

function kindOf(uri: string, head: Buffer): InputKind {
  if (head.length >= 4 && head.toString('latin1', 0, 4) === 'PAR1') return 'parquet';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  const lower = uri.toLowerCase();
  if (lower.endsWith('.parquet')) return 'parquet';
  if (lower.endsWith('.gz')) return 'gzip';
  return 'csv';
}

/** Reads one billing file (CSV, CSV.gz or Parquet, detected from its first bytes) into the target. */
export async function readBillingSource(
  source: BillingSource,
  target: ReadTarget,
): Promise<SourceReadResult> {
  const hash = createFingerprint(
    target.fingerprintThread === false ? { threadFromBytes: Number.POSITIVE_INFINITY } : {},
  );
  try {
    return await readFingerprinted(source, target, hash);
  } finally {
    hash.close();
  }
}

async function readFingerprinted(
  source: BillingSource,
  target: ReadTarget,
  hash: Fingerprint,
): Promise<SourceReadResult> {
  const raw = await source.open();
  const iterator = raw[Symbol.asyncIterator]();
  const first = await iterator.next();
  const head: Buffer = first.done ? Buffer.alloc(0) : toBuffer(first.value);
  if (head.length === 0) {
    raw.destroy();
    throw new UnreadableBillingFileError(
      `${source.uri} is empty: a billing export has at least a header row`,
    );
  }
  if (head.length >= 4 && head.readUInt32BE(0) === 0x504b0304) {
    raw.destroy();
    throw new UnreadableBillingFileError(
      `${source.uri} is a ZIP archive, which is not read (CSV, CSV.gz and Parquet are): deliver the Cost and Usage Report with GZIP or Parquet compression`,
    );
  }
  const kind = kindOf(source.uri, head);
  if (kind === 'parquet') {
    return readParquet(source, raw, iterator, head, hash, target);
  }
  const bytes = new PassThrough({ highWaterMark: 1 << 20 });
  const pump = (async () => {
    try {
      hash.update(head);
      if (!bytes.write(head)) await onceDrain(bytes);
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        const chunk = toBuffer(next.value);
        hash.update(chunk);
        if (!bytes.write(chunk)) await onceDrain(bytes);
      }
      bytes.end();
    } catch (error) {
      bytes.destroy(error as Error);
    }
  })();
  let text: Readable = bytes;
  if (kind === 'gzip') {
    const gunzip = createGunzip({ chunkSize: 1 << 16 });
    bytes.on('error', (error) => gunzip.destroy(error));
    bytes.pipe(gunzip);
    text = gunzip;
  }
  const state = csvState(source.uri, target);
  try {
    await splitCsvStream(text, state.onRow, state.onBad, 1, state.useSplitter);
  } catch (error) {
    raw.destroy();
    if (error instanceof InvalidInputError) throw error;
    const code = (error as { code?: string }).code ?? '';
    if (kind === 'gzip' && (code.startsWith('Z_') || /gzip|header check|end of file/i.test(String(error)))) {
      throw new UnreadableBillingFileError(
        `${source.uri} is not a valid gzip file: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  await pump;
  if (!state.mapper) {
    throw new UnreadableBillingFileError(
      `${source.uri} is empty: a billing export has at least a header row`,
    );
  }
  return {
    uri: source.uri,
    format: state.mapper.format,
    costColumn: state.mapper.costColumn,
    rowsRead: state.rowsRead,
    fingerprint: await hash.digest(),
  };
}

/**
 * Row handlers for CSV text: the first record is the header (unless given), the rest are data.
 * Pass `useSplitter` to splitCsvStream: once the header is known, the splitter cuts out only the
 * columns the mapper reads and reuses one fields array (the mapper keeps nothing of a row).
 */
export function csvState(uri: string, target: ReadTarget, header?: readonly string[]) {
  const record = emptyCostRecord(target.mapperOptions.tagKeys.length);
  let splitter: CsvSplitter | undefined;
  const project = () => {
    const mapper = state.mapper;
    if (splitter === undefined || mapper === undefined || headerNames === undefined) return;
    const names = headerNames;
    const columns = new Set([0, ...mapper.columnsRead.map((name) => names.indexOf(name))]);
    columns.delete(-1);
    const json = mapper.jsonColumn;
    if (json !== undefined) columns.delete(json);
    splitter.project([...columns], true, json === undefined ? [] : [json]);
    if (json !== undefined) mapper.keepDoubledQuotesInJson();
  };
  let headerNames: readonly string[] | undefined = header;
  const state = {
    mapper: undefined as RecordMapper | undefined,
    rowsRead: 0,
    onRow: (fields: string[], line: number): void => {
      const mapper = state.mapper;
      if (mapper === undefined) {
        state.mapper = withUri(uri, () => createRecordMapper(fields, mapperOptionsOf(target)));
        headerNames = fields;
        project();
        return;
      }
      state.rowsRead++;
      const rejected = mapper.map(fields, record);
      if (rejected === undefined) target.aggregator.add(record);
      else target.rejections.reject(rejected, line);
    },
    onBad: (line: number, reason: string): void => {
      if (state.mapper === undefined) return;
      state.rowsRead++;
      target.rejections.reject(
        reason === 'unterminated-quote' ? RejectionReason.unterminatedQuote : reason,
        line,
      );
    },
    useSplitter: (s: CsvSplitter): void => {
      splitter = s;
      project();
    },
  };
  if (header) state.mapper = withUri(uri, () => createRecordMapper(header, mapperOptionsOf(target)));
  return state;
}

/** The target's mapper options; the contributor columns are read only when the aggregator keeps contributors. */
function mapperOptionsOf(target: ReadTarget): RecordMapperOptions {
  return { ...target.mapperOptions, contributorColumns: target.aggregator.tracksContributors };
}

function withUri<T>(uri: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof InvalidInputError) {
      const Ctor = error.constructor as new (
        message: string,
        options?: { cause?: unknown },
      ) => InvalidInputError;
      throw new Ctor(`${uri}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

async function readParquet(
  source: BillingSource,
  raw: Readable,
  iterator: AsyncIterator<unknown>,
  head: Buffer,
  hash: Fingerprint,
  target: ReadTarget,
): Promise<SourceReadResult> {
  let file: AsyncBuffer;
  hash.update(head);
  if (source.openRandomAccess) {
    // Hash the bytes as they stream by; the rows are read with ranged reads, a row group at a time.
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      hash.update(toBuffer(next.value));
    }
    file = await source.openRandomAccess();
  } else {
    const chunks: Buffer[] = [head];
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      const chunk = toBuffer(next.value);
      hash.update(chunk);
      chunks.push(chunk);
    }
    const whole = Buffer.concat(chunks);
    file = whole.buffer.slice(whole.byteOffset, whole.byteOffset + whole.byteLength) as ArrayBuffer;
  }
  raw.destroy();
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new UnreadableBillingFileError(
      `${source.uri} is not a valid Parquet file: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const header = parquetSchema(metadata).children.map((child) => child.element.name);
  const mapper = withUri(source.uri, () => createRecordMapper(header, mapperOptionsOf(target)));
  const result = {
    uri: source.uri,
    format: mapper.format,
    costColumn: mapper.costColumn,
    fingerprint: await hash.digest(),
  };
  if (!target.rowWiseParquet && columnarUnsupported(mapper, metadata) === undefined) {
    try {
      return { ...result, rowsRead: await readParquetColumnar(file, metadata, mapper, target) };
    } catch (error) {
      if (error instanceof InvalidInputError && !(error instanceof ParquetDecodeError)) throw error;
      throw new UnreadableBillingFileError(
        `${source.uri} is not a valid Parquet file: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  // hyparquet turns DECIMAL into binary floats; strip the annotation and apply the scale exactly.
  const scales = new Map<string, number>();
  for (const element of metadata.schema) {
    if (element.converted_type === 'DECIMAL' || element.logical_type?.type === 'DECIMAL') {
      scales.set(element.name, element.scale ?? 0);
      element.converted_type = undefined;
      element.logical_type = undefined;
    }
  }
  const columns = [...new Set(mapper.columnsRead)];
  const positions = columns.map((name) => header.indexOf(name));
  const columnScales = columns.map((name) => scales.get(name));
  // FOCUS cost = the cost column itself: its DECIMAL goes straight to 10^-10 units (no text).
  const directCost = mapper.format === 'focus' ? columns.indexOf(mapper.costColumn) : -1;
  const directScale = directCost >= 0 ? columnScales[directCost] : undefined;
  const useDirectCost = directScale !== undefined && directScale <= 10;
  const fields = new Array<string>(header.length).fill('');
  const record = emptyCostRecord(target.mapperOptions.tagKeys.length);
  const parsers = timestampParsers();
  let rowsRead = 0;
  let rowStart = 0;
  try {
    for (const group of metadata.row_groups) {
      const groupRows = Number(group.num_rows);
      const rowEnd = rowStart + groupRows;
      const groupStart = rowStart;
      // Column-wise: each requested column of the row group arrives as decoded arrays (chunks),
      // and rows are read across them by index, without building row arrays.
      const chunks: Array<Array<{ data: ArrayLike<unknown>; start: number; end: number }>> = columns.map(
        () => [],
      );
      const columnIndex = new Map(columns.map((name, i) => [name, i]));
      await parquetRead({
        file,
        metadata,
        columns,
        parsers,
        compressors: ROW_WISE_COMPRESSORS,
        rowStart,
        rowEnd,
        onChunk: (chunk) => {
          const at = columnIndex.get(chunk.columnName);
          if (at !== undefined)
            chunks[at]!.push({ data: chunk.columnData, start: chunk.rowStart, end: chunk.rowEnd });
        },
      });
      const data = chunks.map((list) => columnOfGroup(list, groupStart, groupRows));
      const width = columns.length;
      for (let r = 0; r < groupRows; r++) {
        for (let c = 0; c < width; c++) {
          if (c === directCost && useDirectCost) fields[positions[c]!] = '0';
          else fields[positions[c]!] = toText(data[c]![r], columnScales[c]);
        }
        rowsRead++;
        const rejected = mapper.map(fields, record);
        if (rejected === undefined) {
          if (useDirectCost) {
            const units = decimalUnits(data[directCost]![r], directScale!);
            if (units === undefined) {
              target.rejections.reject(RejectionReason.unparseableCost, groupStart + r + 2);
              continue;
            }
            record.cost = units;
          }
          target.aggregator.add(record);
        }
        // Line numbers as if the file were CSV: header = line 1.
        else target.rejections.reject(rejected, groupStart + r + 2);
      }
      rowStart = rowEnd;
    }
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    throw new UnreadableBillingFileError(
      `${source.uri} is not a valid Parquet file: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return { ...result, rowsRead };
}

/** Codecs hyparquet does not bring itself (it reads Snappy and uncompressed pages). */
const ROW_WISE_COMPRESSORS = { GZIP: (input: Uint8Array) => gunzipSync(input) };

/** One column of a row group as a single indexable array (chunks copied together only when split). */
function columnOfGroup(
  list: ReadonlyArray<{ data: ArrayLike<unknown>; start: number; end: number }>,
  groupStart: number,
  groupRows: number,
): ArrayLike<unknown> {
  const only = list[0];
  if (
    list.length === 1 &&
    only !== undefined &&
    only.start === groupStart &&
    only.end >= groupStart + groupRows
  )
    return only.data;
  const out = new Array<unknown>(groupRows).fill(null);
  for (const chunk of list) {
    const from = Math.max(chunk.start, groupStart);
    const to = Math.min(chunk.end, groupStart + groupRows);
    for (let row = from; row < to; row++) out[row - groupStart] = chunk.data[row - chunk.start];
  }
  return out;
}

function toText(value: unknown, scale: number | undefined): string {
  if (value === null || value === undefined) return '';
  if (scale !== undefined) return unscaledToDecimal(value, scale);
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    default:
      if (value instanceof Date) return value.toISOString();
      return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v));
  }
}

/** ISO text of Parquet timestamps, cached: billing timestamps repeat (hours of a few months). */
function timestampParsers() {
  const cache = new Map<bigint, string>();
  const make = (toMillis: (v: bigint) => number) => (v: bigint) => {
    let text = cache.get(v);
    if (text === undefined) {
      text = new Date(toMillis(v)).toISOString();
      if (cache.size > 100_000) cache.clear();
      cache.set(v, text);
    }
    return text;
  };
  return {
    timestampFromMilliseconds: make((v) => Number(v)),
    timestampFromMicroseconds: make((v) => Number(v / 1000n)),
    timestampFromNanoseconds: make((v) => Number(v / 1000000n)),
  };
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  return Buffer.from(chunk as Uint8Array);
}

function onceDrain(stream: PassThrough): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      stream.off('drain', onDrain);
      stream.off('close', onDrain);
      stream.off('error', onError);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    stream.once('drain', onDrain);
    stream.once('close', onDrain);
    stream.once('error', onError);
  });
}
