import { S3Client } from '@aws-sdk/client-s3';
import { type EmbeddedDynamo, localClientConfig } from '#infra/local/embedded-dynamo';
import type { LocalS3 } from '#infra/local/local-s3';
import { type BillingObjectOutcome, ingestBillingObject } from '#shared/billing/ingest-billing-object';
import { createS3BillingObjects } from '#shared/billing/s3-billing-objects';
import type { PublishEvents } from '#shared/events/publish-port';
import { createDynamoCostStore } from '#shared/store/dynamo-cost-store';

const silent = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * ingest-billing's use case for one arriving object, over a local S3 and an embedded DynamoDB:
 * `ingest(uri)` is what one S3 "Object Created" event does. `close` releases the S3 client.
 */
export function objectIngestor(props: { s3: LocalS3; dynamo: EmbeddedDynamo; publish?: PublishEvents }) {
  const client = new S3Client({ ...localClientConfig(props.s3.endpoint), forcePathStyle: true });
  const store = createDynamoCostStore({
    documentClient: props.dynamo.documentClient,
    tableName: props.dynamo.tableName,
  });
  const objects = createS3BillingObjects(client);
  return {
    store,
    ingest: (uri: string): Promise<BillingObjectOutcome> =>
      ingestBillingObject({
        uri,
        objects,
        store,
        publish: props.publish ?? (async () => {}),
        now: () => new Date(),
        log: silent,
      }),
    close: () => client.destroy(),
  };
}
