import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { handler as aggregateHandler } from '#functions/aggregate-billing-partial/handler';
import { handler as mergeHandler } from '#functions/merge-billing-partials/handler';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '#infra/local/embedded-dynamo';
import { localAwsEnvironment } from '#infra/local/lambda-events';
import { type LocalBus, localLambdaContext, startLocalBus } from '#infra/local/local-bus';
import { type LocalS3, startLocalS3 } from '#infra/local/local-s3';
import type { PartialReference } from '#shared/billing/fan-out-payloads';
import { objectIngestor } from './object-ingestor';

export const EXPORTS = 'finops-exports';
export const WORK = 'finops-work';
export const BUS = 'finops-test-bus';

/**
 * The billing fan-out's handlers on local engines: an export bucket and a writable work bucket on
 * the local S3, a local bus, one embedded DynamoDB the handlers write to (through the environment
 * they read) and a second one for direct, inline ingests to compare with.
 */
export interface FanOutEnvironment {
  exportsDir: string;
  workDir: string;
  s3: LocalS3;
  bus: LocalBus;
  fanOutDynamo: EmbeddedDynamo;
  directDynamo: EmbeddedDynamo;
  /** What the Distributed Map does: list the objects under the prefix, one aggregate invocation each. */
  mapStep(prefix: string): Promise<PartialReference[]>;
  /** The map step, then the merge step, as the state machine runs them. */
  runFanOut(prefix: string): ReturnType<typeof mergeHandler>;
  /** The same period ingested inline by ingest-billing's use case, into the direct engine. */
  ingestInline(manifestKey: string): ReturnType<ReturnType<typeof objectIngestor>['ingest']>;
  /** Every item of an engine whose pk starts with `prefix`, sorted. */
  items(dynamo: EmbeddedDynamo, prefix?: string): Promise<Array<Record<string, unknown>>>;
  /** Stops the engines, restores the environment, removes the folders. */
  stop(): Promise<void>;
}

export async function startFanOutEnvironment(
  name: string,
  env: Record<string, string> = {},
): Promise<FanOutEnvironment> {
  const savedEnv = { ...process.env };
  const root = mkdtempSync(path.join(tmpdir(), `${name}-`));
  const exportsDir = path.join(root, 'exports-bucket');
  const workDir = path.join(root, 'work-bucket');
  mkdirSync(exportsDir);
  mkdirSync(workDir);
  const s3 = await startLocalS3({
    buckets: { [EXPORTS]: exportsDir, [WORK]: workDir },
    writableBuckets: [WORK],
  });
  const bus = await startLocalBus({ rules: [], eventBusName: BUS });
  const fanOutDynamo = await startEmbeddedDynamo();
  const directDynamo = await startEmbeddedDynamo();
  Object.assign(process.env, {
    TABLE_NAME: fanOutDynamo.tableName,
    EVENT_BUS_NAME: BUS,
    WORK_BUCKET_NAME: WORK,
    ...localAwsEnvironment({ dynamodb: fanOutDynamo.endpoint, eventbridge: bus.endpoint, s3: s3.endpoint }),
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    ...env,
  });
  const mapStep = async (prefix: string): Promise<PartialReference[]> => {
    const references: PartialReference[] = [];
    for (const entry of readdirSync(path.join(exportsDir, prefix)).sort()) {
      const item = {
        bucket: EXPORTS,
        key: `${prefix}${entry}`,
        size: statSync(path.join(exportsDir, prefix, entry)).size,
        prefix,
      };
      references.push(await aggregateHandler(item, localLambdaContext('aggregate-billing-partial')));
    }
    return references;
  };
  return {
    exportsDir,
    workDir,
    s3,
    bus,
    fanOutDynamo,
    directDynamo,
    mapStep,
    runFanOut: async (prefix) =>
      mergeHandler({ prefix, partials: await mapStep(prefix) }, localLambdaContext('merge-billing-partials')),
    async ingestInline(manifestKey) {
      const { ingest, close } = objectIngestor({ s3, dynamo: directDynamo });
      try {
        return await ingest(`s3://${EXPORTS}/${manifestKey}`);
      } finally {
        close();
      }
    },
    async items(dynamo, prefix = '') {
      const { Items = [] } = await dynamo.documentClient.send(
        new ScanCommand({ TableName: dynamo.tableName }),
      );
      return Items.filter((item) => String(item.pk).startsWith(prefix)).sort((a, b) =>
        `${a.pk}${a.sk}` < `${b.pk}${b.sk}` ? -1 : 1,
      );
    },
    async stop() {
      process.env = savedEnv;
      await Promise.all([s3.stop(), bus.stop(), fanOutDynamo.stop(), directDynamo.stop()]);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
