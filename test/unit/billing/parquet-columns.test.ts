import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  type FileMetaData,
  parquetMetadata,
  parquetRead,
  parquetReadObjects,
  type SchemaElement,
} from 'hyparquet';
import { deserializeTCompactProtocol } from 'hyparquet/src/thrift.js';
import {
  type ColumnChunkValues,
  decodeRowGroupColumns,
  decodeRowGroupMaps,
  fastDecodeUnsupported,
  type MapChunkValues,
  mapColumnUnsupported,
  ParquetDecodeError,
} from '#shared/billing/parquet-columns';

const workDir = mkdtempSync(path.join(tmpdir(), 'parquet-columns-'));
const COLUMNS = ['id', 'label', 'unique_text', 'code', 'qty', 'flag', 'ratio', 'ratio32', 'cost', 'at'];

/** Writes `source` (a SELECT) with each COPY option set to its own file; returns the paths by name. */
async function writeWithDuckdb(
  source: string,
  variants: Record<string, string>,
): Promise<Record<string, string>> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const files: Record<string, string> = {};
  try {
    await connection.run('SET threads=1');
    await connection.run(`CREATE TABLE t AS ${source}`);
    for (const [name, options] of Object.entries(variants)) {
      const file = path.join(workDir, `${name}.parquet`);
      await connection.run(`COPY t TO '${file}' (FORMAT parquet, ${options})`);
      files[name] = file;
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return files;
}

/**
 * 6,000 rows: nulls, empty strings, non-ASCII in a dictionary column (label) and a PLAIN one
 * (unique_text, some values over 127 bytes), an all-ASCII PLAIN one (code), every physical type.
 */
const MIXED_SELECT = `SELECT r::BIGINT AS id,
    CASE WHEN r % 7 = 0 THEN NULL WHEN r % 5 = 0 THEN '' ELSE 'v' || (r % 13) || ' é漢字😀' END AS label,
    CASE WHEN r % 11 = 0 THEN NULL WHEN r % 17 = 0 THEN '' WHEN r % 2 = 0 THEN 'row-' || r || '-ascii-' || repeat('x', r % 150)
      ELSE 'ligne-' || r || '-é漢字😀' END AS unique_text,
    'code-' || r AS code,
    CASE WHEN r % 3 = 0 THEN NULL ELSE (r * 7 - 9000)::INTEGER END AS qty,
    CASE WHEN r % 4 = 0 THEN NULL ELSE r % 3 = 0 END AS flag,
    r / 3.0 - 700 AS ratio, (r / 7.0)::FLOAT AS ratio32,
    CASE WHEN r % 6 = 0 THEN NULL ELSE CAST((r - 2500) / 1000.123 AS DECIMAL(38,10)) END AS cost,
    TIMESTAMP '2026-01-01' + INTERVAL (r % 40) DAY AS at
  FROM range(6000) tbl(r)`;

let files: Record<string, string>;

beforeAll(async () => {
  files = await writeWithDuckdb(MIXED_SELECT, {
    snappy: 'COMPRESSION snappy, ROW_GROUP_SIZE 2048',
    gzip: 'COMPRESSION gzip, ROW_GROUP_SIZE 4096',
    uncompressed: 'COMPRESSION uncompressed',
    v2: 'COMPRESSION snappy, PARQUET_VERSION v2, ROW_GROUP_SIZE 4096',
    zstd: 'COMPRESSION zstd',
  });
  const nested = await writeWithDuckdb(
    `SELECT r AS id, MAP {'k': r} AS attributes, [r, r + 1] AS list FROM range(10) tbl(r)`,
    { nested: 'COMPRESSION snappy' },
  );
  files = { ...files, ...nested };
}, 30_000);

function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** Metadata with the logical annotations removed, so hyparquet returns raw physical values. */
function rawMetadata(file: ArrayBuffer): FileMetaData {
  const metadata = parquetMetadata(file);
  for (const element of metadata.schema) {
    element.converted_type = undefined;
    element.logical_type = undefined;
  }
  return metadata;
}

/** A decoded value in a comparable form: FLBA/bytes as hex, the rest as is; null for -1. */
function valueAt(column: ColumnChunkValues, row: number): unknown {
  const index = column.indices[row] as number;
  if (index === -1) return null;
  const values = column.values;
  if (values.kind === 'text') return values.items[index];
  if (values.kind === 'fixed') {
    if (index >= values.count) return 'out of range';
    return Buffer.from(values.bytes.subarray(index * values.width, (index + 1) * values.width)).toString(
      'hex',
    );
  }
  if (index >= values.count) return 'out of range';
  const value = values.items[index];
  return values.kind === 'boolean' ? value === 1 : value;
}

function comparable(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return value;
}

/** Decodes every row group with our decoder and with hyparquet; returns both as rows of values. */
async function decodeBoth(file: ArrayBuffer, metadata: FileMetaData, columns: string[]) {
  const ours: unknown[][] = [];
  const theirs: unknown[][] = [];
  let rowStart = 0;
  for (let group = 0; group < metadata.row_groups.length; group++) {
    const decoded = await decodeRowGroupColumns(file, metadata, group, columns);
    const rows = Number(metadata.row_groups[group]?.num_rows);
    for (const column of decoded) expect(column.indices).toHaveLength(rows);
    for (let row = 0; row < rows; row++) ours.push(decoded.map((column) => valueAt(column, row)));
    rowStart += rows;
  }
  await parquetRead({
    file,
    metadata,
    columns,
    compressors: { GZIP: (input: Uint8Array) => new Uint8Array(gunzipSync(input)) },
    onComplete: (rows) => {
      for (const row of rows as unknown[][]) theirs.push(row.map(comparable));
    },
  });
  expect(ours).toHaveLength(rowStart);
  return { ours, theirs };
}

/** Overwrites `bytes` with a reproducible pseudo-random sequence (an LCG seeded by `seed`). */
function fillWithNoise(bytes: Uint8Array, seed: number): void {
  let state = seed;
  for (let i = 0; i < bytes.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
}

function loadFile(name: string): { file: ArrayBuffer; metadata: FileMetaData } {
  const file = arrayBufferOf(readFileSync(files[name] as string));
  return { file, metadata: rawMetadata(file) };
}

describe('decodeRowGroupColumns on DuckDB files', () => {
  it.each(['snappy', 'gzip', 'uncompressed'])(
    'gives the same values as hyparquet for every row when the file is written %s',
    async (name) => {
      // Prepare
      const { file, metadata } = loadFile(name);
      // Act
      const { ours, theirs } = await decodeBoth(file, metadata, COLUMNS);
      // Assess
      expect(fastDecodeUnsupported(metadata, COLUMNS)).toBeUndefined();
      expect(ours).toEqual(theirs);
      expect(ours).toHaveLength(6000);
    },
  );

  it('keeps a dictionary column as distinct values with per-row indices and -1 for nulls when the chunk is dictionary-encoded', async () => {
    // Prepare
    const { file, metadata } = loadFile('snappy');
    // Act
    const [label] = await decodeRowGroupColumns(file, metadata, 0, ['label']);
    // Assess
    expect(label?.values.kind).toBe('text');
    const items = label?.values.kind === 'text' ? label.values.items : [];
    expect(new Set(items)).toEqual(new Set(['', ...Array.from({ length: 13 }, (_, i) => `v${i} é漢字😀`)]));
    expect(label?.indices[0]).toBe(-1); // row 0: 0 % 7 === 0
    expect(items[label?.indices[1] as number]).toBe('v1 é漢字😀');
    expect(items[label?.indices[5] as number]).toBe('');
  });

  it('reads the rows of several row groups in order when the file has multiple row groups', async () => {
    // Prepare
    const { file, metadata } = loadFile('snappy');
    // Act
    const ids: bigint[] = [];
    for (let group = 0; group < metadata.row_groups.length; group++) {
      const [id] = await decodeRowGroupColumns(file, metadata, group, ['id']);
      if (id?.values.kind !== 'int64') throw new Error('id is not int64');
      for (const index of id.indices) ids.push(id.values.items[index] as bigint);
    }
    // Assess
    expect(metadata.row_groups.length).toBeGreaterThanOrEqual(2);
    expect(ids).toEqual(Array.from({ length: 6000 }, (_, i) => BigInt(i)));
  });

  it('names the DELTA/BYTE_STREAM_SPLIT columns and decodes the others when DuckDB writes PARQUET_VERSION v2', async () => {
    // (DuckDB 1.5 writes DATA_PAGE v1 pages with v2 encodings; DATA_PAGE_V2 is covered by the hand-built chunks.)
    // Prepare
    const { file, metadata } = loadFile('v2');
    const readable = COLUMNS.filter((name) => fastDecodeUnsupported(metadata, [name]) === undefined);
    // Act
    const { ours, theirs } = await decodeBoth(file, metadata, readable);
    // Assess
    expect(readable).toEqual(expect.arrayContaining(['label', 'flag', 'cost', 'at']));
    expect(fastDecodeUnsupported(metadata, ['id'])).toMatch(
      /column id uses the DELTA_BINARY_PACKED encoding/,
    );
    expect(fastDecodeUnsupported(metadata, ['ratio'])).toMatch(/BYTE_STREAM_SPLIT/);
    expect(ours).toEqual(theirs);
  });
});

describe('fastDecodeUnsupported', () => {
  it('names the codec when the file is ZSTD-compressed', () => {
    // Prepare
    const { metadata } = loadFile('zstd');
    // Act
    const reason = fastDecodeUnsupported(metadata, ['label']);
    // Assess
    expect(reason).toMatch(/column label is compressed with ZSTD/);
  });

  it('makes decodeRowGroupColumns refuse with the same reason when a column it cannot read is requested', async () => {
    // Prepare
    const { file, metadata } = loadFile('zstd');
    // Act
    const decoding = decodeRowGroupColumns(file, metadata, 0, ['label']);
    // Assess
    await expect(decoding).rejects.toThrow(ParquetDecodeError);
    await expect(decoding).rejects.toThrow(/row group 0: column label is compressed with ZSTD/);
  });

  it('names the nested column when a MAP or LIST column is requested', () => {
    // Prepare
    const { metadata } = loadFile('nested');
    // Act
    const reasons = [['attributes'], ['list'], ['id'], ['missing']].map((columns) =>
      fastDecodeUnsupported(metadata, columns),
    );
    // Assess
    expect(reasons[0]).toMatch(/column attributes is nested/);
    expect(reasons[1]).toMatch(/column list is nested/);
    expect(reasons[2]).toBeUndefined();
    expect(reasons[3]).toMatch(/missing is not a top-level column/);
  });

  it('names INT96 and repeated primitive columns when the metadata holds them', () => {
    // Prepare
    const column = (name: string, type: string) => ({
      file_offset: 4n,
      meta_data: { type, encodings: ['PLAIN'], path_in_schema: [name], codec: 'SNAPPY' },
    });
    const metadata = {
      version: 1,
      schema: [
        { name: 'root', num_children: 3, repetition_type: 'REQUIRED' },
        { name: 'legacy_time', type: 'INT96', repetition_type: 'OPTIONAL' },
        { name: 'codes', type: 'INT32', repetition_type: 'REPEATED' },
        { name: 'plain', type: 'INT32', repetition_type: 'OPTIONAL' },
      ],
      num_rows: 1n,
      metadata_length: 0,
      row_groups: [
        {
          columns: [column('legacy_time', 'INT96'), column('codes', 'INT32'), column('plain', 'INT32')],
          num_rows: 1n,
          total_byte_size: 1n,
        },
      ],
    } as unknown as FileMetaData;
    // Act
    const reasons = ['legacy_time', 'codes', 'plain'].map((name) => fastDecodeUnsupported(metadata, [name]));
    // Assess
    expect(reasons).toEqual(['column legacy_time has the INT96 type', 'column codes is repeated', undefined]);
  });
});

// ---------------------------------------------------------------------------------------------
// Hand-built chunks: REQUIRED columns and a dictionary that falls back to PLAIN mid-chunk, which
// DuckDB does not write (it picks dictionary or plain for a whole chunk).

class CompactWriter {
  bytes: number[] = [];
  private lastField = [0];
  varint(n: number): this {
    let value = n;
    while (value >= 0x80) {
      this.bytes.push((value & 0x7f) | 0x80);
      value = Math.floor(value / 128);
    }
    this.bytes.push(value);
    return this;
  }
  i32(id: number, value: number): this {
    this.fieldHeader(id, 5);
    return this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }
  fieldHeader(id: number, type: number): void {
    const last = this.lastField[this.lastField.length - 1] as number;
    this.bytes.push(((id - last) << 4) | type);
    this.lastField[this.lastField.length - 1] = id;
  }
  struct(id: number, body: (w: this) => void): this {
    this.fieldHeader(id, 12);
    this.lastField.push(0);
    body(this);
    this.bytes.push(0);
    this.lastField.pop();
    return this;
  }
  stop(): number[] {
    this.bytes.push(0);
    return this.bytes;
  }
}

/** RLE/bit-packed hybrid: one RLE run of the first value (×8), then bit-packed groups. */
function hybrid(values: number[], width: number): number[] {
  const out: number[] = [];
  let start = 0;
  if (values.length >= 8 && values.slice(0, 8).every((v) => v === values[0])) {
    out.push(
      8 << 1,
      ...Array.from({ length: (width + 7) >> 3 }, (_, i) => ((values[0] as number) >> (8 * i)) & 0xff),
    );
    start = 8;
  }
  const rest = values.slice(start);
  if (rest.length === 0) return out;
  const groups = Math.ceil(rest.length / 8);
  out.push(...new CompactWriter().varint((groups << 1) | 1).bytes);
  const packed = new Array<number>(groups * width).fill(0);
  rest.forEach((value, i) => {
    for (let bit = 0; bit < width; bit++) {
      if ((value >> bit) & 1) {
        const at = i * width + bit;
        packed[at >> 3] = (packed[at >> 3] as number) | (1 << (at & 7));
      }
    }
  });
  return [...out, ...packed];
}

const u32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
const plainText = (items: string[]) =>
  items.flatMap((item) => {
    const bytes = [...Buffer.from(item, 'utf8')];
    return [...u32(bytes.length), ...bytes];
  });

/** Snappy made of literals only (valid input for any snappy decoder). */
function snappyLiterals(body: number[]): number[] {
  const out = new CompactWriter().varint(body.length).bytes;
  for (let at = 0; at < body.length; at += 60) {
    const piece = body.slice(at, at + 60);
    out.push((piece.length - 1) << 2, ...piece);
  }
  return out;
}

type Codec = 'UNCOMPRESSED' | 'SNAPPY';
const compress = (codec: Codec, body: number[]) => (codec === 'SNAPPY' ? snappyLiterals(body) : body);

function pageBytes(header: CompactWriter, body: number[]): number[] {
  return [...header.stop(), ...body];
}

function dictionaryPage(codec: Codec, count: number, body: number[]): number[] {
  const stored = compress(codec, body);
  const header = new CompactWriter()
    .i32(1, 2)
    .i32(2, body.length)
    .i32(3, stored.length)
    .struct(7, (w) => w.i32(1, count).i32(2, 0));
  return pageBytes(header, stored);
}

/** DATA_PAGE (v1): levels and values compressed together. */
function dataPage(
  codec: Codec,
  count: number,
  encoding: number,
  levels: number[],
  values: number[],
): number[] {
  const body = [...(levels.length ? [...u32(levels.length), ...levels] : []), ...values];
  const stored = compress(codec, body);
  const header = new CompactWriter()
    .i32(1, 0)
    .i32(2, body.length)
    .i32(3, stored.length)
    .struct(5, (w) => w.i32(1, count).i32(2, encoding).i32(3, 3).i32(4, 3));
  return pageBytes(header, stored);
}

/** DATA_PAGE_V2: levels uncompressed (no length prefix), then the values, compressed. */
function dataPageV2(
  codec: Codec,
  count: number,
  nulls: number,
  encoding: number,
  levels: number[],
  values: number[],
) {
  const stored = compress(codec, values);
  const header = new CompactWriter()
    .i32(1, 3)
    .i32(2, levels.length + values.length)
    .i32(3, levels.length + stored.length)
    .struct(8, (w) => {
      w.i32(1, count).i32(2, nulls).i32(3, count).i32(4, encoding).i32(5, levels.length).i32(6, 0);
      w.fieldHeader(7, codec === 'SNAPPY' ? 1 : 2);
    });
  return pageBytes(header, [...levels, ...stored]);
}

/**
 * One row group of two columns: `name` (OPTIONAL text: dictionary-encoded DATA_PAGE, then a PLAIN
 * fallback DATA_PAGE_V2 with nulls, then a dictionary-encoded DATA_PAGE_V2 without nulls) and `n`
 * (REQUIRED INT32, two pages).
 */
function handBuiltFile(codec: Codec) {
  const dictionary = ['alpha', 'béta', '漢字', ''];
  const page1 = Array.from({ length: 20 }, (_, i) => (i % 6 === 5 ? null : (dictionary[i % 4] as string)));
  const page2 = Array.from({ length: 12 }, (_, i) => (i % 5 === 4 ? null : `unique-${i}-ü😀`));
  const page3 = Array.from({ length: 9 }, () => 'alpha');
  const names: (string | null)[] = [...page1, ...page2, ...page3];
  const levels = (rows: (string | null)[]) =>
    hybrid(
      rows.map((v) => (v === null ? 0 : 1)),
      1,
    );
  const present = (rows: (string | null)[]) => rows.filter((v): v is string => v !== null);
  const dictionaryIndices = (rows: (string | null)[]) => [
    2,
    ...hybrid(
      present(rows).map((v) => dictionary.indexOf(v)),
      2,
    ),
  ];
  const dictionaryBytes = dictionaryPage(codec, dictionary.length, plainText(dictionary));
  const textChunk = [
    ...dictionaryBytes,
    ...dataPage(codec, page1.length, 8, levels(page1), dictionaryIndices(page1)),
    ...dataPageV2(
      codec,
      page2.length,
      page2.length - present(page2).length,
      0,
      levels(page2),
      plainText(present(page2)),
    ),
    ...dataPageV2(codec, page3.length, 0, 2, levels(page3), dictionaryIndices(page3)),
  ];
  const numbers = Array.from({ length: names.length }, (_, i) => i * 1000 - 7);
  const numberChunk = [
    ...dataPage(codec, 25, 0, [], numbers.slice(0, 25).flatMap(u32)),
    ...dataPage(codec, numbers.length - 25, 0, [], numbers.slice(25).flatMap(u32)),
  ];
  const bytes = new Uint8Array([0x50, 0x41, 0x52, 0x31, ...textChunk, ...numberChunk]);
  const schema: SchemaElement[] = [
    { name: 'root', num_children: 2, repetition_type: 'REQUIRED' },
    { name: 'name', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
    { name: 'n', type: 'INT32', repetition_type: 'REQUIRED' },
  ];
  const chunk = (name: string, type: string, offset: number, length: number, dataOffset: number) => ({
    file_offset: BigInt(offset),
    meta_data: {
      type,
      encodings: ['PLAIN', 'RLE_DICTIONARY', 'PLAIN_DICTIONARY', 'RLE'],
      path_in_schema: [name],
      codec,
      num_values: BigInt(names.length),
      total_uncompressed_size: BigInt(length),
      total_compressed_size: BigInt(length),
      data_page_offset: BigInt(dataOffset),
      ...(dataOffset > offset ? { dictionary_page_offset: BigInt(offset) } : {}),
    },
  });
  const numberOffset = 4 + textChunk.length;
  const metadata = {
    version: 1,
    schema,
    num_rows: BigInt(names.length),
    metadata_length: 0,
    row_groups: [
      {
        columns: [
          chunk('name', 'BYTE_ARRAY', 4, textChunk.length, 4 + dictionaryBytes.length),
          chunk('n', 'INT32', numberOffset, numberChunk.length, numberOffset),
        ],
        total_byte_size: BigInt(bytes.length),
        num_rows: BigInt(names.length),
      },
    ],
  } as unknown as FileMetaData;
  return { file: arrayBufferOf(bytes), metadata, names, numbers };
}

describe('decodeRowGroupColumns on hand-built chunks', () => {
  it.each<Codec>(['UNCOMPRESSED', 'SNAPPY'])(
    'appends PLAIN values after the dictionary and points rows at them when a %s chunk falls back from dictionary to PLAIN (DATA_PAGE and DATA_PAGE_V2)',
    async (codec) => {
      // Prepare
      const { file, metadata, names } = handBuiltFile(codec);
      // Act
      const [name] = await decodeRowGroupColumns(file, metadata, 0, ['name']);
      const { ours, theirs } = await decodeBoth(file, metadata, ['name', 'n']);
      // Assess
      if (name?.values.kind !== 'text') throw new Error('name is not text');
      expect(name.values.items).toEqual([
        'alpha',
        'béta',
        '漢字',
        '',
        ...names.slice(20, 32).filter((v) => v !== null),
      ]);
      expect(Array.from(name.indices, (_, row) => valueAt(name, row))).toEqual(names);
      expect(ours).toEqual(theirs);
    },
  );

  it('reads values without definition levels when the column is REQUIRED', async () => {
    // Prepare
    const { file, metadata, numbers } = handBuiltFile('SNAPPY');
    // Act
    const [n] = await decodeRowGroupColumns(file, metadata, 0, ['n']);
    // Assess
    expect(n?.values.kind).toBe('int32');
    expect(Array.from(n?.indices ?? [], (_, row) => valueAt(n as ColumnChunkValues, row))).toEqual(numbers);
  });
});

/** One REQUIRED INT32 column: a dictionary of `size` values (i * 3 - 5) and 301 rows of indices packed at `width` bits. */
function dictionaryWidthFile(width: number, size: number) {
  const dictionary = Array.from({ length: size }, (_, i) => i * 3 - 5);
  let seed = width;
  const indices = Array.from({ length: 301 }, () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % size;
  });
  indices[7] = size - 1;
  const dictionaryBytes = dictionaryPage('UNCOMPRESSED', size, dictionary.flatMap(u32));
  const chunk = [
    ...dictionaryBytes,
    ...dataPage('UNCOMPRESSED', indices.length, 8, [], [width, ...hybrid(indices, width)]),
  ];
  const bytes = new Uint8Array([0x50, 0x41, 0x52, 0x31, ...chunk]);
  const metadata = {
    version: 1,
    schema: [
      { name: 'root', num_children: 1, repetition_type: 'REQUIRED' },
      { name: 'v', type: 'INT32', repetition_type: 'REQUIRED' },
    ],
    num_rows: BigInt(indices.length),
    metadata_length: 0,
    row_groups: [
      {
        columns: [
          {
            file_offset: 4n,
            meta_data: {
              type: 'INT32',
              encodings: ['PLAIN', 'RLE_DICTIONARY'],
              path_in_schema: ['v'],
              codec: 'UNCOMPRESSED',
              num_values: BigInt(indices.length),
              total_uncompressed_size: BigInt(chunk.length),
              total_compressed_size: BigInt(chunk.length),
              data_page_offset: BigInt(4 + dictionaryBytes.length),
              dictionary_page_offset: 4n,
            },
          },
        ],
        total_byte_size: BigInt(bytes.length),
        num_rows: BigInt(indices.length),
      },
    ],
  } as unknown as FileMetaData;
  return { file: arrayBufferOf(bytes), metadata, values: indices.map((i) => dictionary[i]) };
}

describe('decodeRowGroupColumns on dictionary indices of every width', () => {
  it.each([
    [1, 2],
    [3, 8],
    [8, 200],
    [13, 5000],
    [16, 65536],
    [17, 70000],
    [24, 70000],
  ])(
    'reads the values as hyparquet does when indices are bit-packed at %i bits (dictionary of %i)',
    async (width, size) => {
      // Prepare
      const { file, metadata, values } = dictionaryWidthFile(width, size);
      // Act
      const [column] = await decodeRowGroupColumns(file, metadata, 0, ['v']);
      const { ours, theirs } = await decodeBoth(file, metadata, ['v']);
      // Assess
      expect(
        Array.from(column?.indices ?? [], (_, row) => valueAt(column as ColumnChunkValues, row)),
      ).toEqual(values);
      expect(ours).toEqual(theirs);
    },
  );

  // hyparquet 1.33 mis-reads bit-packed values wider than 24 bits, so these compare with the written values only.
  it.each([
    [25, 70000],
    [32, 1000],
  ])(
    'reads the written values when indices are bit-packed at %i bits (dictionary of %i)',
    async (width, size) => {
      // Prepare
      const { file, metadata, values } = dictionaryWidthFile(width, size);
      // Act
      const [column] = await decodeRowGroupColumns(file, metadata, 0, ['v']);
      // Assess
      expect(
        Array.from(column?.indices ?? [], (_, row) => valueAt(column as ColumnChunkValues, row)),
      ).toEqual(values);
    },
  );

  it.each([
    [8, 200, 100],
    [13, 5000, 4000],
    [20, 70000, 60000],
  ])(
    'throws a ParquetDecodeError when an index points past the dictionary (%i bits, dictionary of %i said to hold %i)',
    async (width, size, claimed) => {
      // Prepare: the dictionary page header claims fewer entries than the indices use.
      const { file, metadata } = dictionaryWidthFile(width, size);
      const header = (count: number) =>
        new CompactWriter()
          .i32(1, 2)
          .i32(2, size * 4)
          .i32(3, size * 4)
          .struct(7, (w) => w.i32(1, count).i32(2, 0))
          .stop();
      expect(header(claimed)).toHaveLength(header(size).length);
      new Uint8Array(file).set(header(claimed), 4);
      // Act
      const decoding = decodeRowGroupColumns(file, metadata, 0, ['v']);
      // Assess
      await expect(decoding).rejects.toThrow(ParquetDecodeError);
      await expect(decoding).rejects.toThrow(
        new RegExp(`column v of row group 0: .*dictionary index \\d+ ≥ dictionary size ${claimed}`),
      );
    },
  );
});

describe('decodeRowGroupColumns on corrupt data', () => {
  /** The position of the first data page's body of a column in row group 0. */
  function firstDataPageBody(
    file: ArrayBuffer,
    metadata: FileMetaData,
    column: string,
  ): { start: number; end: number } {
    const meta = metadata.row_groups[0]?.columns.find(
      (c) => c.meta_data?.path_in_schema[0] === column,
    )?.meta_data;
    const offset = Number(meta?.data_page_offset);
    const reader = { view: new DataView(file, offset), offset: 0 };
    const header = deserializeTCompactProtocol(reader);
    const size = header.field_3 as number;
    return { start: offset + reader.offset, end: offset + reader.offset + size };
  }

  it.each([
    ['snappy', 'label'],
    ['uncompressed', 'label'],
    ['uncompressed', 'qty'],
  ])(
    'throws a ParquetDecodeError naming the column and row group when a %s data page of %s is overwritten',
    async (name, column) => {
      // Prepare
      const { file, metadata } = loadFile(name);
      const body = firstDataPageBody(file, metadata, column);
      new Uint8Array(file, body.start, body.end - body.start).fill(0xff);
      // Act
      const decoding = decodeRowGroupColumns(file, metadata, 0, ['id', column]);
      // Assess
      await expect(decoding).rejects.toThrow(ParquetDecodeError);
      await expect(decoding).rejects.toThrow(`cannot decode column ${column} of row group 0`);
    },
  );

  it('throws a ParquetDecodeError, not a hang or a crash, when a whole column chunk is random bytes', async () => {
    // Prepare
    const { file, metadata } = loadFile('snappy');
    const meta = metadata.row_groups[1]?.columns.find(
      (c) => c.meta_data?.path_in_schema[0] === 'unique_text',
    )?.meta_data;
    const start = Number(meta?.dictionary_page_offset ?? meta?.data_page_offset);
    fillWithNoise(new Uint8Array(file, start, Number(meta?.total_compressed_size)), 12345);
    // Act
    const decoding = decodeRowGroupColumns(file, metadata, 1, ['unique_text']);
    // Assess
    await expect(decoding).rejects.toThrow(ParquetDecodeError);
    await expect(decoding).rejects.toThrow('cannot decode column unique_text of row group 1');
  });
});

// ---------------------------------------------------------------------------------------------
// MAP columns.

/**
 * 6,000 rows in 3 row groups: `tags` with null maps, empty maps, 1–4 entries, null values and
 * non-ASCII keys/values (dictionary-encoded); `literal` (unique PLAIN values); `counts` (INT64
 * values); `by_id` (INT32 keys); `list` (a LIST, not a MAP).
 */
const MAP_SELECT = `SELECT r::BIGINT AS id,
    CASE WHEN r % 9 = 0 THEN NULL WHEN r % 9 = 1 THEN MAP {}
      ELSE MAP(list_transform(range(r % 4 + 1), k -> 'tag-' || k || CASE WHEN r % 2 = 0 THEN '-é漢' ELSE '' END),
               list_transform(range(r % 4 + 1), k -> CASE WHEN (r + k) % 5 = 0 THEN NULL ELSE 'v' || ((r + k) % 11) || '😀' END)) END AS tags,
    MAP {'cost-center': 'cc-' || (r % 8), 'team': 'team-' || r || '-' || md5(r::VARCHAR)} AS literal,
    MAP {'units': r::BIGINT, 'half': CASE WHEN r % 3 = 0 THEN NULL ELSE r // 2 END} AS counts,
    MAP {(r % 100)::INTEGER: 'x' || r} AS by_id,
    [r, r + 1] AS list
  FROM range(6000) tbl(r)`;
const MAP_COLUMNS = ['tags', 'literal', 'counts', 'by_id'];

let mapFiles: Record<string, string>;

beforeAll(async () => {
  mapFiles = await writeWithDuckdb(MAP_SELECT, {
    'maps-snappy': 'COMPRESSION snappy, ROW_GROUP_SIZE 2048',
    'maps-gzip': 'COMPRESSION gzip, ROW_GROUP_SIZE 2048',
    'maps-uncompressed': 'COMPRESSION uncompressed',
    'maps-zstd': 'COMPRESSION zstd',
  });
}, 30_000);

function loadMapFile(name: string): { file: ArrayBuffer; metadata: FileMetaData } {
  const file = arrayBufferOf(readFileSync(mapFiles[name] as string));
  return { file, metadata: parquetMetadata(file) };
}

/** A map's entries per row as [key, value] pairs (value null for -1). */
function mapEntries(map: MapChunkValues): [unknown, unknown][][] {
  const keys = { name: 'key', ...map.keys };
  const values = { name: 'value', ...map.values };
  return Array.from({ length: map.offsets.length - 1 }, (_, row) => {
    const entries: [unknown, unknown][] = [];
    for (let e = map.offsets[row] as number; e < (map.offsets[row + 1] as number); e++) {
      entries.push([valueAt(keys, e), valueAt(values, e)]);
    }
    return entries;
  });
}

/** Every row group's maps with our decoder and with hyparquet (a MAP as an object, null maps as {}). */
async function decodeMapsBoth(file: ArrayBuffer, metadata: FileMetaData, columns: string[]) {
  const ours: Record<string, unknown>[] = [];
  for (let group = 0; group < metadata.row_groups.length; group++) {
    const decoded = await decodeRowGroupMaps(file, metadata, group, columns);
    const rows = decoded.map(mapEntries);
    for (let row = 0; row < Number(metadata.row_groups[group]?.num_rows); row++) {
      ours.push(
        Object.fromEntries(decoded.map((map, c) => [map.name, Object.fromEntries(rows[c]?.[row] ?? [])])),
      );
    }
  }
  const objects = await parquetReadObjects({
    file,
    metadata,
    columns,
    compressors: { GZIP: (input: Uint8Array) => new Uint8Array(gunzipSync(input)) },
  });
  const theirs = objects.map((row) =>
    Object.fromEntries(
      columns.map((name) => [
        name,
        Object.fromEntries(Object.entries(row[name] ?? {}).map(([k, v]) => [k, v ?? null])),
      ]),
    ),
  );
  return { ours, theirs };
}

describe('decodeRowGroupMaps on DuckDB files', () => {
  it.each(['maps-snappy', 'maps-gzip', 'maps-uncompressed'])(
    'gives the same entries as hyparquet for every row when the file is %s',
    async (name) => {
      // Prepare
      const { file, metadata } = loadMapFile(name);
      // Act
      const { ours, theirs } = await decodeMapsBoth(file, metadata, MAP_COLUMNS);
      // Assess
      for (const column of MAP_COLUMNS) expect(mapColumnUnsupported(metadata, column)).toBeUndefined();
      expect(ours).toHaveLength(6000);
      expect(ours).toEqual(theirs);
    },
  );

  it('gives null and empty maps no entries, a null value -1 and keys in written order when the row group starts with them', async () => {
    // Prepare
    const { file, metadata } = loadMapFile('maps-snappy');
    // Act
    const [tags] = await decodeRowGroupMaps(file, metadata, 0, ['tags']);
    // Assess
    if (!tags) throw new Error('no tags');
    expect(tags.offsets).toHaveLength(Number(metadata.row_groups[0]?.num_rows) + 1);
    expect(Array.from(tags.offsets.subarray(0, 6))).toEqual([0, 0, 0, 3, 7, 8]);
    const rows = mapEntries(tags);
    expect(rows[0]).toEqual([]); // NULL map
    expect(rows[1]).toEqual([]); // MAP {}
    expect(rows[2]).toEqual([
      ['tag-0-é漢', 'v2😀'],
      ['tag-1-é漢', 'v3😀'],
      ['tag-2-é漢', 'v4😀'],
    ]);
    expect(rows[3]).toEqual([
      ['tag-0', 'v3😀'],
      ['tag-1', 'v4😀'],
      ['tag-2', null], // (3 + 2) % 5 === 0
      ['tag-3', 'v6😀'],
    ]);
    expect(tags.values.indices[5]).toBe(-1);
    expect(tags.keys.indices).toHaveLength(tags.offsets[tags.offsets.length - 1] as number);
    expect(tags.values.indices).toHaveLength(tags.keys.indices.length);
    expect(tags.keys.values.kind === 'text' && tags.keys.values.items.length).toBeLessThanOrEqual(8);
  });

  it('numbers entries from 0 in each row group when the file has several row groups', async () => {
    // Prepare
    const { file, metadata } = loadMapFile('maps-gzip');
    // Act
    const groups = await Promise.all(
      metadata.row_groups.map((_, group) => decodeRowGroupMaps(file, metadata, group, ['by_id'])),
    );
    // Assess
    expect(groups.length).toBeGreaterThanOrEqual(2);
    const keys = groups.flatMap(([byId]) => mapEntries(byId as MapChunkValues).map((row) => row[0]?.[0]));
    expect(keys).toEqual(Array.from({ length: 6000 }, (_, r) => r % 100));
    for (const [byId] of groups) expect(byId?.offsets[0]).toBe(0);
  });
});

describe('mapColumnUnsupported', () => {
  it('accepts the MAP columns and names the LIST, flat, missing and ZSTD-compressed ones', () => {
    // Prepare
    const { metadata } = loadMapFile('maps-snappy');
    const zstd = loadMapFile('maps-zstd').metadata;
    // Act
    const reasons = ['tags', 'list', 'id', 'missing'].map((name) => mapColumnUnsupported(metadata, name));
    const zstdReason = mapColumnUnsupported(zstd, 'tags');
    // Assess
    expect(reasons).toEqual([
      undefined,
      'column list is not a MAP',
      'column id is not a MAP',
      'column missing is not a top-level column of the file',
    ]);
    expect(zstdReason).toMatch(/column tags\.key_value\.key is compressed with ZSTD in row group 0/);
  });

  it('makes decodeRowGroupMaps refuse with a ParquetDecodeError when a LIST column is requested', async () => {
    // Prepare
    const { file, metadata } = loadMapFile('maps-snappy');
    // Act
    const decoding = decodeRowGroupMaps(file, metadata, 0, ['tags', 'list']);
    // Assess
    await expect(decoding).rejects.toThrow(ParquetDecodeError);
    await expect(decoding).rejects.toThrow('cannot decode row group 0: column list is not a MAP');
  });

  it('names a MAP whose value is a group when the key_value group nests a struct', () => {
    // Prepare
    const metadata = {
      version: 1,
      schema: [
        { name: 'root', num_children: 1, repetition_type: 'REQUIRED' },
        { name: 'm', num_children: 1, repetition_type: 'OPTIONAL', converted_type: 'MAP' },
        { name: 'key_value', num_children: 2, repetition_type: 'REPEATED' },
        { name: 'key', type: 'BYTE_ARRAY', repetition_type: 'REQUIRED' },
        { name: 'value', num_children: 1, repetition_type: 'OPTIONAL' },
        { name: 'inner', type: 'INT32', repetition_type: 'OPTIONAL' },
      ],
      num_rows: 0n,
      metadata_length: 0,
      row_groups: [],
    } as unknown as FileMetaData;
    // Act
    const reason = mapColumnUnsupported(metadata, 'm');
    // Assess
    expect(reason).toMatch(/does not hold exactly a primitive key and a primitive value/);
  });
});

type MapRow = null | [string, string | null][];

/** Rows with null maps, empty maps, null values and non-ASCII text; pages split after row 7. */
const HAND_MAP_ROWS: MapRow[] = [
  [
    ['a', '1'],
    ['b', null],
  ],
  null,
  [],
  [['é漢', 'ü😀']],
  [
    ['a', null],
    ['c', '3'],
    ['d', '4'],
  ],
  null,
  null,
  [['x', 'y']],
  [],
  [
    ['k', 'v'],
    ['l', 'w'],
  ],
  [['a', '']],
  [],
];

/** Repetition/definition levels and PLAIN values of a map's key and value leaves for some rows. */
function mapLeaves(rows: MapRow[], optionalMap: boolean) {
  const entryDef = optionalMap ? 2 : 1;
  // Level bit widths: the key's max definition level is entryDef, the (optional) value's one more.
  const key = {
    rep: [] as number[],
    def: [] as number[],
    values: [] as string[],
    width: optionalMap ? 2 : 1,
  };
  const value = { rep: [] as number[], def: [] as number[], values: [] as string[], width: 2 };
  for (const row of rows) {
    if (!row || row.length === 0) {
      const def = row === null ? 0 : entryDef - 1;
      for (const leaf of [key, value]) {
        leaf.rep.push(0);
        leaf.def.push(def);
      }
      continue;
    }
    row.forEach(([k, v], i) => {
      key.rep.push(i === 0 ? 0 : 1);
      key.def.push(entryDef);
      key.values.push(k);
      value.rep.push(i === 0 ? 0 : 1);
      value.def.push(v === null ? entryDef : entryDef + 1);
      if (v !== null) value.values.push(v);
    });
  }
  return { key, value };
}

/** A data page of a map leaf: DATA_PAGE (levels with length prefixes) or DATA_PAGE_V2 (lengths in the header). */
function mapLeafPage(
  version: 1 | 2,
  codec: Codec,
  leaf: { rep: number[]; def: number[]; values: string[]; width: number },
  rows: number,
): number[] {
  const rep = hybrid(leaf.rep, 1);
  const def = hybrid(leaf.def, leaf.width);
  const values = plainText(leaf.values);
  const count = leaf.rep.length;
  if (version === 1) {
    const body = [...u32(rep.length), ...rep, ...u32(def.length), ...def, ...values];
    const stored = compress(codec, body);
    const header = new CompactWriter()
      .i32(1, 0)
      .i32(2, body.length)
      .i32(3, stored.length)
      .struct(5, (w) => w.i32(1, count).i32(2, 0).i32(3, 3).i32(4, 3));
    return pageBytes(header, stored);
  }
  const stored = compress(codec, values);
  const levels = rep.length + def.length;
  const header = new CompactWriter()
    .i32(1, 3)
    .i32(2, levels + values.length)
    .i32(3, levels + stored.length)
    .struct(8, (w) => {
      w.i32(1, count)
        .i32(2, count - leaf.values.length)
        .i32(3, rows)
        .i32(4, 0);
      w.i32(5, def.length).i32(6, rep.length);
      w.fieldHeader(7, codec === 'SNAPPY' ? 1 : 2);
    });
  return pageBytes(header, [...rep, ...def, ...stored]);
}

/** One row group holding a MAP column `attrs` (two pages per leaf) with the given schema variant. */
function handBuiltMapFile(options: {
  version: 1 | 2;
  codec: Codec;
  optionalMap: boolean;
  annotation: 'MAP' | 'MAP_KEY_VALUE';
  group: string;
  /** Drops the second entry of row 9 from the value leaf (a corrupt file). */
  dropValueEntry?: boolean;
}) {
  const rows = options.optionalMap ? HAND_MAP_ROWS : HAND_MAP_ROWS.map((row) => row ?? []);
  const valueRows = options.dropValueEntry
    ? rows.map((row, i) => (i === 9 ? (row ?? []).slice(0, 1) : row))
    : rows;
  const pages = [0, 8].map((start) => {
    const end = start === 0 ? 8 : rows.length;
    return {
      part: rows.slice(start, end),
      key: mapLeaves(rows.slice(start, end), options.optionalMap).key,
      value: mapLeaves(valueRows.slice(start, end), options.optionalMap).value,
    };
  });
  const chunkBytes = (leaf: 'key' | 'value') =>
    pages.flatMap((page) => mapLeafPage(options.version, options.codec, page[leaf], page.part.length));
  const keyChunk = chunkBytes('key');
  const valueChunk = chunkBytes('value');
  const bytes = new Uint8Array([0x50, 0x41, 0x52, 0x31, ...keyChunk, ...valueChunk]);
  const chunk = (leaf: 'key' | 'value', offset: number, length: number) => ({
    file_offset: BigInt(offset),
    meta_data: {
      type: 'BYTE_ARRAY',
      encodings: ['PLAIN', 'RLE'],
      path_in_schema: ['attrs', options.group, leaf],
      codec: options.codec,
      num_values: BigInt(pages.reduce((sum, page) => sum + page[leaf].rep.length, 0)),
      total_uncompressed_size: BigInt(length),
      total_compressed_size: BigInt(length),
      data_page_offset: BigInt(offset),
    },
  });
  const metadata = {
    version: 1,
    schema: [
      { name: 'root', num_children: 1, repetition_type: 'REQUIRED' },
      {
        name: 'attrs',
        num_children: 1,
        repetition_type: options.optionalMap ? 'OPTIONAL' : 'REQUIRED',
        converted_type: options.annotation,
      },
      { name: options.group, num_children: 2, repetition_type: 'REPEATED' },
      { name: 'key', type: 'BYTE_ARRAY', repetition_type: 'REQUIRED', converted_type: 'UTF8' },
      { name: 'value', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL', converted_type: 'UTF8' },
    ],
    num_rows: BigInt(rows.length),
    metadata_length: 0,
    row_groups: [
      {
        columns: [chunk('key', 4, keyChunk.length), chunk('value', 4 + keyChunk.length, valueChunk.length)],
        total_byte_size: BigInt(bytes.length),
        num_rows: BigInt(rows.length),
      },
    ],
  } as unknown as FileMetaData;
  return { file: arrayBufferOf(bytes), metadata, expected: rows.map((row) => row ?? []) };
}

describe('decodeRowGroupMaps on hand-built chunks', () => {
  it.each([
    { version: 1, codec: 'UNCOMPRESSED', optionalMap: true, annotation: 'MAP', group: 'key_value' },
    { version: 2, codec: 'SNAPPY', optionalMap: true, annotation: 'MAP', group: 'key_value' },
    { version: 2, codec: 'UNCOMPRESSED', optionalMap: false, annotation: 'MAP', group: 'key_value' },
    { version: 1, codec: 'SNAPPY', optionalMap: true, annotation: 'MAP_KEY_VALUE', group: 'map' },
    { version: 1, codec: 'SNAPPY', optionalMap: false, annotation: 'MAP_KEY_VALUE', group: 'map' },
  ] as const)(
    'reads every row when the pages are DATA_PAGE v$version $codec and the map is optional=$optionalMap $annotation with a $group group',
    async (options) => {
      // Prepare
      const { file, metadata, expected } = handBuiltMapFile(options);
      // Act
      const [attrs] = await decodeRowGroupMaps(file, metadata, 0, ['attrs']);
      // Assess
      expect(mapColumnUnsupported(metadata, 'attrs')).toBeUndefined();
      expect(mapEntries(attrs as MapChunkValues)).toEqual(expected);
    },
  );

  it('throws a ParquetDecodeError when the key and value leaves disagree on the entry count', async () => {
    // Prepare
    const { file, metadata } = handBuiltMapFile({
      version: 1,
      codec: 'UNCOMPRESSED',
      optionalMap: true,
      annotation: 'MAP',
      group: 'key_value',
      dropValueEntry: true,
    });
    // Act
    const decoding = decodeRowGroupMaps(file, metadata, 0, ['attrs']);
    // Assess
    await expect(decoding).rejects.toThrow(ParquetDecodeError);
    await expect(decoding).rejects.toThrow(
      'cannot decode column attrs of row group 0: key and value columns disagree on the entries of row 10',
    );
  });
});

describe('decodeRowGroupMaps on corrupt data', () => {
  /** The body of the first data page of a map leaf in a row group. */
  function firstMapPageBody(file: ArrayBuffer, metadata: FileMetaData, group: number, leaf: string[]) {
    const meta = metadata.row_groups[group]?.columns.find(
      (c) => c.meta_data?.path_in_schema.join('.') === leaf.join('.'),
    )?.meta_data;
    const offset = Number(meta?.data_page_offset);
    const reader = { view: new DataView(file, offset), offset: 0 };
    const header = deserializeTCompactProtocol(reader);
    return new Uint8Array(file, offset + reader.offset, header.field_3 as number);
  }

  it.each([
    ['maps-uncompressed', 0, 'key'],
    ['maps-snappy', 1, 'value'],
    ['maps-gzip', 2, 'key'],
  ] as const)(
    'throws a ParquetDecodeError naming the column and row group when a %s data page of row group %i (%s leaf) is overwritten',
    async (name, group, leaf) => {
      // Prepare
      const { file, metadata } = loadMapFile(name);
      firstMapPageBody(file, metadata, group, ['tags', 'key_value', leaf]).fill(0xff);
      // Act
      const decoding = decodeRowGroupMaps(file, metadata, group, ['literal', 'tags']);
      // Assess
      await expect(decoding).rejects.toThrow(ParquetDecodeError);
      await expect(decoding).rejects.toThrow(`cannot decode column tags of row group ${group}`);
    },
  );

  it('throws a ParquetDecodeError, not a hang or a crash, when a map leaf chunk is random bytes', async () => {
    // Prepare
    const { file, metadata } = loadMapFile('maps-snappy');
    const meta = metadata.row_groups[1]?.columns.find(
      (c) => c.meta_data?.path_in_schema.join('.') === 'literal.key_value.value',
    )?.meta_data;
    fillWithNoise(
      new Uint8Array(file, Number(meta?.data_page_offset), Number(meta?.total_compressed_size)),
      777,
    );
    // Act
    const decoding = decodeRowGroupMaps(file, metadata, 1, ['literal']);
    // Assess
    await expect(decoding).rejects.toThrow(ParquetDecodeError);
    await expect(decoding).rejects.toThrow('cannot decode column literal of row group 1');
  });
});
