import { Annotations, CfnOutput, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ROUTES, type Route } from '#events/routing';
import { PARTIALS_KEY_PREFIX } from '#shared/billing/partial-store';
import { EnvName } from '#shared/config/env-names';
import { AwsEvent, MANAGED_TAG } from './aws-names';
import { BillingFanOut } from './constructs/billing-fan-out';
import { DeadLetterQueue } from './constructs/dead-letter-queue';
import { OperationsDashboard } from './constructs/operations-dashboard';
import { PipelineFunction } from './constructs/pipeline-function';
import { ROUTE_RETRY, RoutedRules } from './constructs/routed-rules';
import type { FinopsContext } from './context';
import { type FunctionName, type FunctionSpec, partitionCatalog } from './function-catalog';
import { acknowledgeGeneratedWildcards, acknowledgeWildcardResource } from './nag';

/** The stateful resources and secrets the functions use, passed in from the stateful stack. */
export interface FinopsStatelessStackProps extends StackProps {
  readonly settings: FinopsContext;
  readonly table: dynamodb.ITableV2;
  readonly bus: events.IEventBus;
  readonly exportBucket: s3.IBucket;
  readonly workBucket: s3.IBucket;
  readonly secrets: {
    readonly slackWebhook: secretsmanager.ISecret;
    readonly slackSigningSecret: secretsmanager.ISecret;
    readonly githubToken: secretsmanager.ISecret;
  };
  /** Functions to deploy; defaults to every catalog entry whose handler file exists. */
  readonly functions?: readonly FunctionSpec[];
}

/**
 * Everything that can be destroyed and redeployed without losing data: the functions, the rules
 * generated from the routing table, the S3 trigger, the daily schedules, the Step Functions
 * fan-out for large exports, the approval endpoint, alarms and the dashboard.
 */
export class FinopsStatelessStack extends Stack {
  readonly functions = new Map<FunctionName, PipelineFunction>();
  readonly deadLetterQueues: DeadLetterQueue[] = [];
  readonly routedRules: RoutedRules;
  readonly skippedRoutes: Route[] = [];
  private readonly settings: FinopsContext;

