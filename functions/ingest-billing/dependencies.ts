import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { readIngestBillingConfig } from '#shared/billing/ingest-billing-config';
import { createS3BillingObjects } from '#shared/billing/s3-billing-objects';
import { EnvName } from '#shared/config/env-names';
import { type Env, requireEnv } from '#shared/config/read-env';
import { createEventBridgePublisher } from '#shared/events/eventbridge-publisher';
import { createDocumentClient } from '#shared/store/dynamo-client';
import { createDynamoCostStore } from '#shared/store/dynamo-cost-store';

/** The adapters and options of ingest-billing, built once per container from the environment. */
export function createIngestBillingDependencies(env: Env) {
  const tableName = requireEnv(env, EnvName.tableName, 'the single table of the stateful stack');
  const eventBusName = requireEnv(env, EnvName.eventBusName, 'the pipeline bus');
  return {
    objects: createS3BillingObjects(new S3Client({})),
    store: createDynamoCostStore({ documentClient: createDocumentClient(new DynamoDBClient({})), tableName }),
    publish: createEventBridgePublisher({ client: new EventBridgeClient({}), eventBusName }),
    options: readIngestBillingConfig(env),
  };
}
