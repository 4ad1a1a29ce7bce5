import { isAscii } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import type { AsyncBuffer, ColumnMetaData, FileMetaData, SchemaElement } from 'hyparquet';
import { snappyUncompress } from 'hyparquet';
import { InvalidInputError } from '#shared/errors';

/** Distinct values of one column chunk; rows point into them through ColumnChunkValues.indices. */
export type DistinctValues =
  /** BYTE_ARRAY (any or no annotation), UTF-8 decoded. */
  | { kind: 'text'; items: string[] }
  /** FIXED_LEN_BYTE_ARRAY: value i = bytes[i*width, (i+1)*width). */
  | { kind: 'fixed'; width: number; bytes: Uint8Array; count: number }
  | { kind: 'int32'; items: Int32Array; count: number }
  | { kind: 'int64'; items: BigInt64Array; count: number }
  /** DOUBLE and FLOAT. */
  | { kind: 'double'; items: Float64Array; count: number }
  | { kind: 'boolean'; items: Uint8Array; count: number };

/**
 * One column of one row group: per row an index into `values`, -1 for null. Raw physical values,
 * no logical conversion (the caller applies DECIMAL scale, timestamp unit).
 */
export interface ColumnChunkValues {
  name: string;
  indices: Int32Array;
  values: DistinctValues;
}

/** A column chunk that cannot be decoded (corrupt page, unexpected encoding); names the column and row group. */
export class ParquetDecodeError extends InvalidInputError {}

// Parquet enums (parquet.thrift) as numbers.
const PAGE_DATA = 0;
const PAGE_INDEX = 1;
const PAGE_DICTIONARY = 2;
const PAGE_DATA_V2 = 3;
const ENC_PLAIN = 0;
const ENC_PLAIN_DICTIONARY = 2;
const ENC_RLE = 3;
const ENC_RLE_DICTIONARY = 8;
const ENCODING_NAMES = [
  'PLAIN',
  'GROUP_VAR_INT',
  'PLAIN_DICTIONARY',
  'RLE',
  'BIT_PACKED',
  'DELTA_BINARY_PACKED',
  'DELTA_LENGTH_BYTE_ARRAY',
  'DELTA_BYTE_ARRAY',
  'RLE_DICTIONARY',
  'BYTE_STREAM_SPLIT',
];

/** Encodings allowed in a chunk's metadata (BIT_PACKED: old writers list it for the unused repetition levels). */
const SUPPORTED_ENCODINGS = new Set(['PLAIN', 'PLAIN_DICTIONARY', 'RLE_DICTIONARY', 'RLE', 'BIT_PACKED']);
const SUPPORTED_CODECS = new Set(['UNCOMPRESSED', 'SNAPPY', 'GZIP']);
const SUPPORTED_TYPES = new Set([
  'BOOLEAN',
  'INT32',
  'INT64',
  'FLOAT',
  'DOUBLE',
  'BYTE_ARRAY',
  'FIXED_LEN_BYTE_ARRAY',
]);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A top-level column: its schema element and whether it is a leaf. */
interface TopLevelColumn {
  element: SchemaElement;
  leaf: boolean;
  /** Position of the element in metadata.schema (its descendants follow it, depth first). */
  index: number;
}

/** The root's direct children by name (their descendants skipped). */
function topLevelColumns(metadata: FileMetaData): Map<string, TopLevelColumn> {
  const schema = metadata.schema;
  const columns = new Map<string, TopLevelColumn>();
  const rootChildren = schema[0]?.num_children ?? 0;
  let index = 1;
  for (let child = 0; child < rootChildren && index < schema.length; child++) {
    const element = schema[index] as SchemaElement;
    columns.set(element.name, { element, leaf: !element.num_children, index });
    // Skip the element and its whole subtree.
    let pending = 1;
    while (pending > 0 && index < schema.length) {
      pending += (schema[index]?.num_children ?? 0) - 1;
      index++;
    }
  }
  return columns;
}

/** The chunk metadata of a top-level leaf column in one row group. */
function chunkMetadata(metadata: FileMetaData, rowGroup: number, name: string): ColumnMetaData | undefined {
  return chunkAt(metadata, rowGroup, [name])?.meta_data;
}

/** The column chunk of a leaf (by its full path) in one row group. */
function chunkAt(metadata: FileMetaData, rowGroup: number, leafPath: readonly string[]) {
  for (const chunk of metadata.row_groups[rowGroup]?.columns ?? []) {
    const path = chunk.meta_data?.path_in_schema;
    if (path && path.length === leafPath.length && path.every((part, i) => part === leafPath[i])) {
      return chunk;
    }
  }
  return undefined;
}

/**
 * Why decodeRowGroupColumns cannot read these top-level columns of this file, or undefined when it
 * can (checked from metadata only: nested/repeated columns, codecs, encodings listed in the column
 * chunk metadata, physical types, INT96).
 */
export function fastDecodeUnsupported(
  metadata: FileMetaData,
  columns: readonly string[],
): string | undefined {
  return unsupportedReason(
    metadata,
    columns,
    metadata.row_groups.map((_, group) => group),
  );
}

/** fastDecodeUnsupported restricted to some row groups. */
function unsupportedReason(
  metadata: FileMetaData,
  columns: readonly string[],
  groups: readonly number[],
): string | undefined {
  if (!LITTLE_ENDIAN) return 'the fast Parquet decoder needs a little-endian platform';
  const topLevel = topLevelColumns(metadata);
  for (const name of columns) {
    const column = topLevel.get(name);
    if (!column) return `column ${name} is not a top-level column of the file`;
    const { element } = column;
    if (!column.leaf) return `column ${name} is nested (a group such as MAP, LIST or struct)`;
    if (element.repetition_type === 'REPEATED') return `column ${name} is repeated`;
    if (element.type === 'INT96') return `column ${name} has the INT96 type`;
    if (!element.type || !SUPPORTED_TYPES.has(element.type)) {
      return `column ${name} has the unsupported type ${element.type}`;
    }
    const reason = chunksReason(metadata, groups, [name], name);
    if (reason) return reason;
  }
  return undefined;
}

