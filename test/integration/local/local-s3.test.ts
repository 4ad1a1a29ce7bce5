import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { localClientConfig } from '#infra/local/embedded-dynamo';
import { matchesEventPattern } from '#infra/local/event-pattern';
import {
  type LocalS3,
  s3ObjectCreatedEvent,
  s3ObjectCreatedPattern,
  startLocalS3,
} from '#infra/local/local-s3';

describe('local S3 over the real S3Client', () => {
  let folder: string;
  let s3: LocalS3;
  let client: S3Client;
  const content = 'BilledCost,EffectiveCost\n1.5,1.25\n';

  beforeAll(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'local-s3-'));
    mkdirSync(path.join(folder, 'focus', '2026 08'), { recursive: true });
    writeFileSync(path.join(folder, 'focus', '2026 08', 'export.csv'), content);
    writeFileSync(path.join(tmpdir(), 'outside-secret.txt'), 'secret');
    s3 = await startLocalS3({ buckets: { exports: folder } });
    client = new S3Client({ ...localClientConfig(s3.endpoint), forcePathStyle: true, maxAttempts: 1 });
  });
  afterAll(async () => {
    client.destroy();
    await s3.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('streams the file when GetObject asks for a key with a space in it', async () => {
    // Act
    const response = await client.send(
      new GetObjectCommand({ Bucket: 'exports', Key: 'focus/2026 08/export.csv' }),
    );
    const body = await response.Body?.transformToString();

    // Assess
    expect(body).toBe(content);
    expect(response.ContentLength).toBe(content.length);
    expect(response.ContentType).toBe('text/csv');
  });

  it('returns the requested bytes when GetObject sends a range', async () => {
    // Act
    const response = await client.send(
      new GetObjectCommand({ Bucket: 'exports', Key: 'focus/2026 08/export.csv', Range: 'bytes=-5' }),
    );

    // Assess
    expect(await response.Body?.transformToString()).toBe(content.slice(-5));
    expect(response.ContentRange).toBe(`bytes ${content.length - 5}-${content.length - 1}/${content.length}`);
  });

  it('answers HeadObject with the size', async () => {
    // Act
    const response = await client.send(
      new HeadObjectCommand({ Bucket: 'exports', Key: 'focus/2026 08/export.csv' }),
    );

    // Assess
    expect(response.ContentLength).toBe(content.length);
    expect(response.ETag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it.each([
    ['exports', 'focus/missing.csv', 'NoSuchKey'],
    ['nope', 'focus/2026 08/export.csv', 'NoSuchBucket'],
    ['exports', '../outside-secret.txt', 'NoSuchKey'],
  ])('fails with %s/%s → %s when the object is not in a served bucket', async (bucket, key, code) => {
    // Act / Assess
    await expect(client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).rejects.toMatchObject({
      name: code,
    });
  });

  it('builds an Object Created event that the S3 trigger pattern matches when a file is announced', async () => {
    // Act
    const event = await s3ObjectCreatedEvent({
      bucket: 'exports',
      key: 'focus/2026 08/export.csv',
      filePath: path.join(folder, 'focus', '2026 08', 'export.csv'),
      time: new Date('2026-09-01T02:00:00Z'),
    });

    // Assess
    expect(event).toMatchObject({
      source: 'aws.s3',
      'detail-type': 'Object Created',
      time: '2026-09-01T02:00:00Z',
      resources: ['arn:aws:s3:::exports'],
      detail: {
        bucket: { name: 'exports' },
        object: { key: 'focus/2026 08/export.csv', size: content.length },
      },
    });
    expect(matchesEventPattern(s3ObjectCreatedPattern('exports', 'focus/'), event)).toBe(true);
    expect(matchesEventPattern(s3ObjectCreatedPattern('exports', 'cur/'), event)).toBe(false);
  });
});
