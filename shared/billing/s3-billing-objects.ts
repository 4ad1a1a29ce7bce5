import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { BillingObjects } from '#shared/billing/billing-objects';
import { manifestKeyForDataFile } from '#shared/billing/export-manifest';
import type { BillingSource } from '#shared/billing/read-billing-source';
import { parseS3Uri } from '#shared/billing/s3-object-event';

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}

/** Billing objects in S3: streamed GetObject, ranged GetObject for Parquet, HeadObject for presence and size. */
export function createS3BillingObjects(client: Pick<S3Client, 'send'>): BillingObjects {
  const source = (uri: string): BillingSource => {
    const { bucket, key } = parseS3Uri(uri);
    return {
      uri,
      async open() {
        const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return response.Body as Readable;
      },
      async openRandomAccess() {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return {
          byteLength: Number(head.ContentLength ?? 0),
          async slice(start: number, end?: number) {
            const range = `bytes=${start}-${end === undefined ? '' : end - 1}`;
            const response = await client.send(
              new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }),
            );
            const bytes = await response.Body!.transformToByteArray();
            return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
          },
        };
      },
    };
  };
  const exists = async (uri: string): Promise<boolean> => {
    const { bucket, key } = parseS3Uri(uri);
    try {
      await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  };
  return {
    source,
    exists,
    async size(uri) {
      const { bucket, key } = parseS3Uri(uri);
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return Number(head.ContentLength ?? 0);
    },
    async lastModified(uri) {
      const { bucket, key } = parseS3Uri(uri);
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return head.LastModified?.getTime() ?? 0;
    },
    async readText(uri) {
      const { bucket, key } = parseS3Uri(uri);
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return response.Body!.transformToString('utf-8');
    },
    async resolveListed(manifestUri, listed) {
      const uri = listed.startsWith('s3://')
        ? listed
        : `s3://${parseS3Uri(manifestUri).bucket}/${listed.replace(/^\//, '')}`;
      return (await exists(uri)) ? uri : undefined;
    },
    manifestFor(dataFileUri) {
      const { bucket, key } = parseS3Uri(dataFileUri);
      const manifestKey = manifestKeyForDataFile(key);
      return manifestKey === undefined ? undefined : `s3://${bucket}/${manifestKey}`;
    },
  };
}
