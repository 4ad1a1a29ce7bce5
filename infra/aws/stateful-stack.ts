import {
  Annotations,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { EVENT_SOURCE } from '#events/contract';
import { PARTIALS_KEY_PREFIX } from '#shared/billing/partial-store';
import { Gsi1, TableKey, TTL_ATTRIBUTE } from '#shared/store/table-schema';
import type { FinopsContext } from './context';

/** Props of the stateful stack: only the parsed context. */
export interface FinopsStatefulStackProps extends StackProps {
  readonly settings: FinopsContext;
}

/**
 * Everything that holds data and must survive a redeploy of the functions: the single table,
 * the custom event bus with its archive, and the billing-export bucket. Retained on delete.
 */
export class FinopsStatefulStack extends Stack {
  readonly table: dynamodb.TableV2;
  readonly bus: events.EventBus;
  readonly exportBucket: s3.IBucket;
  /** Scratch space of the billing fan-out (partial aggregates under `partials/`, expiring after 7 days). */
  readonly workBucket: s3.Bucket;
  /** True when the export bucket is created here (so EventBridge notifications are known to be on). */
  readonly exportBucketCreated: boolean;
  /** Operator-provided credentials: imported by ARN from context, or created here to be filled after deploy. */
  readonly secrets: {
    readonly slackWebhook: secretsmanager.ISecret;
    readonly slackSigningSecret: secretsmanager.ISecret;
    readonly githubToken: secretsmanager.ISecret;
  };

  constructor(scope: Construct, id: string, props: FinopsStatefulStackProps) {
    super(scope, id, props);

    this.table = new dynamodb.TableV2(this, 'CostTable', {
      partitionKey: { name: TableKey.partition, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TableKey.sort, type: dynamodb.AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          indexName: Gsi1.name,
          partitionKey: { name: Gsi1.partition, type: dynamodb.AttributeType.STRING },
          sortKey: { name: Gsi1.sort, type: dynamodb.AttributeType.STRING },
        },
      ],
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      timeToLiveAttribute: TTL_ATTRIBUTE,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.bus = new events.EventBus(this, 'PipelineBus', {
      description: 'finops-pipeline domain events (see events/ for the contracts)',
    });
    // The archive makes every pipeline event replayable after a consumer bug is fixed.
    this.bus.archive('PipelineArchive', {
      description: 'All finops-pipeline events, replayable',
      eventPattern: { source: [EVENT_SOURCE] },
      retention: Duration.days(90),
    });

    const { exportBucketName } = props.settings;
    this.exportBucketCreated = exportBucketName === undefined;
    if (exportBucketName !== undefined) {
      // An imported bucket's notification settings are not ours to change.
      Annotations.of(this).addWarningV2(
        'finops:export-bucket-eventbridge',
        `enable "Send notifications to Amazon EventBridge" on bucket ${exportBucketName}: ingestion is triggered by its Object Created events`,
      );
    }
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.exportBucket =
      exportBucketName === undefined
        ? this.createExportBucket(accessLogs)
        : s3.Bucket.fromBucketName(this, 'ExportBucket', exportBucketName);
    // Partial aggregates of the billing fan-out: intermediate, re-creatable, so they expire. A
    // fan-out runs for at most 6 hours (its state machine timeout); a week leaves time to inspect one.
    this.workBucket = new s3.Bucket(this, 'WorkBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'work-bucket/',
      lifecycleRules: [
        {
          id: 'ExpirePartials',
          prefix: PARTIALS_KEY_PREFIX,
          expiration: Duration.days(7),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const { settings } = props;
    this.secrets = {
      slackWebhook: this.secret(
        'SlackWebhookUrl',
        settings.slackWebhookSecretArn,
        'Slack incoming-webhook URL',
      ),
      slackSigningSecret: this.secret(
        'SlackSigningSecret',
        settings.slackSigningSecretArn,
        'Slack app signing secret',
      ),
      githubToken: this.secret(
        'GithubToken',
        settings.githubTokenSecretArn,
        'GitHub token for rightsizing PRs',
      ),
    };

    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'EventBusName', { value: this.bus.eventBusName });
    new CfnOutput(this, 'WorkBucketName', { value: this.workBucket.bucketName });
    new CfnOutput(this, 'ExportBucketName', {
      value: this.exportBucket.bucketName,
      description: 'Point the AWS Data Export (FOCUS / CUR 2.0) at this bucket, under the export prefix',
    });
    for (const [name, secret] of Object.entries(this.secrets)) {
      new CfnOutput(this, `${name}SecretArn`, {
        value: secret.secretArn,
        description:
          'Store the value: aws secretsmanager put-secret-value --secret-id <arn> --secret-string ...',
      });
    }
  }

  /**
   * An imported secret, or a new one holding a random placeholder until the operator stores the
   * real value (`aws secretsmanager put-secret-value`); the functions fail fast on the placeholder.
   */
  private secret(id: string, arn: string | undefined, description: string): secretsmanager.ISecret {
    if (arn) return secretsmanager.Secret.fromSecretCompleteArn(this, id, arn);
    const secret = new secretsmanager.Secret(this, id, {
      description: `finops-pipeline: ${description} (set the value after deploy)`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: `${description} is issued by a third party (Slack/GitHub); it is rotated there, then stored here.`,
    });
    return secret;
  }

  private createExportBucket(accessLogs: s3.IBucket): s3.Bucket {
    const bucket = new s3.Bucket(this, 'ExportBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'export-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Ingestion is triggered by S3 "Object Created" events on the default EventBridge bus. Set on
    // the CloudFormation resource directly: `eventBridgeEnabled` would add a custom-resource Lambda.
    (bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };
    return bucket;
  }
}
