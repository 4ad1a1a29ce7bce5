import { existsSync } from 'node:fs';
import { Duration } from 'aws-cdk-lib';
import { handlerEntry } from './constructs/pipeline-function';

/** How a function touches the single table; mapped to `grantReadData` / `grantReadWriteData`. */
export type TableAccess = 'none' | 'read' | 'readWrite';

/** One deployable function: its folder under functions/ and the sizing it differs in. */
export interface FunctionSpec {
  /** Folder name under functions/ (and Powertools service name). */
  readonly name: string;
  /** Construct id: stable, so logical ids never change when the list is reordered. */
  readonly id: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly table: TableAccess;
  /** Publishes pipeline events: gets EVENT_BUS_NAME and `events:PutEvents` on the bus only. */
  readonly publishes: boolean;
  /** Serialises a function whose side effects must not run concurrently. */
  readonly reservedConcurrency?: number;
  /** Packages left out of the bundle because only a code path unused in Lambda imports them (lazily). */
  readonly unbundledModules?: readonly string[];
  /**
   * V8 old-space cap in MB (`NODE_OPTIONS=--max-old-space-size`): without it V8 lets garbage pile
   * up far above what a streaming aggregation keeps alive (over 500 MB on a 1M-row file).
   */
  readonly maxOldSpaceMb?: number;
}

// Direct Kubernetes scaling through a kubeconfig file (the only user of @kubernetes/client-node,
// imported lazily) does not apply in Lambda, where KUBERNETES_API_URL is the direct path. Leaving
// it out takes the scaling bundles from about 4.5 MB to about 0.3 MB.
const KUBERNETES_CLIENT_ONLY_FOR_KUBECONFIG = ['@kubernetes/client-node'];

/** Every function of the pipeline, listed once; the stateless stack wires triggers by name. */
export const FUNCTION_CATALOG = [
  {
    name: 'ingest-billing',
    id: 'IngestBilling',
    description: 'Streams a billing export file from S3 into daily cost points',
    timeout: Duration.minutes(15),
    memorySize: 1024,
    // The 5 GB CSV benchmark peaks at 274 MB RSS under a 384 MB cap; 600 leaves room for a
    // period with many more series-days.
    maxOldSpaceMb: 600,
    table: 'readWrite',
    publishes: true,
  },
  {
    name: 'ingest-cost-explorer',
    id: 'IngestCostExplorer',
    description: 'Daily Cost Explorer GetCostAndUsage for days not yet final',
    timeout: Duration.minutes(5),
    memorySize: 512,
    table: 'readWrite',
    publishes: true,
    // Cost Explorer charges per request: two overlapping runs would pay twice for the same days.
    reservedConcurrency: 1,
  },
  {
    name: 'detect-anomalies',
    id: 'DetectAnomalies',
    description: 'Detects cost anomalies on the series an ingestion touched',
    timeout: Duration.minutes(5),
    memorySize: 1024,
    table: 'readWrite',
    publishes: true,
  },
  {
    name: 'notify-slack',
    id: 'NotifySlack',
    description: 'Posts anomalies, pull requests and scaling decisions to Slack',
    timeout: Duration.seconds(30),
    memorySize: 256,
    table: 'readWrite',
    publishes: false,
  },
  {
    name: 'ingest-k8s',
    id: 'IngestK8s',
    description: 'Daily OpenCost allocation ingestion (namespace, controller, container)',
    timeout: Duration.minutes(5),
    memorySize: 512,
    table: 'readWrite',
    publishes: true,
  },
  {
    name: 'recommend-rightsizing',
    id: 'RecommendRightsizing',
    description: 'Recommends container requests from usage history',
    timeout: Duration.minutes(2),
    memorySize: 512,
    table: 'readWrite',
    publishes: true,
  },
  {
    name: 'open-rightsizing-pr',
    id: 'OpenRightsizingPr',
    description: 'Opens or updates the rightsizing pull request in the GitOps repository',
    timeout: Duration.minutes(2),
    memorySize: 512,
    table: 'readWrite',
    publishes: true,
    // One branch per workload: concurrent runs would race on the same branch and hit GitHub's
    // secondary rate limits.
    reservedConcurrency: 1,
  },
  {
    name: 'detect-idle-endpoints',
    id: 'DetectIdleEndpoints',
    description: 'Finds inference endpoints with GPUs running and no traffic',
    timeout: Duration.minutes(2),
    memorySize: 512,
    table: 'readWrite',
    publishes: true,
  },
  {
    name: 'scale-endpoint',
    id: 'ScaleEndpoint',
    description: 'Applies the scaling policy to an idle endpoint (dry-run unless enabled)',
    timeout: Duration.minutes(1),
    memorySize: 256,
    table: 'readWrite',
    publishes: true,
    // Scaling decisions read then change capacity: serialised so two events cannot both act.
    reservedConcurrency: 1,
    unbundledModules: KUBERNETES_CLIENT_ONLY_FOR_KUBECONFIG,
  },
  {
    name: 'slack-interactions',
    id: 'SlackInteractions',
    description: 'Slack approval endpoint: verifies the signature, then executes or records the decision',
    timeout: Duration.seconds(10),
    memorySize: 256,
    table: 'readWrite',
    publishes: true,
    unbundledModules: KUBERNETES_CLIENT_ONLY_FOR_KUBECONFIG,
  },
  {
    name: 'aggregate-billing-partial',
    id: 'AggregateBillingPartial',
    description: 'Aggregates one file of a large billing export (Step Functions Distributed Map item)',
    timeout: Duration.minutes(15),
    // 1769 MB is one full vCPU; parsing is CPU-bound.
    memorySize: 1769,
    maxOldSpaceMb: 1200,
    table: 'none',
    publishes: false,
  },
  {
    name: 'merge-billing-partials',
    id: 'MergeBillingPartials',
    description: 'Merges the partial aggregates of a billing export and replaces the period',
    timeout: Duration.minutes(15),
    memorySize: 1769,
    maxOldSpaceMb: 1200,
    table: 'readWrite',
    publishes: true,
  },
] as const satisfies readonly FunctionSpec[];

/** Folder names of the catalog's functions. */
export type FunctionName = (typeof FUNCTION_CATALOG)[number]['name'];

/** Splits the catalog into functions whose handler exists and those still missing (not deployed). */
export function partitionCatalog(exists: (file: string) => boolean = existsSync): {
  available: FunctionSpec[];
  missing: FunctionSpec[];
} {
  const available: FunctionSpec[] = [];
  const missing: FunctionSpec[] = [];
  for (const spec of FUNCTION_CATALOG) (exists(handlerEntry(spec.name)) ? available : missing).push(spec);
  return { available, missing };
}
