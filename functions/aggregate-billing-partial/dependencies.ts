import { S3Client } from '@aws-sdk/client-s3';
import { readIngestBillingConfig } from '#shared/billing/ingest-billing-config';
import { createS3PartialStore } from '#shared/billing/partial-store';
import { createS3BillingObjects } from '#shared/billing/s3-billing-objects';
import { EnvName } from '#shared/config/env-names';
import { type Env, optionalEnv, requireEnv } from '#shared/config/read-env';

/** The adapters and options of aggregate-billing-partial, built once per container from the environment. */
export function createAggregateBillingPartialDependencies(env: Env) {
  const workBucketName = requireEnv(
    env,
    EnvName.workBucketName,
    'the bucket partial aggregates are written to',
  );
  // A local S3 endpoint (AWS_ENDPOINT_URL_S3, the loopback server of the local runtime) is path-style.
  const s3 = new S3Client({ forcePathStyle: optionalEnv(env, 'AWS_ENDPOINT_URL_S3') !== undefined });
  return {
    objects: createS3BillingObjects(s3),
    partials: createS3PartialStore(s3, workBucketName),
    options: readIngestBillingConfig(env),
  };
}
