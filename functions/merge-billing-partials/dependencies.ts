import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { readIngestBillingConfig } from '#shared/billing/ingest-billing-config';
import { createS3PartialStore } from '#shared/billing/partial-store';
import { createS3BillingObjects } from '#shared/billing/s3-billing-objects';
import { EnvName } from '#shared/config/env-names';
import { type Env, optionalEnv, requireEnv } from '#shared/config/read-env';
import { createEventBridgePublisher } from '#shared/events/eventbridge-publisher';
import { createDocumentClient } from '#shared/store/dynamo-client';
import { createDynamoCostStore } from '#shared/store/dynamo-cost-store';

/** The adapters and options of merge-billing-partials, built once per container from the environment. */
export function createMergeBillingPartialsDependencies(env: Env) {
  const tableName = requireEnv(env, EnvName.tableName, 'the single table of the stateful stack');
  const eventBusName = requireEnv(env, EnvName.eventBusName, 'the pipeline bus');
  const workBucketName = requireEnv(
    env,
    EnvName.workBucketName,
    'the bucket partial aggregates are read from',
  );
  // A local S3 endpoint (AWS_ENDPOINT_URL_S3, the loopback server of the local runtime) is path-style.
  const s3 = new S3Client({ forcePathStyle: optionalEnv(env, 'AWS_ENDPOINT_URL_S3') !== undefined });
  const partials = createS3PartialStore(s3, workBucketName);
  return {
    objects: createS3BillingObjects(s3),
    readPartial: (uri: string) => partials.read(uri),
    store: createDynamoCostStore({ documentClient: createDocumentClient(new DynamoDBClient({})), tableName }),
    publish: createEventBridgePublisher({ client: new EventBridgeClient({}), eventBusName }),
    options: readIngestBillingConfig(env),
  };
}
