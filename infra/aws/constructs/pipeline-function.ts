import * as path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { EnvName, type EnvNameValue } from '#shared/config/env-names';
import { DeadLetterQueue } from './dead-letter-queue';

/** Repository root: this file lives in infra/aws/constructs/. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** CloudWatch namespace of the functions' Powertools metrics (must match shared/observability.ts). */
export const METRICS_NAMESPACE = 'FinopsPipeline';

/**
 * ESM bundles need `require` for the CommonJS dependencies esbuild leaves as dynamic requires
 * (the Powertools tracer's X-Ray SDK).
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** Path of a function's handler file, `functions/<name>/handler.ts`. */
export function handlerEntry(name: string): string {
  return path.join(REPO_ROOT, 'functions', name, 'handler.ts');
}

/** What every pipeline function may differ in; everything else is fixed by the construct. */
export interface PipelineFunctionProps {
  /** Folder name under functions/, also the Powertools service name. */
  readonly name: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly logRetention: logs.RetentionDays;
  /** Powertools metrics namespace; the service name is `name`. */
  readonly metricsNamespace?: string;
  readonly reservedConcurrentExecutions?: number;
  /** Packages left out of the bundle besides the AWS SDK (must only be imported lazily). */
  readonly unbundledModules?: readonly string[];
  /** Extra environment variables (names from shared/config/env-names.ts). */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * A Lambda function of the pipeline with the shared defaults: Node.js 22 on arm64, ESM bundle by
 * esbuild (minified, source maps, AWS SDK from the runtime), X-Ray active tracing, JSON logs in
 * its own log group with retention, its own role (grants only through `grant*`), and an encrypted
 * SQS on-failure destination for asynchronous invocations.
 */
export class PipelineFunction extends Construct {
  readonly fn: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly failures: DeadLetterQueue;
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    this.serviceName = props.name;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An explicit role instead of the AWSLambdaBasicExecutionRole managed policy: it can only
    // write to this function's own log group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.name}`,
    });
    this.logGroup.grantWrite(this.role);
    this.failures = new DeadLetterQueue(this, 'Failures', {
      purpose: `failed async invocations of ${props.name}`,
    });

    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      entry: handlerEntry(props.name),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      onFailure: new destinations.SqsDestination(this.failures.queue),
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      environment: {
        [EnvName.powertoolsServiceName]: props.name,
        [EnvName.powertoolsMetricsNamespace]: props.metricsNamespace ?? METRICS_NAMESPACE,
        ...props.environment,
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node22',
        platform: 'node',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        banner: ESM_REQUIRE_BANNER,
        externalModules: ['@aws-sdk/*', ...(props.unbundledModules ?? [])],
        forceDockerBundling: false,
      },
    });

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (active tracing).',
    });
    Validations.of(this.fn).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Failed async invocations go to an SQS on-failure destination, which keeps the error context a DLQ drops.',
    });
    const runtimeReason =
      'nodejs22.x is the runtime this project targets and tests (middy 7 needs Node 22); upgrades are deliberate.';
    Validations.of(this.fn).acknowledge(
      { id: 'AwsSolutions-L1', reason: runtimeReason },
      { id: 'Serverless-LambdaLatestVersion', reason: runtimeReason },
    );
  }

  /** Sets an environment variable on the function (names from shared/config/env-names.ts). */
  addEnvironment(name: EnvNameValue, value: string): void {
    this.fn.addEnvironment(name, value);
  }
}
