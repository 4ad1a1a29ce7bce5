import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { localClientConfig } from '#infra/local/embedded-dynamo';
import { type LocalS3, startLocalS3 } from '#infra/local/local-s3';

describe('local S3 PutObject over the real S3Client', () => {
  let exportsFolder: string;
  let workFolder: string;
  let s3: LocalS3;
  let client: S3Client;

  beforeAll(async () => {
    exportsFolder = mkdtempSync(path.join(tmpdir(), 'local-s3-ro-'));
    workFolder = mkdtempSync(path.join(tmpdir(), 'local-s3-rw-'));
    s3 = await startLocalS3({
      buckets: { exports: exportsFolder, work: workFolder },
      writableBuckets: ['work'],
    });
    client = new S3Client({ ...localClientConfig(s3.endpoint), forcePathStyle: true, maxAttempts: 1 });
  });
  afterAll(async () => {
    client.destroy();
    await s3.stop();
    rmSync(exportsFolder, { recursive: true, force: true });
    rmSync(workFolder, { recursive: true, force: true });
  });

  it('stores the bytes as a file that GetObject then returns when a writable bucket receives a Buffer', async () => {
    // Prepare
    const body = Buffer.from([0x1f, 0x8b, 0, 1, 2, 3, 255, 13, 10, 48, 13, 10]);

    // Act
    const put = await client.send(
      new PutObjectCommand({ Bucket: 'work', Key: 'partials/a b/one.json.gz', Body: body }),
    );
    const got = await client.send(new GetObjectCommand({ Bucket: 'work', Key: 'partials/a b/one.json.gz' }));

    // Assess
    expect(put.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(body);
    expect(readFileSync(path.join(workFolder, 'partials', 'a b', 'one.json.gz'))).toEqual(body);
  });

  it('decodes the aws-chunked framing when the SDK streams a body of known length', async () => {
    // Prepare
    const text = 'x'.repeat(70_000);

    // Act
    await client.send(
      new PutObjectCommand({
        Bucket: 'work',
        Key: 'streamed.txt',
        Body: Readable.from([Buffer.from(text.slice(0, 30_000)), Buffer.from(text.slice(30_000))]),
        ContentLength: text.length,
      }),
    );

    // Assess
    expect(readFileSync(path.join(workFolder, 'streamed.txt'), 'utf8')).toBe(text);
  });

  it('replaces the object when the same key is written twice', async () => {
    // Prepare
    await client.send(new PutObjectCommand({ Bucket: 'work', Key: 'same.txt', Body: 'first version' }));

    // Act
    await client.send(new PutObjectCommand({ Bucket: 'work', Key: 'same.txt', Body: 'second' }));

    // Assess
    const got = await client.send(new GetObjectCommand({ Bucket: 'work', Key: 'same.txt' }));
    expect(await got.Body!.transformToString()).toBe('second');
    expect(readdirSync(workFolder).filter((name) => name.endsWith('.part'))).toEqual([]);
  });

  it.each([
    ['exports', 'new.csv', 'AccessDenied'],
    ['work', '../escape.txt', 'NoSuchKey'],
    ['nope', 'x.txt', 'NoSuchBucket'],
  ])('refuses PutObject to %s/%s with %s and writes nothing', async (bucket, key, code) => {
    // Act
    const attempt = client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'data' }));

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: code });
    expect(readdirSync(exportsFolder)).toEqual([]);
  });
});
