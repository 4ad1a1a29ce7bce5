import { MalformedS3EventError, objectUrisOfS3Event } from '#shared/billing/s3-object-event';

describe('objectUrisOfS3Event', () => {
  it('returns the object uri when given an EventBridge Object Created event', () => {
    // Prepare
    const event = {
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { bucket: { name: 'billing' }, object: { key: 'focus/2026-08/part 1.csv.gz' } },
    };
    // Act
    const uris = objectUrisOfS3Event(event);
    // Assess
    expect(uris).toEqual(['s3://billing/focus/2026-08/part 1.csv.gz']);
  });

  it('decodes URL-encoded keys when given an S3 notification with several records', () => {
    // Prepare
    const record = (key: string) => ({
      eventSource: 'aws:s3',
      s3: { bucket: { name: 'billing' }, object: { key } },
    });
    const event = { Records: [record('cur/part+1%3D.parquet'), record('cur/Manifest.json')] };
    // Act
    const uris = objectUrisOfS3Event(event);
    // Assess
    expect(uris).toEqual(['s3://billing/cur/part 1=.parquet', 's3://billing/cur/Manifest.json']);
  });

  it.each([
    ['an empty object', {}],
    [
      'a record without a key',
      { Records: [{ eventSource: 'aws:s3', s3: { bucket: { name: 'b' }, object: {} } }] },
    ],
    ['another service', { source: 'aws.ec2', 'detail-type': 'Object Created', detail: {} }],
  ])('throws MalformedS3EventError when given %s', (_what, event) => {
    // Act
    const attempt = () => objectUrisOfS3Event(event);
    // Assess
    expect(attempt).toThrow(MalformedS3EventError);
    expect(attempt).toThrow(/not an S3 object-created event/);
  });
});
