import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { AwsEvent } from '../aws-names';
import { acknowledgeGeneratedWildcards, acknowledgeWildcardResource } from '../nag';

/** Props: the export bucket and the two steps (per-file aggregation, final merge). */
export interface BillingFanOutProps {
  readonly exportBucket: s3.IBucket;
  /** Invoked once per listed object, with the input `itemShape` describes. */
  readonly aggregateFile: lambda.IFunction;
  /**
   * `object-ref`: `{ bucket, key, size, prefix }` (a partial-aggregation function);
   * `s3-object-created`: the EventBridge S3 "Object Created" event a per-file ingest function
   * already accepts.
   */
  readonly itemShape: 'object-ref' | 's3-object-created';
  /** Invoked once with `{ prefix, partials }` (the per-file results, in listing order). */
  readonly merge?: lambda.IFunction;
  readonly logRetention: logs.RetentionDays;
  /** Files aggregated in parallel (bounded so DynamoDB and Lambda concurrency stay predictable). */
  readonly maxConcurrency?: number;
}

const objectKey = () => sfn.JsonPath.stringAt('$$.Map.Item.Value.Key');
const objectSize = () => sfn.JsonPath.numberAt('$$.Map.Item.Value.Size');

function itemSelector(shape: BillingFanOutProps['itemShape'], bucketName: string): Record<string, unknown> {
  if (shape === 'object-ref') {
    return {
      bucket: bucketName,
      key: objectKey(),
      size: objectSize(),
      prefix: sfn.JsonPath.stringAt('$.prefix'),
    };
  }
  return {
    source: AwsEvent.s3Source,
    'detail-type': AwsEvent.s3ObjectCreated,
    detail: { bucket: { name: bucketName }, object: { key: objectKey(), size: objectSize() } },
  };
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
      itemSelector: itemSelector(props.itemShape, props.exportBucket.bucketName),
      maxConcurrency: props.maxConcurrency ?? 10,
      toleratedFailurePercentage: 0,
      // Per-file ingestion returns nothing the next step needs; partials feed the merge step.
      resultPath: props.itemShape === 'object-ref' ? '$.partials' : sfn.JsonPath.DISCARD,
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
      comment: props.merge
        ? 'Fans a large billing export out over its data files, then merges the partial aggregates'
        : 'Fans a large billing export out over its data files, ingesting each file',
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
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray and CloudWatch Logs delivery actions the state machine needs support no resource-level permissions.',
    });
  }
}
