import * as z from 'zod';
import { InvalidInputError } from '#shared/errors';

/** An S3 event that names no object we can read. */
export class MalformedS3EventError extends InvalidInputError {}

const eventBridgeObjectCreated = z.object({
  source: z.literal('aws.s3'),
  'detail-type': z.literal('Object Created'),
  detail: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({ key: z.string().min(1) }),
  }),
});

const s3Notification = z.object({
  Records: z
    .array(
      z.object({
        eventSource: z.literal('aws:s3'),
        s3: z.object({
          bucket: z.object({ name: z.string().min(1) }),
          object: z.object({ key: z.string().min(1) }),
        }),
      }),
    )
    .min(1),
});

/**
 * The `s3://bucket/key` uris an S3 "object created" event names. Accepts the EventBridge shape
 * (keys as given; see resolveEventObjectUri) and the S3 notification shape (keys URL-encoded,
 * `+` for spaces).
 */
export function objectUrisOfS3Event(event: unknown): string[] {
  const bridged = eventBridgeObjectCreated.safeParse(event);
  if (bridged.success) return [`s3://${bridged.data.detail.bucket.name}/${bridged.data.detail.object.key}`];
  const notified = s3Notification.safeParse(event);
  if (notified.success) {
    return notified.data.Records.map(
      (record) =>
        `s3://${record.s3.bucket.name}/${decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '))}`,
    );
  }
  const issues = [...bridged.error.issues, ...notified.error.issues]
    .slice(0, 4)
    .map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`);
  throw new MalformedS3EventError(
    `not an S3 object-created event (EventBridge "Object Created" or S3 notification Records): ${issues.join('; ')}`,
  );
}

/** Splits `s3://bucket/key`. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new InvalidInputError(`not an s3://bucket/key uri: ${JSON.stringify(uri)}`);
  return { bucket: match[1]!, key: match[2]! };
}

/**
 * The uri to read for an EventBridge event's key: the key as given when that object exists, else
 * its URL-decoded form (`BILLING_PERIOD%3D2026-08`, `a+b`) when that one does. Documentation is
 * not explicit on whether EventBridge keys are encoded like S3 notification keys; trying the key
 * as given first keeps a key that really contains `%3D` or `+` readable either way.
 */
export async function resolveEventObjectUri(
  uri: string,
  exists: (uri: string) => Promise<boolean>,
): Promise<string> {
  const { bucket, key } = parseS3Uri(uri);
  if (!/%[0-9A-Fa-f]{2}|\+/.test(key) || (await exists(uri))) return uri;
  let decoded: string;
  try {
    decoded = `s3://${bucket}/${decodeURIComponent(key.replace(/\+/g, ' '))}`;
  } catch {
    return uri;
  }
  return (await exists(decoded)) ? decoded : uri;
}
