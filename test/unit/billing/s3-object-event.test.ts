import {
  MalformedS3EventError,
  objectUrisOfS3Event,
  resolveEventObjectUri,
} from '#shared/billing/s3-object-event';

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

describe('resolveEventObjectUri', () => {
  const present = (...uris: string[]) => {
    const asked: string[] = [];
    const exists = async (uri: string) => {
      asked.push(uri);
      return uris.includes(uri);
    };
    return { asked, exists };
  };

  it.each([
    [
      'reads the decoded key when only the decoded object exists',
      's3://b/exports/x/data/BILLING_PERIOD%3D2026-08/part+1.csv',
      ['s3://b/exports/x/data/BILLING_PERIOD=2026-08/part 1.csv'],
      's3://b/exports/x/data/BILLING_PERIOD=2026-08/part 1.csv',
    ],
    [
      'keeps the key as given when that object exists',
      's3://b/weird/100%3D.csv',
      ['s3://b/weird/100%3D.csv', 's3://b/weird/100=.csv'],
      's3://b/weird/100%3D.csv',
    ],
    ['keeps the key as given when neither exists', 's3://b/gone/a+b.csv', [], 's3://b/gone/a+b.csv'],
    [
      'keeps a key that is not valid percent-encoding',
      's3://b/odd/%E0%A4%A.csv',
      [],
      's3://b/odd/%E0%A4%A.csv',
    ],
  ])('%s', async (_name, given, objects, expected) => {
    // Prepare
    const { exists } = present(...objects);
    // Act
    const uri = await resolveEventObjectUri(given, exists);
    // Assess
    expect(uri).toBe(expected);
  });

  it('asks nothing of S3 when the key has nothing encoded', async () => {
    // Prepare
    const { asked, exists } = present();
    // Act
    const uri = await resolveEventObjectUri('s3://b/focus/2026-08/part-1.csv', exists);
    // Assess
    expect(uri).toBe('s3://b/focus/2026-08/part-1.csv');
    expect(asked).toEqual([]);
  });
});
