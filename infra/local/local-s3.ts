import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import type { EventBridgeEvent } from 'aws-lambda';
import type { EventPattern } from './event-pattern';
import { closeServer, listenOnLoopback } from './loopback';

export interface LocalS3Props {
  /** Bucket name → folder on disk whose files are the bucket's objects (key = relative path with `/`). */
  buckets: Readonly<Record<string, string>>;
  /**
   * Buckets that also accept PutObject (written as files under their folder, atomically); the
   * others stay read-only, so the local export folder is never written by accident.
   */
  writableBuckets?: readonly string[];
}

/** An S3 (GetObject / HeadObject, PutObject on writable buckets; path-style) over folders on disk, on loopback. */
export interface LocalS3 {
  /** `http://127.0.0.1:<port>`: use as `new S3Client({ endpoint, forcePathStyle: true })` or AWS_ENDPOINT_URL_S3. */
  endpoint: string;
  /** Requests served, for summaries and tests (`GET bucket/key 200`). */
  readonly requests: readonly string[];
  stop(): Promise<void>;
}

/**
 * Starts the server on 127.0.0.1 and a free port. Supports `Range: bytes=…` (Parquet readers
 * fetch footers by range), answers S3's XML errors (NoSuchBucket, NoSuchKey) and refuses keys
 * that would escape the bucket folder.
 */
export async function startLocalS3(props: LocalS3Props): Promise<LocalS3> {
  const requests: string[] = [];
  const roots = new Map(Object.entries(props.buckets).map(([name, folder]) => [name, path.resolve(folder)]));
  const writable = new Set(props.writableBuckets ?? []);
  const server: Server = createServer((request, response) => {
    void serve(request, response, roots, writable).then((line) => requests.push(line));
  });
  const endpoint = await listenOnLoopback(server);
  return {
    endpoint,
    requests,
    stop: () => closeServer(server),
  };
}

async function serve(
  request: IncomingMessage,
  response: ServerResponse,
  roots: Map<string, string>,
  writable: ReadonlySet<string>,
): Promise<string> {
  // The raw path, not a URL-normalised one: `..` segments must reach the containment check below.
  const rawPath = (request.url ?? '/').split('?')[0] ?? '/';
  const [, bucket = '', ...keyParts] = rawPath.split('/');
  const key = keyParts.map((part) => decodeURIComponent(part)).join('/');
  const method = request.method ?? 'GET';
  const line = (status: number) => `${method} ${bucket}/${key} ${status}`;
  if (method !== 'GET' && method !== 'HEAD' && method !== 'PUT') {
    return sendError(
      response,
      method,
      405,
      'MethodNotAllowed',
      'Only GetObject, HeadObject and PutObject are served locally.',
      line,
    );
  }
  const root = roots.get(decodeURIComponent(bucket));
  if (!root)
    return sendError(response, method, 404, 'NoSuchBucket', 'The specified bucket does not exist.', line);
  const filePath = path.resolve(root, key);
  if (key === '' || !filePath.startsWith(`${root}${path.sep}`)) {
    return sendError(response, method, 404, 'NoSuchKey', 'The specified key does not exist.', line);
  }
  if (method === 'PUT')
    return putObject(request, response, filePath, writable.has(decodeURIComponent(bucket)), line);
  let stats: Stats;
  try {
    stats = await stat(filePath);
  } catch {
    return sendError(response, method, 404, 'NoSuchKey', 'The specified key does not exist.', line);
  }
  if (!stats.isFile())
    return sendError(response, method, 404, 'NoSuchKey', 'The specified key does not exist.', line);

  const headers: Record<string, string | number> = {
    'content-type': contentTypeOf(key),
    etag: etagOf(stats),
    'last-modified': stats.mtime.toUTCString(),
    'accept-ranges': 'bytes',
  };
  const range = parseRange(request.headers.range, stats.size);
  if (range === 'invalid') {
    return sendError(response, method, 416, 'InvalidRange', 'The requested range is not satisfiable', line);
  }
  const [start, end] = range ?? [0, stats.size - 1];
  const status = range ? 206 : 200;
  if (range) headers['content-range'] = `bytes ${start}-${end}/${stats.size}`;
  headers['content-length'] = stats.size === 0 ? 0 : end - start + 1;
  response.writeHead(status, headers);
  if (method === 'HEAD' || stats.size === 0) {
    response.end();
    return line(status);
  }
  await new Promise<void>((resolve) => {
    const stream = createReadStream(filePath, { start, end });
    stream.on('error', () => {
      response.destroy();
      resolve();
    });
    response.on('close', resolve);
    stream.pipe(response);
  });
  return line(status);
}

/**
 * PutObject (no CopyObject, no multipart): stores the body as the file, written to a temporary
 * name then renamed so a reader never sees half an object. Decodes the SDK's `aws-chunked`
 * streaming bodies (chunk framing plus trailing checksum), which it sends for streams.
 */