/** Why the chunks of one leaf in these row groups cannot be read (codec, encodings, location). */
function chunksReason(
  metadata: FileMetaData,
  groups: readonly number[],
  leafPath: readonly string[],
  label: string,
): string | undefined {
  for (const group of groups) {
    const chunkRef = chunkAt(metadata, group, leafPath);
    const meta = chunkRef?.meta_data;
    if (!meta) return `column ${label} has no readable chunk metadata in row group ${group} (encrypted?)`;
    if (chunkRef.file_path) return `column ${label} is stored in another file (${chunkRef.file_path})`;
    if (!SUPPORTED_CODECS.has(meta.codec)) {
      return `column ${label} is compressed with ${meta.codec} in row group ${group}`;
    }
    const encoding = meta.encodings.find((e) => !SUPPORTED_ENCODINGS.has(e));
    if (encoding) return `column ${label} uses the ${encoding} encoding in row group ${group}`;
  }
  return undefined;
}

/**
 * Decodes the named top-level columns of one row group (one file.slice per column chunk,
 * dictionary page included). Throws ParquetDecodeError (extends Error, with cause) naming the
 * column and row group on corrupt data.
 */
export async function decodeRowGroupColumns(
  file: AsyncBuffer,
  metadata: FileMetaData,
  rowGroup: number,
  columns: readonly string[],
): Promise<ColumnChunkValues[]> {
  const group = metadata.row_groups[rowGroup];
  if (!group) throw new ParquetDecodeError(`the file has no row group ${rowGroup}`);
  const unsupported = unsupportedReason(metadata, columns, [rowGroup]);
  if (unsupported) throw new ParquetDecodeError(`cannot decode row group ${rowGroup}: ${unsupported}`);
  const topLevel = topLevelColumns(metadata);
  const numRows = Number(group.num_rows);
  // All chunks are requested at once (ranged reads overlap); decoding runs as they arrive, in order.
  const plans = columns.map((name) => {
    const meta = chunkMetadata(metadata, rowGroup, name) as ColumnMetaData;
    return { name, meta, bytes: readChunk(file, meta) };
  });
  const decoded: ColumnChunkValues[] = [];
  for (const plan of plans) {
    const element = (topLevel.get(plan.name) as TopLevelColumn).element;
    try {
      decoded.push(decodeChunk(plan.name, await plan.bytes, plan.meta, element, numRows));
    } catch (error) {
      throw new ParquetDecodeError(
        `cannot decode column ${plan.name} of row group ${rowGroup}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return decoded;
}

/**
 * Starts reading a column chunk (dictionary page included); the promise rejects on a short read.
 * A rejection not yet awaited is not reported as unhandled (chunks are awaited in order).
 */
function readChunk(file: AsyncBuffer, meta: ColumnMetaData): Promise<Buffer> {
  const dictionaryOffset =
    meta.dictionary_page_offset === undefined ? 0 : Number(meta.dictionary_page_offset);
  const dataOffset = Number(meta.data_page_offset);
  // Some writers store 0 for an absent dictionary page.
  const start = dictionaryOffset > 0 && dictionaryOffset < dataOffset ? dictionaryOffset : dataOffset;
  const end = start + Number(meta.total_compressed_size);
  const bytes = (async () => {
    const read = await file.slice(start, end);
    if (read.byteLength !== end - start) {
      throw new Error(`read ${read.byteLength} bytes of a ${end - start}-byte column chunk`);
    }
    return Buffer.from(read);
  })();
  bytes.catch(() => undefined);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Thrift compact protocol: just enough for PageHeader.

interface PageHeader {
  type: number;
  uncompressedSize: number;
  compressedSize: number;
  numValues: number;
  encoding: number;
  definitionLevelEncoding: number;
  repetitionLevelEncoding: number;
  numNulls: number;
  definitionLevelsLength: number;
  repetitionLevelsLength: number;
  isCompressed: boolean;
}

class ThriftReader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}

  byte(): number {
    if (this.pos >= this.end) throw new Error('page header runs past the column chunk');
    return this.buf[this.pos++] as number;
  }

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      if (shift < 49) result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return result;
      shift += 7;
      if (shift > 70) throw new Error('page header holds an overlong varint');
    }
  }

  i32(): number {
    const n = this.varint();
    // zigzag on a 32-bit value
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  skip(type: number, depth: number): void {
    if (depth > 32) throw new Error('page header nests too deeply');
    switch (type) {
      case 1: // BOOLEAN_TRUE
      case 2: // BOOLEAN_FALSE
        return;
      case 3: // BYTE
        this.byte();
        return;
      case 4: // I16
      case 5: // I32
      case 6: // I64
        this.varint();
        return;
      case 7: // DOUBLE
        this.advance(8);
        return;
      case 8: // BINARY
        this.advance(this.varint());
        return;
      case 9: // LIST
      case 10: {
        // SET
        const header = this.byte();
        const size = header >> 4 === 15 ? this.varint() : header >> 4;
        const elementType = header & 0x0f;
        for (let i = 0; i < size; i++) {
          if (elementType === 1 || elementType === 2) this.byte();
          else this.skip(elementType, depth + 1);
        }
        return;
      }
      case 11: {
        // MAP
        const size = this.varint();
        if (size === 0) return;
        const types = this.byte();
        for (let i = 0; i < size; i++) {
          this.skip(types >> 4, depth + 1);
          this.skip(types & 0x0f, depth + 1);
        }
        return;
      }
      case 12: // STRUCT
        this.struct(depth + 1, () => false);
        return;
      default:
        throw new Error(`page header holds an unknown thrift type ${type}`);
    }
  }

  advance(count: number): void {
    if (count < 0 || this.pos + count > this.end) throw new Error('page header runs past the column chunk');
    this.pos += count;
  }

  /** Reads a struct; `field(id, type)` consumes the fields it knows and returns true, others are skipped. */
  struct(depth: number, field: (id: number, type: number) => boolean): void {
    let id = 0;
    for (;;) {
      const header = this.byte();
      const type = header & 0x0f;
      if (type === 0) return;
      const delta = header >> 4;
      id = delta ? id + delta : this.i32();
      if (!field(id, type)) this.skip(type, depth);
    }
  }
}

function readPageHeader(reader: ThriftReader): PageHeader {
  const header: PageHeader = {
    type: -1,
    uncompressedSize: -1,
    compressedSize: -1,
    numValues: -1,
    encoding: -1,
    definitionLevelEncoding: ENC_RLE,
    repetitionLevelEncoding: ENC_RLE,
    numNulls: -1,
    definitionLevelsLength: 0,
    repetitionLevelsLength: 0,
    isCompressed: true,
  };
  const i32 = (type: number) => {
    if (type !== 5) throw new Error(`page header field has thrift type ${type}, expected i32`);
    return reader.i32();
  };
  reader.struct(0, (id, type) => {
    if (id === 1) header.type = i32(type);
    else if (id === 2) header.uncompressedSize = i32(type);
    else if (id === 3) header.compressedSize = i32(type);
    else if (id === 5 && type === 12) {
      reader.struct(1, (sub, subType) => {
        if (sub === 1) header.numValues = i32(subType);
        else if (sub === 2) header.encoding = i32(subType);
        else if (sub === 3) header.definitionLevelEncoding = i32(subType);
        else if (sub === 4) header.repetitionLevelEncoding = i32(subType);
        else return false;
        return true;
      });
    } else if (id === 7 && type === 12) {
      reader.struct(1, (sub, subType) => {
        if (sub === 1) header.numValues = i32(subType);
        else if (sub === 2) header.encoding = i32(subType);
        else return false;
        return true;
      });
    } else if (id === 8 && type === 12) {
      reader.struct(1, (sub, subType) => {
        if (sub === 1) header.numValues = i32(subType);
        else if (sub === 2) header.numNulls = i32(subType);
        else if (sub === 4) header.encoding = i32(subType);
        else if (sub === 5) header.definitionLevelsLength = i32(subType);
        else if (sub === 6) header.repetitionLevelsLength = i32(subType);
        else if (sub === 7 && (subType === 1 || subType === 2)) header.isCompressed = subType === 1;
        else return false;
        return true;
      });
    } else return false;
    return true;
  });
  if (header.type < 0 || header.compressedSize < 0 || header.uncompressedSize < 0) {
    throw new Error('page header lacks its type or sizes');
  }
  return header;
}

// ---------------------------------------------------------------------------------------------
// RLE / bit-packed hybrid.

/** What decodeHybrid returns besides the values. */
const HYBRID_NOTHING = 0;
/** The sum of the values (definition levels: how many are 1). */
const HYBRID_SUM = 1;
/** The largest value (dictionary indices: checked against the dictionary size). */
const HYBRID_MAX = 2;

/**
 * Decodes `count` values of width `width` (0–32) from buf[pos, end) into out[outPos…]; returns
 * their sum or their maximum per `mode` (0 otherwise).
 */
function decodeHybrid(
  buf: Uint8Array,
  pos: number,
  end: number,
  width: number,
  out: Int32Array,
  outPos: number,
  count: number,
  mode: number,
): number {
  if (width > 32) throw new Error(`bit width ${width} exceeds 32`);
  const target = outPos + count;
  const byteWidth = (width + 7) >> 3;
  const mask = width === 32 ? -1 : (1 << width) - 1;
  let total = 0;
  let max = 0;
  while (outPos < target) {
    // varint header
    let header = 0;
    let shift = 0;
    for (;;) {
      if (pos >= end) throw new Error('RLE/bit-packed data ends early');
      const b = buf[pos++] as number;
      header += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) break;
      shift += 7;
      if (shift > 35) throw new Error('RLE/bit-packed data holds an overlong run header');
    }
    if (header % 2 === 1) {
      const groups = (header - 1) / 2;
      const runBytes = groups * width;
      const wanted = Math.min(groups * 8, target - outPos);
      const neededBytes = Math.ceil((wanted * width) / 8);
      if (pos + neededBytes > end) throw new Error('bit-packed run ends past the page');
      const stop = outPos + wanted;
      if (width === 0) {
        out.fill(0, outPos, stop);
      } else {
        // Values whose 4-byte window lies inside the buffer are read at once (a value of up to 24
        // bits starts within its first byte); the rest, and wider values, bit by bit.
        let fast = 0;
        if (width <= 16) {
          // A 32-bit accumulator topped up 16 bits at a time: while the accumulator holds fewer than
          // `width` bits, two more bytes are read (only where both lie inside the buffer).
          const room = buf.length - 2 - pos;
          fast = room < 0 ? 0 : Math.min(wanted, Math.floor((room * 8) / width));
          let p = pos;
          let acc = 0;
          let bits = 0;
          const fastStop = outPos + fast;
          if (mode === HYBRID_MAX) {
            for (let o = outPos; o < fastStop; o++) {
              if (bits < width) {
                acc = (acc | ((buf[p] as number) << bits) | ((buf[p + 1] as number) << (bits + 8))) >>> 0;
                p += 2;
                bits += 16;
              }
              const v = acc & mask;
              out[o] = v;
              if (v > max) max = v;
              acc >>>= width;
              bits -= width;
            }
          } else {
            for (let o = outPos; o < fastStop; o++) {
              if (bits < width) {
                acc = (acc | ((buf[p] as number) << bits) | ((buf[p + 1] as number) << (bits + 8))) >>> 0;
                p += 2;
                bits += 16;
              }
              const v = acc & mask;
              out[o] = v;
              total += v;
              acc >>>= width;
              bits -= width;
            }
          }
        } else if (width <= 24) {
          const room = buf.length - 4 - pos;
          fast = room < 0 ? 0 : Math.min(wanted, Math.floor((room * 8 + 7) / width) + 1);
          let bit = 0;
          const fastStop = outPos + fast;
          if (mode === HYBRID_MAX) {
            for (let o = outPos; o < fastStop; o++) {
              const at = pos + (bit >>> 3);
              const v =
                (((buf[at] as number) |
                  ((buf[at + 1] as number) << 8) |
                  ((buf[at + 2] as number) << 16) |
                  ((buf[at + 3] as number) << 24)) >>>
                  (bit & 7)) &
                mask;
              out[o] = v;
              if (v > max) max = v;
              bit += width;
            }
          } else {
            for (let o = outPos; o < fastStop; o++) {
              const at = pos + (bit >>> 3);
              const v =
                (((buf[at] as number) |
                  ((buf[at + 1] as number) << 8) |
                  ((buf[at + 2] as number) << 16) |
                  ((buf[at + 3] as number) << 24)) >>>
                  (bit & 7)) &
                mask;
              out[o] = v;
              total += v;
              bit += width;
            }
          }
        }
        for (let i = fast; i < wanted; i++) {
          let v = 0;
          const bit0 = i * width;
          for (let b = 0; b < width; b++) {
            const bit = bit0 + b;
            if (((buf[pos + (bit >> 3)] as number) >> (bit & 7)) & 1) v += 2 ** b;
          }
          out[outPos + i] = v | 0;
          total += v;
          if (v > max) max = v;
        }
      }
      outPos = stop;
      pos += Math.min(runBytes, end - pos);
    } else {
      const run = Math.min(header / 2, target - outPos);
      if (pos + byteWidth > end) throw new Error('RLE run ends past the page');
      let value = 0;
      for (let i = 0; i < byteWidth; i++) value += (buf[pos + i] as number) * 2 ** (8 * i);
      pos += byteWidth;
      if (width < 32 && value > mask) throw new Error(`RLE value ${value} exceeds bit width ${width}`);
      out.fill(value | 0, outPos, outPos + run);
      total += value * run;
      if (run > 0 && value > max) max = value;
      outPos += run;
    }
  }
  return mode === HYBRID_MAX ? max : mode === HYBRID_SUM ? total : 0;
}

// ---------------------------------------------------------------------------------------------
// Value stores: the chunk's distinct values (dictionary, then any plain values).

interface ValueStore {
  count: number;
  /** Appends `n` PLAIN-encoded values from buf[pos, end); returns the position after them. */
  appendPlain(buf: Buffer, pos: number, end: number, n: number): number;
  /** Appends `n` RLE-encoded booleans (only booleans support it). */
  appendRle(buf: Buffer, pos: number, end: number, n: number): number;
  result(): DistinctValues;
}

function notRle(_buf: Buffer, _pos: number, _end: number, _n: number): number {
  throw new Error('RLE value encoding is only valid for BOOLEAN columns');
}

function needBytes(pos: number, bytes: number, end: number): void {
  if (pos + bytes > end) throw new Error(`PLAIN values need ${bytes} bytes, the page has ${end - pos}`);
}

class TextStore implements ValueStore {
  items: string[] = [];
  get count(): number {
    return this.items.length;
  }
  appendPlain(buf: Buffer, pos: number, end: number, n: number): number {
    const items = this.items;
    // First pass: bounds check and the page's value range; then decode that range as one string.
    let p = pos;
    for (let i = 0; i < n; i++) {
      if (p + 4 > end) throw new Error('BYTE_ARRAY length runs past the page');
      const length =
        ((buf[p] as number) | ((buf[p + 1] as number) << 8) | ((buf[p + 2] as number) << 16)) +
        (buf[p + 3] as number) * 0x1000000;
      p += 4 + length;
      if (p > end) throw new Error(`BYTE_ARRAY value of ${length} bytes runs past the page`);
    }
    const stop = p;
    if (n === 0) return stop;
    // One latin1 string for the page: for ASCII bytes it equals the UTF-8 text.
    const text = buf.toString('latin1', pos, stop);
    p = pos;
    if (isAscii(buf.subarray(pos, stop))) {
      const base = items.length;
      items.length = base + n;
      for (let i = 0; i < n; i++) {
        const length =
          ((buf[p] as number) | ((buf[p + 1] as number) << 8) | ((buf[p + 2] as number) << 16)) +
          (buf[p + 3] as number) * 0x1000000;
        const start = p + 4 - pos;
        items[base + i] = text.slice(start, start + length);
        p += 4 + length;
      }
      return stop;
    }
    // Some byte is ≥ 0x80 (a length prefix or a non-ASCII character): check value by value.
    for (let i = 0; i < n; i++) {
      const length =
        ((buf[p] as number) | ((buf[p + 1] as number) << 8) | ((buf[p + 2] as number) << 16)) +
        (buf[p + 3] as number) * 0x1000000;
      const a = p + 4;
      const b = a + length;
      let ascii = true;
      for (let k = a; k < b; k++) {
        if ((buf[k] as number) >= 0x80) {
          ascii = false;
          break;
        }
      }
      items.push(ascii ? text.slice(a - pos, b - pos) : buf.toString('utf8', a, b));
      p = b;
    }
    return stop;
  }
  appendRle(buf: Buffer, pos: number, end: number, n: number): number {
    return notRle(buf, pos, end, n);
  }
  result(): DistinctValues {
    return { kind: 'text', items: this.items };
  }
}

/** Fixed-width values kept as bytes (FLBA, INT32, INT64, DOUBLE) in a growing buffer. */
class BytesStore implements ValueStore {
  count = 0;
  bytes: Uint8Array;
  constructor(
    readonly width: number,
    capacity: number,
  ) {
    this.bytes = new Uint8Array(Math.max(1, capacity) * width);
  }
  reserve(n: number): void {
    const needed = (this.count + n) * this.width;
    if (needed > this.bytes.length) {
      const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.count * this.width));
      this.bytes = grown;
    }
  }
  appendPlain(buf: Buffer, pos: number, end: number, n: number): number {
    const size = n * this.width;
    needBytes(pos, size, end);
    this.reserve(n);
    this.bytes.set(buf.subarray(pos, pos + size), this.count * this.width);
    this.count += n;
    return pos + size;
  }
  appendRle(buf: Buffer, pos: number, end: number, n: number): number {
    return notRle(buf, pos, end, n);
  }
  result(): DistinctValues {
    throw new Error('unreachable');
  }
}

class FixedStore extends BytesStore {
  override result(): DistinctValues {
    return { kind: 'fixed', width: this.width, bytes: this.bytes, count: this.count };
  }
}
class Int32Store extends BytesStore {
  override result(): DistinctValues {
    return {
      kind: 'int32',
      items: new Int32Array(this.bytes.buffer, 0, this.bytes.length / 4),
      count: this.count,
    };
  }
}
class Int64Store extends BytesStore {
  override result(): DistinctValues {
    return {
      kind: 'int64',
      items: new BigInt64Array(this.bytes.buffer, 0, this.bytes.length / 8),
      count: this.count,
    };
  }
}
class DoubleStore extends BytesStore {
  override result(): DistinctValues {
    return {
      kind: 'double',
      items: new Float64Array(this.bytes.buffer, 0, this.bytes.length / 8),
      count: this.count,
    };
  }
}
/** FLOAT values widened to doubles. */
class FloatStore extends DoubleStore {
  constructor(capacity: number) {
    super(8, capacity);
  }
  override appendPlain(buf: Buffer, pos: number, end: number, n: number): number {
    needBytes(pos, n * 4, end);
    this.reserve(n);
    const doubles = new Float64Array(this.bytes.buffer, this.count * 8, n);
    for (let i = 0; i < n; i++) doubles[i] = buf.readFloatLE(pos + i * 4);
    this.count += n;
    return pos + n * 4;
  }
}
class BooleanStore extends BytesStore {
  constructor(capacity: number) {
    super(1, capacity);
  }
  override appendPlain(buf: Buffer, pos: number, end: number, n: number): number {
    const size = Math.ceil(n / 8);
    needBytes(pos, size, end);
    this.reserve(n);
    const out = this.bytes;
    for (let i = 0; i < n; i++) out[this.count + i] = ((buf[pos + (i >> 3)] as number) >> (i & 7)) & 1;
    this.count += n;
    return pos + size;
  }
  override appendRle(buf: Buffer, pos: number, end: number, n: number): number {
    needBytes(pos, 4, end);
    const length = buf.readUInt32LE(pos);
    needBytes(pos + 4, length, end);
    const decoded = new Int32Array(n);
    decodeHybrid(buf, pos + 4, pos + 4 + length, 1, decoded, 0, n, HYBRID_NOTHING);
    this.reserve(n);
    for (let i = 0; i < n; i++) this.bytes[this.count + i] = decoded[i] as number;
    this.count += n;
    return pos + 4 + length;
  }
  override result(): DistinctValues {
    return { kind: 'boolean', items: this.bytes, count: this.count };
  }
}

function createStore(element: SchemaElement, capacity: number): ValueStore {
  switch (element.type) {
    case 'BYTE_ARRAY':
      return new TextStore();
    case 'FIXED_LEN_BYTE_ARRAY': {
      const width = element.type_length ?? 0;
      if (!(width > 0)) throw new Error('FIXED_LEN_BYTE_ARRAY column has no type_length');
      return new FixedStore(width, capacity);
    }
    case 'INT32':
      return new Int32Store(4, capacity);
    case 'INT64':
      return new Int64Store(8, capacity);
    case 'DOUBLE':
      return new DoubleStore(8, capacity);
    case 'FLOAT':
      return new FloatStore(capacity);
    case 'BOOLEAN':
      return new BooleanStore(capacity);
    default:
      throw new Error(`unsupported physical type ${element.type}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Column chunk.

/** Scratch buffers reused across pages and chunks (decoding is synchronous). */
let pageScratch = new Uint8Array(1 << 16);
let levelScratch = new Int32Array(1 << 12);

function uncompress(codec: string, input: Buffer, size: number): Buffer {
  if (codec === 'UNCOMPRESSED') {
    if (input.length !== size) throw new Error(`page holds ${input.length} bytes, its header says ${size}`);
    return input;
  }
  if (codec === 'SNAPPY') {
    if (pageScratch.length < size) pageScratch = new Uint8Array(Math.max(size, pageScratch.length * 2));
    const output = pageScratch.subarray(0, size);
    snappyUncompress(input, output);
    return Buffer.from(output.buffer, output.byteOffset, size);
  }
  if (codec === 'GZIP') {
    const output = gunzipSync(input);
    if (output.length !== size)
      throw new Error(`gzip page inflates to ${output.length} bytes, expected ${size}`);
    return output;
  }
  throw new Error(`unsupported codec ${codec}`);
}

/** One data page of a column chunk, located by walkDataPages. */
interface DataPage {
  header: PageHeader;
  /** Level entries in the page (rows of a flat column). */
  count: number;
  /** Hybrid level runs (length prefixes skipped): repetition [repStart, repEnd), definition [defStart, defEnd); empty when the column has none. */
  levels: Buffer;
  repStart: number;
  repEnd: number;
  defStart: number;
  defEnd: number;
  /** The uncompressed values, from valuesStart to the end. */
  values: Buffer;
  valuesStart: number;
  /** The chunk's values so far (the dictionary first, if any) and the dictionary's size (0: none). */
  store: ValueStore;
  dictionaryCount: number;
}

/** Which levels the pages of a chunk carry, and what its `total` counts ('rows' or level 'values'). */
interface ChunkLevels {
  repetition: boolean;
  definition: boolean;
  unit: 'rows' | 'values';
}

/**
 * Walks the pages of a column chunk holding `total` level entries: skips index pages, reads the
 * dictionary page into the store, and hands each data page to `visit` with the entries before it.
 * Returns the store (empty when the chunk has no page).
 */
function walkDataPages(
  chunk: Buffer,
  meta: ColumnMetaData,
  element: SchemaElement,
  total: number,
  levels: ChunkLevels,
  visit: (page: DataPage, at: number) => void,
): ValueStore {
  let store: ValueStore | undefined;
  let dictionaryCount = 0;
  let at = 0;
  const reader = new ThriftReader(chunk, 0, chunk.length);
  while (at < total) {
    if (reader.pos >= chunk.length) {
      throw new Error(`column chunk ends after ${at} of ${total} ${levels.unit}`);
    }
    const header = readPageHeader(reader);
    const bodyStart = reader.pos;
    const bodyEnd = bodyStart + header.compressedSize;
    if (bodyEnd > chunk.length) throw new Error('page runs past the column chunk');
    reader.pos = bodyEnd;
    if (header.type === PAGE_INDEX) continue;
    if (header.type === PAGE_DICTIONARY) {
      if (store || at > 0) throw new Error('dictionary page after data pages');
      if (header.encoding !== ENC_PLAIN && header.encoding !== ENC_PLAIN_DICTIONARY) {
        throw new Error(`dictionary page uses the ${encodingName(header.encoding)} encoding`);
      }
      const page = uncompress(meta.codec, chunk.subarray(bodyStart, bodyEnd), header.uncompressedSize);
      store = createStore(element, header.numValues);
      store.appendPlain(page, 0, page.length, header.numValues);
      dictionaryCount = store.count;
      continue;
    }
    if (header.type !== PAGE_DATA && header.type !== PAGE_DATA_V2) {
      throw new Error(`unknown page type ${header.type}`);
    }
    const n = header.numValues;
    if (n < 0 || at + n > total) {
      throw new Error(`data page of ${n} values overflows the ${total} ${levels.unit} of the chunk`);
    }
    if (!store) store = createStore(element, total);
    const page: DataPage = {
      header,
      count: n,
      levels: chunk,
      repStart: 0,
      repEnd: 0,
      defStart: 0,
      defEnd: 0,
      values: chunk,
      valuesStart: 0,
      store,
      dictionaryCount,
    };
    if (header.type === PAGE_DATA) {
      // v1: the whole page is compressed; each level section is prefixed by its byte length.
      const body = uncompress(meta.codec, chunk.subarray(bodyStart, bodyEnd), header.uncompressedSize);
      let pos = 0;
      page.levels = body;
      if (levels.repetition) {
        checkLevelEncoding('repetition', header.repetitionLevelEncoding);
        page.repStart = pos + 4;
        page.repEnd = pos = levelSectionEnd(body, pos, 'repetition');
      }
      if (levels.definition) {
        checkLevelEncoding('definition', header.definitionLevelEncoding);
        page.defStart = pos + 4;
        page.defEnd = pos = levelSectionEnd(body, pos, 'definition');
      }
      page.values = body;
      page.valuesStart = pos;
    } else {
      // v2: the levels are stored uncompressed ahead of the (maybe compressed) values.
      const repLength = header.repetitionLevelsLength;
      const defLength = header.definitionLevelsLength;
      if (repLength < 0 || defLength < 0 || repLength + defLength > header.compressedSize) {
        throw new Error('page levels exceed the page');
      }
      if (!levels.repetition && repLength !== 0) {
        throw new Error('page holds repetition levels in a flat column');
      }
      page.repStart = bodyStart;
      page.repEnd = page.defStart = bodyStart + repLength;
      page.defEnd = page.repEnd + defLength;
      const compressed = chunk.subarray(page.defEnd, bodyEnd);
      page.values = header.isCompressed
        ? uncompress(meta.codec, compressed, header.uncompressedSize - repLength - defLength)
        : compressed;
    }
    visit(page, at);
    at += n;
  }
  return store ?? createStore(element, 0);
}

function checkLevelEncoding(kind: 'repetition' | 'definition', encoding: number): void {
  if (encoding !== ENC_RLE) throw new Error(`${kind} levels use the ${encodingName(encoding)} encoding`);
}

/** The end of the length-prefixed level section at `pos` of a v1 page. */
function levelSectionEnd(page: Buffer, pos: number, kind: 'repetition' | 'definition'): number {
  const end = pos + 4 > page.length ? -1 : pos + 4 + page.readUInt32LE(pos);
  if (end < 0 || end > page.length) throw new Error(`${kind} levels run past the page`);
  return end;
}

/**
 * Reads the `present` values of a data page: their store indices (dictionary-encoded: the indices
 * into the dictionary; PLAIN/RLE: appended to the store) go to indices[at, at + present).
 */
function readPageValues(
  page: DataPage,
  element: SchemaElement,
  indices: Int32Array,
  at: number,
  present: number,
): void {
  const { values, valuesStart, store, dictionaryCount } = page;
  const encoding = page.header.encoding;
  if (encoding === ENC_PLAIN_DICTIONARY || encoding === ENC_RLE_DICTIONARY) {
    if (present === 0) return;
    if (dictionaryCount === 0) throw new Error('dictionary-encoded page without a dictionary');
    if (valuesStart >= values.length) throw new Error('dictionary-encoded page lacks its bit width');
    const width = values[valuesStart] as number;
    const max = decodeHybrid(values, valuesStart + 1, values.length, width, indices, at, present, HYBRID_MAX);
    if (max >= dictionaryCount)
      throw new Error(`dictionary index ${max} ≥ dictionary size ${dictionaryCount}`);
  } else if (encoding === ENC_PLAIN || (encoding === ENC_RLE && element.type === 'BOOLEAN')) {
    const base = store.count;
    if (encoding === ENC_PLAIN) store.appendPlain(values, valuesStart, values.length, present);
    else store.appendRle(values, valuesStart, values.length, present);
    for (let i = 0; i < present; i++) indices[at + i] = base + i;
  } else {
    throw new Error(
      `data page uses the ${encodingName(encoding)} encoding, which the fast decoder does not read`,
    );
  }
}

/**
 * Spreads the `present` value indices at indices[at…] over the page's `count` entries, backwards
 * and in place: entry i keeps a value when defs[defsAt + i] === presentDef, else gets -1.
 */
function spreadPresent(
  indices: Int32Array,
  at: number,
  count: number,
  present: number,
  defs: Int32Array,
  defsAt: number,
  presentDef: number,
): void {
  let k = at + present - 1;
  for (let i = count - 1; i >= 0; i--) {
    indices[at + i] = defs[defsAt + i] === presentDef ? (indices[k--] as number) : -1;
  }
  if (k !== at - 1) throw new Error('definition levels disagree with the value count');
}

function decodeChunk(
  name: string,
  chunk: Buffer,
  meta: ColumnMetaData,
  element: SchemaElement,
  numRows: number,
): ColumnChunkValues {
  const optional = element.repetition_type === 'OPTIONAL';
  const indices = new Int32Array(numRows);
  const levels: ChunkLevels = { repetition: false, definition: optional, unit: 'rows' };
  const store = walkDataPages(chunk, meta, element, numRows, levels, (page, row) => {
    const n = page.count;
    // Definition levels: 1 = value present. Skipped when the page has no nulls (v2 says so).
    let present = n;
    if (optional && !(page.header.type === PAGE_DATA_V2 && page.header.numNulls === 0)) {
      if (levelScratch.length < n) levelScratch = new Int32Array(Math.max(n, levelScratch.length * 2));
      present = decodeHybrid(page.levels, page.defStart, page.defEnd, 1, levelScratch, 0, n, HYBRID_SUM);
    }
    readPageValues(page, element, indices, row, present);
    if (present < n) spreadPresent(indices, row, n, present, levelScratch, 0, 1);
  });
  return { name, indices, values: store.result() };
}

function encodingName(encoding: number): string {
  return ENCODING_NAMES[encoding] ?? `#${encoding}`;
}

// ---------------------------------------------------------------------------------------------
// MAP columns: two leaves (key, value) with repetition and definition levels.

/** A MAP column of one row group: row r's entries are [offsets[r], offsets[r+1]) in keys/values (a null or empty map has none). */
export interface MapChunkValues {
  name: string;
  /** Length rows + 1. */
  offsets: Int32Array;
  /** One index per entry (keys are never null). */
  keys: { indices: Int32Array; values: DistinctValues };
  /** One index per entry, -1 for a null value. */
  values: { indices: Int32Array; values: DistinctValues };
}

/** The schema of a MAP column and the levels of its two leaves. */
interface MapShape {
  key: SchemaElement;
  value: SchemaElement;
  keyPath: string[];
  valuePath: string[];
  /** Definition level from which a level entry is a map entry (below: null or empty map). */
  entryDef: number;
  keyMaxDef: number;
  valueMaxDef: number;
}

function isMapAnnotated(element: SchemaElement): boolean {
  return (
    element.converted_type === 'MAP' ||
    element.converted_type === 'MAP_KEY_VALUE' ||
    element.logical_type?.type === 'MAP'
  );
}

/** The MAP shape of a top-level column, or why it has none this decoder reads. */
function mapShape(metadata: FileMetaData, name: string): MapShape | string {
  const column = topLevelColumns(metadata).get(name);
  if (!column) return `column ${name} is not a top-level column of the file`;
  const { element, index } = column;
  const schema = metadata.schema;
  if (column.leaf || !isMapAnnotated(element)) return `column ${name} is not a MAP`;
  if (element.repetition_type === 'REPEATED') return `column ${name} is a repeated MAP`;
  const keyValue = schema[index + 1];
  if (element.num_children !== 1 || !keyValue || keyValue.repetition_type !== 'REPEATED') {
    return `column ${name} is a MAP without a single repeated key_value group`;
  }
  const key = schema[index + 2];
  const value = schema[index + 3];
  if (keyValue.num_children !== 2 || !key || !value || key.num_children || value.num_children) {
    return `column ${name} is a MAP whose key_value group does not hold exactly a primitive key and a primitive value`;
  }
  for (const [role, leaf] of [
    ['key', key],
    ['value', value],
  ] as const) {
    if (leaf.repetition_type === 'REPEATED') return `column ${name} has a repeated MAP ${role}`;
    if (leaf.type === 'INT96') return `column ${name} has a MAP ${role} of the INT96 type`;
    if (!leaf.type || !SUPPORTED_TYPES.has(leaf.type)) {
      return `column ${name} has a MAP ${role} of the unsupported type ${leaf.type}`;
    }
  }
  const entryDef = (element.repetition_type === 'OPTIONAL' ? 1 : 0) + 1;
  return {
    key,
    value,
    keyPath: [name, keyValue.name, key.name],
    valuePath: [name, keyValue.name, value.name],
    entryDef,
    keyMaxDef: entryDef + (key.repetition_type === 'OPTIONAL' ? 1 : 0),
    valueMaxDef: entryDef + (value.repetition_type === 'OPTIONAL' ? 1 : 0),
  };
}

/**
 * Why `column` is not a MAP (or legacy MAP_KEY_VALUE / repeated key_value group) of two primitive
 * leaves this decoder reads, or undefined when it is. Checks codecs/encodings/types like fastDecodeUnsupported.
 */
export function mapColumnUnsupported(metadata: FileMetaData, column: string): string | undefined {
  return mapReason(
    metadata,
    column,
    metadata.row_groups.map((_, group) => group),
  );
}

function mapReason(metadata: FileMetaData, column: string, groups: readonly number[]): string | undefined {
  if (!LITTLE_ENDIAN) return 'the fast Parquet decoder needs a little-endian platform';
  const shape = mapShape(metadata, column);
  if (typeof shape === 'string') return shape;
  return (
    chunksReason(metadata, groups, shape.keyPath, shape.keyPath.join('.')) ??
    chunksReason(metadata, groups, shape.valuePath, shape.valuePath.join('.'))
  );
}

/**
 * Decodes MAP columns of one row group (both leaf column chunks of each). Throws
 * ParquetDecodeError naming the column and row group on corrupt data.
 */
export async function decodeRowGroupMaps(
  file: AsyncBuffer,
  metadata: FileMetaData,
  rowGroup: number,
  columns: readonly string[],
): Promise<MapChunkValues[]> {
  const group = metadata.row_groups[rowGroup];
  if (!group) throw new ParquetDecodeError(`the file has no row group ${rowGroup}`);
  for (const name of columns) {
    const unsupported = mapReason(metadata, name, [rowGroup]);
    if (unsupported) throw new ParquetDecodeError(`cannot decode row group ${rowGroup}: ${unsupported}`);
  }
  const numRows = Number(group.num_rows);
  const plan = (leafPath: readonly string[]) => {
    const meta = chunkAt(metadata, rowGroup, leafPath)?.meta_data as ColumnMetaData;
    return { meta, bytes: readChunk(file, meta) };
  };
  const plans = columns.map((name) => {
    const shape = mapShape(metadata, name) as MapShape;
    return { name, shape, key: plan(shape.keyPath), value: plan(shape.valuePath) };
  });
  const decoded: MapChunkValues[] = [];
  for (const { name, shape, key, value } of plans) {
    try {
      const leaf = async (leafPlan: typeof key, element: SchemaElement, maxDef: number) =>
        decodeLeveledChunk(await leafPlan.bytes, leafPlan.meta, element, maxDef);
      const keys = await leaf(key, shape.key, shape.keyMaxDef);
      const values = await leaf(value, shape.value, shape.valueMaxDef);
      decoded.push(assembleMap(name, shape, keys, values, numRows));
    } catch (error) {
      throw new ParquetDecodeError(
        `cannot decode column ${name} of row group ${rowGroup}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return decoded;
}

/** One leaf of a nested column: per level entry its repetition and definition level and value index (-1: none). */
interface LeveledLeaf {
  rep: Int32Array;
  def: Int32Array;
  indices: Int32Array;
  values: DistinctValues;
}

/** Decodes a leaf chunk with max repetition level 1 and definition levels up to `maxDef` (≥ 1). */
function decodeLeveledChunk(
  chunk: Buffer,
  meta: ColumnMetaData,
  element: SchemaElement,
  maxDef: number,
): LeveledLeaf {
  const total = Number(meta.num_values);
  if (!(total >= 0) || total > 0x7fffffff) throw new Error(`column chunk holds ${meta.num_values} values`);
  const rep = new Int32Array(total);
  const def = new Int32Array(total);
  const indices = new Int32Array(total);
  const defWidth = 32 - Math.clz32(maxDef);
  const levels: ChunkLevels = { repetition: true, definition: true, unit: 'values' };
  const store = walkDataPages(chunk, meta, element, total, levels, (page, at) => {
    const n = page.count;
    const repMax = decodeHybrid(page.levels, page.repStart, page.repEnd, 1, rep, at, n, HYBRID_MAX);
    const defMax = decodeHybrid(page.levels, page.defStart, page.defEnd, defWidth, def, at, n, HYBRID_MAX);
    if (repMax > 1) throw new Error(`repetition level ${repMax} exceeds the maximum 1`);
    if (defMax > maxDef) throw new Error(`definition level ${defMax} exceeds the maximum ${maxDef}`);
    let present = 0;
    for (let i = at; i < at + n; i++) if (def[i] === maxDef) present++;
    readPageValues(page, element, indices, at, present);
    if (present < n) spreadPresent(indices, at, n, present, def, at, maxDef);
  });
  return { rep, def, indices, values: store.result() };
}

/** Builds per-row entry offsets from the key leaf and checks the value leaf agrees entry by entry. */
function assembleMap(
  name: string,
  shape: MapShape,
  keys: LeveledLeaf,
  values: LeveledLeaf,
  numRows: number,
): MapChunkValues {
  const offsets = new Int32Array(numRows + 1);
  const levels = keys.rep.length;
  const keyIndices = new Int32Array(levels);
  const { entryDef } = shape;
  let row = -1;
  let entries = 0;
  for (let i = 0; i < levels; i++) {
    const def = keys.def[i] as number;
    if (keys.rep[i] === 0) {
      if (++row >= numRows) throw new Error(`key column holds more than the ${numRows} rows of the group`);
      offsets[row] = entries;
    } else if (row < 0 || def < entryDef) {
      throw new Error('key column repeats a row without an entry');
    }
    if (def >= entryDef) {
      const index = keys.indices[i] as number;
      if (index < 0) throw new Error(`row ${row} holds a null map key`);
      keyIndices[entries++] = index;
    }
  }
  if (row + 1 !== numRows) throw new Error(`key column holds ${row + 1} of the ${numRows} rows`);
  offsets[numRows] = entries;
  const valueIndices = new Int32Array(entries);
  const valueLevels = values.rep.length;
  row = -1;
  let entry = 0;
  for (let i = 0; i < valueLevels; i++) {
    const def = values.def[i] as number;
    if (values.rep[i] === 0) {
      if (++row >= numRows || offsets[row] !== entry) {
        throw new Error(`key and value columns disagree on the entries of row ${row}`);
      }
    } else if (row < 0 || def < entryDef) {
      throw new Error('value column repeats a row without an entry');
    }
    if (def >= entryDef) {
      if (entry >= entries) throw new Error(`value column holds more than the ${entries} map entries`);
      valueIndices[entry++] = values.indices[i] as number;
    }
  }
  if (row + 1 !== numRows || entry !== entries) {
    throw new Error(
      `value column holds ${entry} entries in ${row + 1} rows, the key column ${entries} in ${numRows}`,
    );
  }
  return {
    name,
    offsets,
    keys: { indices: entries === levels ? keyIndices : keyIndices.slice(0, entries), values: keys.values },
    values: { indices: valueIndices, values: values.values },
  };
}
