import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { Consumer, type ConsumerName } from '#events/routing';
import { EnvName } from '#shared/config/env-names';
import { type EmbeddedDynamo, startEmbeddedDynamo } from './embedded-dynamo';
import { localAwsEnvironment } from './lambda-events';
import { asBusConsumer, type LocalBus, startLocalBus } from './local-bus';
import { type LocalS3, s3ObjectCreatedPattern, startLocalS3 } from './local-s3';
import { startTerminalSlack, type TerminalSlack } from './terminal-slack';

/** The local bucket that stands in for the billing export bucket (a folder on disk). */
export const LOCAL_EXPORT_BUCKET = 'finops-local-exports';
const LOCAL_BUS_NAME = 'finops-local';
const UNREACHABLE_AWS_ENDPOINT = 'http://127.0.0.1:9';

type LambdaHandler = (event: EventBridgeEvent<string, unknown>, context: Context) => Promise<unknown>;

/** Functions the local bus can invoke, loaded lazily so their modules read the local environment. */
const FUNCTION_MODULES: Record<
  ConsumerName | 'ingest-billing' | 'ingest-k8s',
  () => Promise<{ handler: unknown }>
> = {
  'ingest-billing': () => import('#functions/ingest-billing/handler'),
  'ingest-k8s': () => import('#functions/ingest-k8s/handler'),
  [Consumer.detectAnomalies]: () => import('#functions/detect-anomalies/handler'),
  [Consumer.notifySlack]: () => import('#functions/notify-slack/handler'),
  [Consumer.recommendRightsizing]: () => import('#functions/recommend-rightsizing/handler'),
  [Consumer.openRightsizingPr]: () => import('#functions/open-rightsizing-pr/handler'),
  [Consumer.detectIdleEndpoints]: () => import('#functions/detect-idle-endpoints/handler'),
  [Consumer.scaleEndpoint]: () => import('#functions/scale-endpoint/handler'),
};

export interface LocalRuntimeProps {
  /** Folder of the local state (`.finops` in the repository by default). */
  dataDir: string;
  /** Start from an empty store. */
  fresh: boolean;
  /** Where the terminal Slack renders messages when no real webhook is configured. */
  output: NodeJS.WritableStream;
  /** A real Slack incoming webhook; when absent a loopback stand-in renders to `output`. */
  slackWebhookUrl?: string;
  /** Extra environment for the functions (e.g. OPENCOST_URL, GITOPS_REPOSITORY). */
  env?: Record<string, string>;
}

/** The running local pipeline: the same handlers as in AWS, on loopback transports. */
export interface LocalRuntime {
  dynamo: EmbeddedDynamo;
  bus: LocalBus;
  s3: LocalS3;
  /** The stand-in Slack (absent when a real webhook URL is used). */
  slack?: TerminalSlack;
  exportsDir: string;
  /** Invokes a function directly, as a schedule or the console would. */
  invoke(functionName: keyof typeof FUNCTION_MODULES | string, event: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * Starts the embedded DynamoDB, the loopback bus (routing table rules + the S3 → ingest-billing
 * rule), local S3 over `<dataDir>/exports` and the Slack stand-in, points the AWS SDK at them
 * through the standard AWS_ENDPOINT_URL_* variables, and registers the real handlers.
 */
export async function startLocalRuntime(props: LocalRuntimeProps): Promise<LocalRuntime> {
  const storeDir = path.join(props.dataDir, 'dynamo');
  const exportsDir = path.join(props.dataDir, 'exports');
  if (props.fresh) rmSync(storeDir, { recursive: true, force: true });
  const dynamo = await startEmbeddedDynamo({ path: storeDir });
  const bus = await startLocalBus({ eventBusName: LOCAL_BUS_NAME });
  const s3 = await startLocalS3({ buckets: { [LOCAL_EXPORT_BUCKET]: exportsDir } });
  const slack = props.slackWebhookUrl ? undefined : await startTerminalSlack({ output: props.output });

  Object.assign(process.env, {
    // Any AWS service without a local engine gets a closed loopback port: a local run can never
    // reach real AWS, and a missing local wiring fails fast instead of hanging on DNS.
    AWS_ENDPOINT_URL: UNREACHABLE_AWS_ENDPOINT,
    ...localAwsEnvironment({ dynamodb: dynamo.endpoint, eventbridge: bus.endpoint, s3: s3.endpoint }),
    [EnvName.tableName]: dynamo.tableName,
    [EnvName.eventBusName]: LOCAL_BUS_NAME,
    [EnvName.slackWebhookUrl]: props.slackWebhookUrl ?? slack?.url ?? '',
    ...props.env,
  });

  const handlers = new Map<string, LambdaHandler>();
  const load = async (name: string): Promise<LambdaHandler> => {
    const cached = handlers.get(name);
    if (cached) return cached;
    const loader = FUNCTION_MODULES[name as keyof typeof FUNCTION_MODULES];
    if (!loader) throw new RangeError(`no local function named ${JSON.stringify(name)}`);
    const handler = (await loader()).handler as LambdaHandler;
    handlers.set(name, handler);
    return handler;
  };
  for (const name of Object.keys(FUNCTION_MODULES)) {
    bus.register(
      name,
      asBusConsumer(name, async (event, context) => (await load(name))(event, context)),
    );
  }
  bus.addRule({
    name: 'ingest-billing-rule',
    pattern: s3ObjectCreatedPattern(LOCAL_EXPORT_BUCKET),
    consumer: 'ingest-billing',
  });

  return {
    dynamo,
    bus,
    s3,
    slack,
    exportsDir,
    invoke: async (name, event) =>
      asBusConsumer(name, await load(name))(event as EventBridgeEvent<string, unknown>),
    stop: async () => {
      await bus.drain();
      await Promise.all([bus.stop(), s3.stop(), slack?.stop(), dynamo.stop()]);
    },
  };
}
