import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledgeGeneratedWildcards, acknowledgeWildcardResource } from '../nag';

/** Props: the export bucket and the two steps (per-file aggregation, final merge). */
export interface BillingFanOutProps {
  readonly exportBucket: s3.IBucket;
  /** Invoked once per data file with `{ bucket, key, size, prefix }`. */
  readonly aggregateFile: lambda.IFunction;
  /** Invoked once with `{ prefix, partials }` (the per-file results, in listing order). */
  readonly merge?: lambda.IFunction;
  readonly logRetention: logs.RetentionDays;
  /** Files aggregated in parallel (bounded so DynamoDB and Lambda concurrency stay predictable). */
  readonly maxConcurrency?: number;
}

/**
 * Step Functions state machine for billing exports too big for one 15-minute Lambda: a
 * Distributed Map lists the data files under the execution input's `prefix` in the export bucket
 * (one billing period of a Data Export) and aggregates each file in its own invocation; a final
 * step merges the partial aggregates and replaces the period as one unit. Any failed file fails
 * the execution (tolerated failures 0%): a period is never half-ingested.
 */
export class BillingFanOut extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: BillingFanOutProps) {
    super(scope, id);

    const aggregate = new tasks.LambdaInvoke(this, 'AggregateFile', {
      lambdaFunction: props.aggregateFile,
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    });
    const fanOut = new sfn.DistributedMap(this, 'ForEachDataFile', {
      itemReader: new sfn.S3ObjectsItemReader({
        bucket: props.exportBucket,
        prefix: sfn.JsonPath.stringAt('$.prefix'),
      }),
      itemSelector: {
        bucket: props.exportBucket.bucketName,
        key: sfn.JsonPath.stringAt('$$.Map.Item.Value.Key'),
        size: sfn.JsonPath.numberAt('$$.Map.Item.Value.Size'),
        prefix: sfn.JsonPath.stringAt('$.prefix'),
      },
      maxConcurrency: props.maxConcurrency ?? 10,
      toleratedFailurePercentage: 0,
      resultPath: '$.partials',
    });
    fanOut.itemProcessor(aggregate);

    const definition = props.merge
      ? fanOut.next(
          new tasks.LambdaInvoke(this, 'MergePartials', {
            lambdaFunction: props.merge,
            payloadResponseOnly: true,
            retryOnServiceExceptions: true,
          }),
        )
      : fanOut;

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'Fans a large billing export out over its data files, then merges the partial aggregates',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: Duration.hours(6),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });

    for (const fn of [props.aggregateFile, props.merge]) {
      if (fn) {
        acknowledgeWildcardResource(
          this.stateMachine.role,
          `${fn.functionArn}:*`,
          'LambdaInvoke grants the function and its versions (<function ARN>:*); one function only.',
        );
      }
    }
    acknowledgeGeneratedWildcards(
      this.stateMachine,
      /:states:.*:execution:/,
      'A Distributed Map runs child executions of this state machine and must describe/stop them by execution ARN.',
    );
    Validations.of(this.stateMachine).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray and CloudWatch Logs delivery actions the state machine needs support no resource-level permissions.',
      },
      {
        id: 'Serverless-StarPermissions',
        reason: 'Only X-Ray, log delivery, and the Lambda version wildcard of the two invoked functions.',
      },
    );
  }
}
