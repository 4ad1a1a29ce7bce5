/**
 * Names defined by AWS services (not by our contracts) that the stacks match on, kept in one place.
 */
export const AwsEvent = {
  /** `source` of S3 events delivered to EventBridge. */
  s3Source: 'aws.s3',
  /** `detail-type` S3 sends to EventBridge when an object is created. */
  s3ObjectCreated: 'Object Created',
} as const;

/** The opt-in tag an endpoint (and its scalable target) must carry before the pipeline may scale it. */
export const MANAGED_TAG = { key: 'finops:managed', value: 'true' } as const;