async function putObject(
  request: IncomingMessage,
  response: ServerResponse,
  filePath: string,
  writable: boolean,
  line: (status: number) => string,
): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  if (!writable) {
    return sendError(response, 'PUT', 403, 'AccessDenied', 'This local bucket is read-only.', line);
  }
  if (request.headers['x-amz-copy-source'] !== undefined) {
    return sendError(response, 'PUT', 501, 'NotImplemented', 'CopyObject is not served locally.', line);
  }
  let body: Buffer = Buffer.concat(chunks);
  const encoding = String(request.headers['content-encoding'] ?? '');
  const sha = String(request.headers['x-amz-content-sha256'] ?? '');
  if (encoding.includes('aws-chunked') || sha.startsWith('STREAMING-')) {
    const decoded = decodeAwsChunked(body);
    if (decoded === undefined) {
      return sendError(response, 'PUT', 400, 'IncompleteBody', 'Malformed aws-chunked body.', line);
    }
    body = decoded;
  }
  const declared = request.headers['x-amz-decoded-content-length'];
  if (declared !== undefined && Number(declared) !== body.length) {
    return sendError(
      response,
      'PUT',
      400,
      'IncompleteBody',
      'The body is shorter or longer than declared.',
      line,
    );
  }
  await mkdir(path.dirname(filePath), { recursive: true });
  const temporary = `${filePath}.${randomUUID()}.part`;
  await writeFile(temporary, body);
  await rename(temporary, filePath);
  response.writeHead(200, {
    etag: `"${createHash('md5').update(body).digest('hex')}"`,
    'content-length': 0,
  });
  response.end();
  return line(200);
}

/** `<hex size>[;ext]\r\n<bytes>\r\n` … `0\r\n<trailers>\r\n\r\n` → the bytes; undefined when malformed. */
function decodeAwsChunked(encoded: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = encoded.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(encoded.toString('latin1', at, lineEnd).split(';')[0]!, 16);
    if (!Number.isInteger(size) || size < 0) return undefined;
    at = lineEnd + 2;
    if (size === 0) return Buffer.concat(parts);
    if (at + size + 2 > encoded.length) return undefined;
    parts.push(encoded.subarray(at, at + size));
    at += size + 2;
  }
}

function sendError(
  response: ServerResponse,
  method: string,
  status: number,
  code: string,
  message: string,
  line: (status: number) => string,
): string {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>local</RequestId></Error>`;
  response.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
  });
  response.end(method === 'HEAD' ? undefined : body);
  return line(status);
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n`; undefined for no/multi range (whole object), 'invalid' when unsatisfiable. */
function parseRange(header: string | undefined, size: number): [number, number] | undefined | 'invalid' {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Math.min(Number(last), size);
    return suffix === 0 ? 'invalid' : [size - suffix, size - 1];
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return start >= size || end < start ? 'invalid' : [start, end];
}

function etagOf(stats: Stats): string {
  return `"${createHash('md5').update(`${stats.size}:${stats.mtimeMs}`).digest('hex')}"`;
}

function contentTypeOf(key: string): string {
  if (key.endsWith('.csv')) return 'text/csv';
  if (key.endsWith('.json')) return 'application/json';
  if (key.endsWith('.gz')) return 'application/gzip';
  return 'application/octet-stream';
}

/** The detail of S3's "Object Created" EventBridge event (the fields the pipeline reads and a few more). */
export interface S3ObjectCreatedDetail {
  version: '0';
  bucket: { name: string };
  object: { key: string; size: number; etag: string; sequencer: string };
  'request-id': string;
  requester: string;
  'source-ip-address': string;
  reason: 'PutObject' | 'CompleteMultipartUpload' | 'CopyObject';
}

/** The envelope S3 sends to EventBridge when an object is created. */
export type S3ObjectCreatedEvent = EventBridgeEvent<'Object Created', S3ObjectCreatedDetail>;

/** The pattern of an S3 → function rule for one bucket (and optionally a key prefix), as CDK deploys it. */
export function s3ObjectCreatedPattern(bucket: string, keyPrefix?: string): EventPattern {
  return {
    source: ['aws.s3'],
    'detail-type': ['Object Created'],
    detail: {
      bucket: { name: [bucket] },
      ...(keyPrefix ? { object: { key: [{ prefix: keyPrefix }] } } : {}),
    },
  };
}

/**
 * Builds the "Object Created" event S3 would emit for `key` in `bucket`, sized from `filePath`
 * on disk. The key is given as is (not URL-encoded), as in S3's EventBridge events.
 */
export async function s3ObjectCreatedEvent(props: {
  bucket: string;
  key: string;
  filePath: string;
  time?: Date;
  account?: string;
  region?: string;
}): Promise<S3ObjectCreatedEvent> {
  const stats = await stat(props.filePath);
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: props.account ?? '000000000000',
    time: (props.time ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: props.region ?? 'us-east-1',
    resources: [`arn:aws:s3:::${props.bucket}`],
    detail: {
      version: '0',
      bucket: { name: props.bucket },
      object: {
        key: props.key,
        size: stats.size,
        etag: etagOf(stats).replaceAll('"', ''),
        sequencer: Math.floor(stats.mtimeMs).toString(16).toUpperCase().padStart(18, '0'),
      },
      'request-id': 'LOCAL',
      requester: props.account ?? '000000000000',
      'source-ip-address': '127.0.0.1',
      reason: 'PutObject',
    },
  };
}