  constructor(scope: Construct, id: string, props: FinopsStatelessStackProps) {
    super(scope, id, props);
    const { settings, table, bus, exportBucket, secrets } = props;
    this.settings = settings;
    const logRetention = settings.logRetentionDays as logs.RetentionDays;

    let specs = props.functions;
    if (!specs) {
      const { available, missing } = partitionCatalog();
      for (const spec of missing) {
        Annotations.of(this).addWarningV2(
          'finops:missing-handler',
          `functions/${spec.name}/handler.ts does not exist yet: ${spec.name} is not deployed`,
        );
      }
      specs = available;
    }

    for (const spec of specs) {
      const fn = new PipelineFunction(this, spec.id, {
        name: spec.name,
        description: spec.description,
        timeout: spec.timeout,
        memorySize: spec.memorySize,
        logRetention,
        reservedConcurrentExecutions: settings.reserveConcurrency ? spec.reservedConcurrency : undefined,
        unbundledModules: spec.unbundledModules,
        environment:
          spec.maxOldSpaceMb === undefined
            ? undefined
            : { NODE_OPTIONS: `--max-old-space-size=${spec.maxOldSpaceMb}` },
      });
      if (spec.table !== 'none') fn.addEnvironment(EnvName.tableName, table.tableName);
      if (spec.table === 'read') table.grantReadData(fn.fn);
      if (spec.table === 'readWrite') table.grantReadWriteData(fn.fn);
      if (spec.publishes) {
        fn.addEnvironment(EnvName.eventBusName, bus.eventBusName);
        bus.grantPutEventsTo(fn.fn);
      }
      if (spec.table !== 'none') {
        acknowledgeWildcardResource(
          fn.role,
          `${table.tableArn}/index/*`,
          'grant*Data on the single table includes its index gsi1, addressed as <table ARN>/index/*.',
        );
      }
      this.functions.set(spec.name as FunctionName, fn);
      this.deadLetterQueues.push(fn.failures);
    }

    this.routedRules = new RoutedRules(this, 'Routes', {
      bus,
      routes: ROUTES.filter((route) => {
        const present = this.functions.has(route.consumer);
        if (!present) {
          this.skippedRoutes.push(route);
          Annotations.of(this).addWarningV2(
            'finops:route-skipped',
            `no rule for ${route.consumer}: its handler does not exist yet`,
          );
        }
        return present;
      }),
      consumer: (route) => this.mustGet(route.consumer).fn,
    });
    this.deadLetterQueues.push(...this.routedRules.deadLetterQueues);

    this.wireIngestBilling(settings, exportBucket);
    this.wireSchedule('ingest-cost-explorer', 'DailyCostExplorer', 'cron(0 7 * * ? *)');
    this.withFunction('ingest-cost-explorer', (fn) => {
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['ce:GetCostAndUsage'], resources: ['*'] }),
      );
      Validations.of(fn.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Cost Explorer supports no resource-level permissions; only ce:GetCostAndUsage (read-only) is granted.',
      });
    });
    this.withFunction('ingest-k8s', (fn) => {
      if (settings.opencostUrl) {
        fn.addEnvironment(EnvName.opencostUrl, settings.opencostUrl);
        this.wireSchedule('ingest-k8s', 'DailyOpenCost', 'cron(0 6 * * ? *)');
      } else {
        Annotations.of(fn).addWarningV2(
          'finops:opencost-url',
          'context opencostUrl is not set: ingest-k8s is deployed without its daily schedule',
        );
      }
    });
    this.withFunction('notify-slack', (fn) => {
      fn.addEnvironment(EnvName.slackWebhookSecretArn, secrets.slackWebhook.secretArn);
      secrets.slackWebhook.grantRead(fn.fn);
    });
    this.withFunction('open-rightsizing-pr', (fn) => {
      fn.addEnvironment(EnvName.githubTokenSecretArn, secrets.githubToken.secretArn);
      fn.addEnvironment(EnvName.gitopsBackend, 'github');
      if (settings.gitopsRepository) {
        fn.addEnvironment(EnvName.gitopsRepository, settings.gitopsRepository);
      } else {
        Annotations.of(fn).addWarningV2(
          'finops:gitops-repository',
          'context gitopsRepository (owner/name) is not set: open-rightsizing-pr will refuse to run',
        );
      }
      secrets.githubToken.grantRead(fn.fn);
    });
    this.withFunction('detect-idle-endpoints', (fn) => this.grantIdleDetection(fn));
    // slack-interactions executes the actions a human approved, so it scales like scale-endpoint.
    for (const name of ['scale-endpoint', 'slack-interactions'] as const) {
      this.withFunction(name, (fn) => {
        fn.addEnvironment(EnvName.dryRun, String(settings.scalingDryRun));
        fn.addEnvironment(EnvName.scalingPolicy, settings.scalingPolicy);
        fn.addEnvironment(EnvName.slackWebhookSecretArn, secrets.slackWebhook.secretArn);
        secrets.slackWebhook.grantRead(fn.fn);
        this.grantEndpointScaling(fn);
      });
    }
    this.withFunction('slack-interactions', (fn) => {
      fn.addEnvironment(EnvName.slackSigningSecretArn, secrets.slackSigningSecret.secretArn);
      secrets.slackSigningSecret.grantRead(fn.fn);
      // Slack cannot sign AWS SigV4 requests: the URL is public and the handler rejects any
      // request without a valid Slack signature and a fresh timestamp.
      const url = fn.fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
      new CfnOutput(this, 'SlackInteractionsUrl', {
        value: url.url,
        description: 'Request URL for the Slack app (Interactivity & Shortcuts)',
      });
    });
    this.wireBillingFanOut(exportBucket, props.workBucket, logRetention);

    for (const [name, variables] of Object.entries(settings.functionEnvironment)) {
      const fn = this.functions.get(name as FunctionName);
      if (!fn) {
        Annotations.of(this).addWarningV2(
          'finops:function-environment',
          `functionEnvironment names ${name}: not deployed`,
        );
        continue;
      }
      for (const [variable, value] of Object.entries(variables)) fn.fn.addEnvironment(variable, value);
    }

    const dashboard = new OperationsDashboard(this, 'Operations', {
      functions: [...this.functions.values()],
      deadLetterQueues: this.deadLetterQueues,
    });
    new CfnOutput(this, 'DashboardName', { value: dashboard.dashboard.dashboardName });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: dashboard.alarmTopic.topicArn,
      description: 'Subscribe to receive dead-letter queue alarms',
    });
  }

  private withFunction(name: FunctionName, wire: (fn: PipelineFunction) => void): void {
    const fn = this.functions.get(name);
    if (fn) wire(fn);
  }

  private mustGet(name: string): PipelineFunction {
    const fn = this.functions.get(name as FunctionName);
    if (!fn) throw new Error(`function ${name} is not in this stack`);
    return fn;
  }

  /** S3 "Object Created" events of the export bucket (default bus) → ingest-billing, with a DLQ. */
  private wireIngestBilling(settings: FinopsContext, exportBucket: s3.IBucket): void {
    this.withFunction('ingest-billing', (fn) => {
      this.grantExportRead(fn, exportBucket, settings.exportPrefix);
      const dlq = new DeadLetterQueue(this, 'ExportObjectCreatedDlq', {
        purpose: 'export-file events EventBridge could not deliver to ingest-billing',
      });
      this.deadLetterQueues.push(dlq);
      new events.Rule(this, 'ExportObjectCreated', {
        description: 'A billing export file landed under the export prefix',
        eventPattern: {
          source: [AwsEvent.s3Source],
          detailType: [AwsEvent.s3ObjectCreated],
          detail: {
            bucket: { name: [exportBucket.bucketName] },
            object: { key: [{ prefix: settings.exportPrefix }] },
          },
        },
        targets: [new targets.LambdaFunction(fn.fn, { deadLetterQueue: dlq.queue, ...ROUTE_RETRY })],
      });
    });
  }

  /** Read access to the export files only (objects under the export prefix), via grantRead. */
  private grantExportRead(fn: PipelineFunction, exportBucket: s3.IBucket, prefix: string): void {
    exportBucket.grantRead(fn.fn, `${prefix}*`);
    Validations.of(fn.role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Action::s3:GetObject*]',
        reason: 'grantRead: GetObject and its version variants, on keys under the export prefix only.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::s3:GetBucket*]',
        reason: 'grantRead: metadata of the export bucket only.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::s3:List*]',
        reason: 'grantRead: listing the export bucket (manifest check).',
      },
    );
    acknowledgeWildcardResource(
      fn.role,
      exportBucket.arnForObjects(`${prefix}*`),
      'Billing export files are named by the exporter (period, execution id): every key under the prefix.',
    );
  }

  /** A daily EventBridge Scheduler schedule invoking a function, retried twice, then a DLQ. */
  private wireSchedule(name: FunctionName, id: string, cron: string): void {
    this.withFunction(name, (fn) => {
      const dlq = new DeadLetterQueue(this, `${id}Dlq`, {
        purpose: `scheduled runs of ${name} that failed to start`,
      });
      this.deadLetterQueues.push(dlq);
      const role = new iam.Role(this, `${id}Role`, {
        assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
        description: `EventBridge Scheduler role invoking ${name}`,
      });
      new scheduler.Schedule(this, id, {
        description: `Daily run of ${name}`,
        schedule: scheduler.ScheduleExpression.expression(cron),
        target: new schedulerTargets.LambdaInvoke(fn.fn, {
          role,
          deadLetterQueue: dlq.queue,
          ...ROUTE_RETRY,
        }),
      });
      acknowledgeWildcardResource(
        role,
        `${fn.fn.functionArn}:*`,
        'Lambda grantInvoke covers the function and its versions/aliases (<function ARN>:*); one function only.',
      );
    });
  }

  /** ARN pattern of every SageMaker resource of one type in this account and region. */
  private sagemakerArns(resource: 'endpoint' | 'endpoint-config' | 'inference-component'): string {
    return this.formatArn({ service: 'sagemaker', resource, resourceName: '*' });
  }

  /** CloudWatch metrics and SageMaker reads for idle detection; nothing that changes capacity. */
  private grantIdleDetection(fn: PipelineFunction): void {
    const endpointArn = this.sagemakerArns('endpoint');
    const endpointConfigArn = this.sagemakerArns('endpoint-config');
    const componentArn = this.sagemakerArns('inference-component');
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadMetricsAndListEndpoints',
        actions: ['cloudwatch:GetMetricData', 'sagemaker:ListEndpoints', 'sagemaker:ListInferenceComponents'],
        resources: ['*'],
      }),
    );
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeEndpoints',
        actions: [
          'sagemaker:DescribeEndpoint',
          'sagemaker:DescribeEndpointConfig',
          'sagemaker:DescribeInferenceComponent',
          'sagemaker:ListTags',
        ],
        resources: [endpointArn, endpointConfigArn, componentArn],
      }),
    );
    Validations.of(fn.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:GetMetricData, sagemaker:ListEndpoints and ListInferenceComponents support no resource-level permissions (read-only).',
    });
    acknowledgeWildcardResource(
      fn.role,
      endpointArn,
      'Idle detection inspects every endpoint of the account (read-only Describe/ListTags).',
    );
    acknowledgeWildcardResource(
      fn.role,
      endpointConfigArn,
      'Reads the instance type and count of each endpoint to price its idle capacity (read-only).',
    );
    acknowledgeWildcardResource(
      fn.role,
      componentArn,
      'Reads the copy count of inference components of each endpoint (read-only).',
    );
  }

  /**
   * The only capacity-changing permissions of the pipeline, and only on resources tagged
   * `finops:managed=true`: endpoints the operator has opted in.
   */
  private grantEndpointScaling(fn: PipelineFunction): void {
    const managedOnly = { StringEquals: { [`aws:ResourceTag/${MANAGED_TAG.key}`]: MANAGED_TAG.value } };
    const endpointArn = this.sagemakerArns('endpoint');
    const componentArn = this.sagemakerArns('inference-component');
    const scalableTargetArn = this.formatArn({
      service: 'application-autoscaling',
      resource: 'scalable-target',
      resourceName: '*',
    });
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ScaleManagedEndpoints',
        actions: ['sagemaker:UpdateEndpointWeightsAndCapacities', 'sagemaker:DescribeEndpoint'],
        resources: [endpointArn],
        conditions: managedOnly,
      }),
    );
    // Scale to zero is only possible through inference components (SageMaker's own rule).
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ScaleManagedInferenceComponents',
        actions: ['sagemaker:UpdateInferenceComponentRuntimeConfig', 'sagemaker:DescribeInferenceComponent'],
        resources: [componentArn],
        conditions: managedOnly,
      }),
    );
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RegisterManagedScalableTargets',
        actions: ['application-autoscaling:RegisterScalableTarget'],
        resources: [scalableTargetArn],
        conditions: managedOnly,
      }),
    );
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListScalingState',
        actions: ['application-autoscaling:DescribeScalableTargets', 'sagemaker:ListInferenceComponents'],
        resources: ['*'],
      }),
    );
    Validations.of(fn.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'application-autoscaling:DescribeScalableTargets and sagemaker:ListInferenceComponents support no resource-level permissions (read-only).',
    });
    const tagged = `limited by the aws:ResourceTag/${MANAGED_TAG.key}=${MANAGED_TAG.value} condition to opted-in`;
    acknowledgeWildcardResource(fn.role, endpointArn, `Endpoint ARNs ${tagged} endpoints.`);
    acknowledgeWildcardResource(
      fn.role,
      scalableTargetArn,
      `Scalable-target ARNs (random ids) ${tagged} targets.`,
    );
    acknowledgeWildcardResource(fn.role, componentArn, `Inference-component ARNs ${tagged} components.`);
  }

  /** The Distributed Map state machine for exports too large for one invocation. */
  private wireBillingFanOut(
    exportBucket: s3.IBucket,
    workBucket: s3.IBucket,
    logRetention: logs.RetentionDays,
  ): void {
    const aggregate = this.functions.get('aggregate-billing-partial');
    const merge = this.functions.get('merge-billing-partials');
    const ingest = this.functions.get('ingest-billing');
    const perFile = aggregate ?? ingest;
    if (!perFile) return;
    const partials = `${PARTIALS_KEY_PREFIX}*`;
    if (aggregate) {
      // Reads its data file and the period's manifest; writes its partial.
      this.grantExportRead(aggregate, exportBucket, this.settings.exportPrefix);
      aggregate.addEnvironment(EnvName.workBucketName, workBucket.bucketName);
      workBucket.grantPut(aggregate.fn, partials);
      Validations.of(aggregate.role).acknowledge({
        id: 'AwsSolutions-IAM5[Action::s3:Abort*]',
        reason: 'grantPut: aborting its own multipart uploads of partials.',
      });
      acknowledgeWildcardResource(
        aggregate.role,
        workBucket.arnForObjects(partials),
        'Partial keys are content hashes under partials/ of the dedicated work bucket.',
      );
    }
    if (aggregate && merge) {
      // Reads every partial and the period's manifest, then replaces the period in the table.
      this.grantExportRead(merge, exportBucket, this.settings.exportPrefix);
      merge.addEnvironment(EnvName.workBucketName, workBucket.bucketName);
      workBucket.grantRead(merge.fn, partials);
      acknowledgeWildcardResource(
        merge.role,
        workBucket.arnForObjects(partials),
        'Partial keys are content hashes under partials/ of the dedicated work bucket.',
      );
    }
    const fanOut = new BillingFanOut(this, 'BillingFanOut', {
      exportBucket,
      aggregateFile: perFile.fn,
      // Until the partial-aggregation functions exist, each file is ingested by ingest-billing.
      itemShape: aggregate ? 'object-ref' : 's3-object-created',
      merge: aggregate ? merge?.fn : undefined,
      logRetention,
    });
    new CfnOutput(this, 'BillingFanOutStateMachineArn', {
      value: fanOut.stateMachine.stateMachineArn,
      description:
        'Started by ingest-billing for periods above BILLING_FAN_OUT_THRESHOLD_BYTES; manually with {"prefix": "<data prefix of one billing period>"}',
    });
    if (ingest && aggregate && merge) {
      // ingest-billing starts the fan-out itself for a period too big for one invocation. Only with
      // the partial/merge shape: a map invoking ingest-billing per file would fan out again.
      ingest.addEnvironment(EnvName.billingFanOutStateMachineArn, fanOut.stateMachine.stateMachineArn);
      fanOut.stateMachine.grantStartExecution(ingest.fn);
      // A re-delivery of a period whose execution failed redrives it (same deterministic name).
      fanOut.stateMachine.grantExecution(ingest.fn, 'states:DescribeExecution', 'states:RedriveExecution');
      acknowledgeGeneratedWildcards(
        ingest.role,
        /:states:.*:execution:/,
        "Execution names are per billing period, so ingest-billing gets DescribeExecution/RedriveExecution on this one state machine's executions (<execution ARN prefix>:*).",
      );
    }
  }
}
