import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { readBillingFanOutConfig } from '#shared/billing/billing-fan-out-config';
import { readIngestBillingConfig } from '#shared/billing/ingest-billing-config';
import { createS3BillingObjects } from '#shared/billing/s3-billing-objects';
import { createStepFunctionsFanOut } from '#shared/billing/step-functions-fan-out';
import { EnvName } from '#shared/config/env-names';
import { type Env, optionalEnv, requireEnv } from '#shared/config/read-env';
import { createEventBridgePublisher } from '#shared/events/eventbridge-publisher';
import { createDocumentClient } from '#shared/store/dynamo-client';
import { createDynamoCostStore } from '#shared/store/dynamo-cost-store';

/** The adapters and options of ingest-billing, built once per container from the environment. */
export function createIngestBillingDependencies(env: Env) {
  const tableName = requireEnv(env, EnvName.tableName, 'the single table of the stateful stack');
  const eventBusName = requireEnv(env, EnvName.eventBusName, 'the pipeline bus');
  const fanOut = readBillingFanOutConfig(env);
  return {
    // A local S3 endpoint (AWS_ENDPOINT_URL_S3, the loopback server of the local runtime) is path-style.
    objects: createS3BillingObjects(
      new S3Client({ forcePathStyle: optionalEnv(env, 'AWS_ENDPOINT_URL_S3') !== undefined }),
    ),
    store: createDynamoCostStore({ documentClient: createDocumentClient(new DynamoDBClient({})), tableName }),
    publish: createEventBridgePublisher({ client: new EventBridgeClient({}), eventBusName }),
    options: readIngestBillingConfig(env),
    // Periods too big for one invocation go to the Step Functions fan-out (unset locally: inline).
    ...(fanOut ? { fanOut: createStepFunctionsFanOut({ client: new SFNClient({}), ...fanOut }) } : {}),
  };
}
