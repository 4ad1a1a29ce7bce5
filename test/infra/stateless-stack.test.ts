import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { EVENT_SOURCE } from '#events/contract';
import { eventPattern, ROUTES } from '#events/routing';
import { AwsEvent, MANAGED_TAG } from '#infra/aws/aws-names';
import { REPO_ROOT } from '#infra/aws/constructs/pipeline-function';
import { ROUTE_RETRY } from '#infra/aws/constructs/routed-rules';
import { FUNCTION_CATALOG, partitionCatalog } from '#infra/aws/function-catalog';
import { EnvName } from '#shared/config/env-names';
import { MetricName } from '#shared/observability';
import {
  functionLogicalId,
  removeOutput,
  SYNTH_TIMEOUT_MS,
  type SynthesizedFinopsApp,
  synthFinopsApp,
} from './fixtures/finops-app';

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every Allow statement of every IAM policy in the template, with the id of the policy. */
function policyStatements(resources: Record<string, Resource>): { policyId: string; statement: Statement }[] {
  return Object.entries(resources).flatMap(([policyId, resource]) => {
    const document = resource.Properties.PolicyDocument as { Statement: Statement[] };
    return document.Statement.filter((s) => s.Effect === 'Allow').map((statement) => ({
      policyId,
      statement,
    }));
  });
}

/** The statements of the default policy attached to a function's own role. */
function roleStatements(synth: SynthesizedFinopsApp, name: string): Statement[] {
  const fn = synth.stateless.functions.get(name as never);
  if (!fn) throw new Error(`${name} not deployed`);
  const roleId = synth.stateless.getLogicalId(fn.role.node.defaultChild as never);
  const policies = synth.statelessTemplate.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: roleId }] },
  }) as Record<string, Resource>;
  return policyStatements(policies).map(({ statement }) => statement);
}

// Services whose data the pipeline owns or acts on: a wildcard action or resource there is a leak.
const DATA_PLANE = /^(dynamodb|s3|sagemaker|events|sqs|secretsmanager|application-autoscaling):/;
// Read-only actions without resource-level permissions, each documented in the stack.
const SERVICE_LEVEL_ACTIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'ce:GetCostAndUsage',
  'cloudwatch:GetMetricData',
  'sagemaker:ListEndpoints',
  'sagemaker:ListInferenceComponents',
  'application-autoscaling:DescribeScalableTargets',
]);

describe('FinopsStatelessStack', () => {
  let synth: SynthesizedFinopsApp;
  let functions: Record<string, Resource>;

  beforeAll(() => {
    synth = synthFinopsApp({ opencostUrl: 'https://opencost.example.com', gitopsRepository: 'acme/gitops' });
    functions = synth.statelessTemplate.findResources('AWS::Lambda::Function') as Record<string, Resource>;
  }, SYNTH_TIMEOUT_MS);
  afterAll(() => removeOutput(synth));

  const environmentOf = (name: string): Record<string, unknown> => {
    const environment = functions[functionLogicalId(synth, name)]?.Properties.Environment as
      | { Variables: Record<string, unknown> }
      | undefined;
    if (!environment) throw new Error(`${name} has no environment`);
    return environment.Variables;
  };
  const deployedRoutes = () =>
    ROUTES.filter((route) => synth.stateless.functions.has(route.consumer as never));

  it.each(ROUTES.map((route) => [route.detailTypes.join(' + '), route.consumer, route] as const))(
    'routes %s to %s with a DLQ and 2 retries when deployed',
    (_detailTypes, consumer, route) => {
      // Prepare: routes whose handler is not written yet are not deployed (reported by the catalog test).
      if (!synth.stateless.functions.has(consumer as never)) return;
      const pattern = eventPattern(route);
      // Act
      const rules = synth.statelessTemplate.findResources('AWS::Events::Rule', {
        Properties: { EventPattern: { source: pattern.source, 'detail-type': pattern['detail-type'] } },
      }) as Record<string, Resource>;
      const consumerArn = { 'Fn::GetAtt': [functionLogicalId(synth, consumer), 'Arn'] };
      const toConsumer = Object.values(rules).filter((rule) =>
        (rule.Properties.Targets as { Arn: unknown }[]).some(
          (t) => JSON.stringify(t.Arn) === JSON.stringify(consumerArn),
        ),
      );
      // Assess
      expect(toConsumer).toHaveLength(1);
      const [rule] = toConsumer;
      expect(rule?.Properties.EventBusName).toBeDefined();
      expect(rule?.Properties.Targets).toEqual([
        expect.objectContaining({
          Arn: consumerArn,
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/Dlq/), 'Arn'] } },
          RetryPolicy: {
            MaximumRetryAttempts: ROUTE_RETRY.retryAttempts,
            MaximumEventAgeInSeconds: ROUTE_RETRY.maxEventAge.toSeconds(),
          },
        }),
      ]);
    },
  );

  it('gives every route its own dead-letter queue when deployed', () => {
    // Prepare
    const rulesOnBus = Object.values(
      synth.statelessTemplate.findResources('AWS::Events::Rule', {
        Properties: { EventBusName: Match.anyValue() },
      }) as Record<string, Resource>,
    );
    // Act
    const dlqs = rulesOnBus.map((rule) =>
      JSON.stringify((rule.Properties.Targets as { DeadLetterConfig?: unknown }[])[0]?.DeadLetterConfig),
    );
    // Assess
    expect(dlqs).toHaveLength(deployedRoutes().length);
    expect(new Set(dlqs).size).toBe(dlqs.length);
  });

  it('runs every function on nodejs22.x, arm64, with tracing and an on-failure destination when deployed', () => {
    expect(Object.keys(functions).length).toBeGreaterThan(0);
    for (const [id, fn] of Object.entries(functions)) {
      expect({ id, ...fn.Properties }).toMatchObject({
        id,
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler',
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } },
      });
      synth.statelessTemplate.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: id },
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } } },
      });
    }
  });

  it('loads every bundle as an ES module exporting handler when only the AWS SDK is installed', () => {
    // Prepare: a Lambda-like directory where the only package to resolve is @aws-sdk (the runtime's).
    const lambdaRoot = mkdtempSync(path.join(tmpdir(), 'finops-lambda-'));
    mkdirSync(path.join(lambdaRoot, 'node_modules'));
    symlinkSync(
      path.join(REPO_ROOT, 'node_modules', '@aws-sdk'),
      path.join(lambdaRoot, 'node_modules', '@aws-sdk'),
    );
    const bundles = Object.entries(functions).map(([id, fn]) => {
      const hash = String((fn.Properties.Code as { S3Key: string }).S3Key).replace(/\.zip$/, '');
      const bundle = path.join(lambdaRoot, id, 'index.mjs');
      mkdirSync(path.dirname(bundle));
      copyFileSync(path.join(synth.app.outdir, `asset.${hash}`, 'index.mjs'), bundle);
      return bundle;
    });
    // Act: one fresh Node process imports them all (the tracer needs the createRequire banner).
    const script = `for (const b of ${JSON.stringify(bundles)}) console.log(typeof (await import(b)).handler);`;
    let loaded: string[];
    try {
      loaded = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: lambdaRoot,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1' },
      })
        .trim()
        .split('\n');
    } finally {
      rmSync(lambdaRoot, { recursive: true, force: true });
    }
    // Assess
    expect(loaded).toEqual(bundles.map(() => 'function'));
  });

  it('imports the AWS SDK from the runtime when bundling', () => {
    for (const fn of Object.values(functions)) {
      const hash = String((fn.Properties.Code as { S3Key: string }).S3Key).replace(/\.zip$/, '');
      const code = readFileSync(path.join(synth.app.outdir, `asset.${hash}`, 'index.mjs'), 'utf8');
      expect(code).toMatch(/from\s*"@aws-sdk\//);
    }
  });

  it('keeps function logs for the configured retention when deployed', () => {
    const logGroups = synth.statelessTemplate.findResources('AWS::Logs::LogGroup') as Record<
      string,
      Resource
    >;
    for (const fn of Object.values(functions)) {
      const groupId = (
        (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup as { Ref: string }
      ).Ref;
      expect(logGroups[groupId]?.Properties.RetentionInDays).toBe(30);
    }
  });

  it('sets table, bus and Powertools variables from env-names when a function publishes', () => {
    const detect = functions[functionLogicalId(synth, 'detect-anomalies')];
    expect(detect?.Properties.Environment).toEqual({
      Variables: expect.objectContaining({
        [EnvName.tableName]: expect.anything(),
        [EnvName.eventBusName]: expect.anything(),
        [EnvName.powertoolsServiceName]: 'detect-anomalies',
        [EnvName.powertoolsMetricsNamespace]: expect.any(String),
      }),
    });
  });

  it('grants no wildcard action and no "*" resource on data-plane services when deployed', () => {
    const statements = policyStatements(
      synth.statelessTemplate.findResources('AWS::IAM::Policy') as Record<string, Resource>,
    );
    expect(statements.length).toBeGreaterThan(0);
    const offending = statements.flatMap(({ policyId, statement }) => {
      const actions = asArray(statement.Action);
      const resources = asArray(statement.Resource);
      return actions
        .filter(
          (action) =>
            action === '*' || /:\*$/.test(action) || (DATA_PLANE.test(action) && resources.includes('*')),
        )
        .filter((action) => !SERVICE_LEVEL_ACTIONS.has(action))
        .map((action) => `${policyId}: ${action} on ${JSON.stringify(resources)}`);
    });
    expect(offending).toEqual([]);
  });

  it.each(['scale-endpoint', 'slack-interactions'])(
    'lets %s change capacity only of resources tagged finops:managed=true',
    (name) => {
      // Prepare
      const statements = roleStatements(synth, name).filter((s) =>
        asArray(s.Action).some((a) => /^(sagemaker|application-autoscaling):/.test(a)),
      );
      // Act
      const actions = statements.flatMap((s) => asArray(s.Action)).sort();
      const unconditioned = statements
        .filter((s) => s.Condition === undefined)
        .flatMap((s) => asArray(s.Action))
        .sort();
      // Assess
      expect(actions).toEqual([
        'application-autoscaling:DescribeScalableTargets',
        'application-autoscaling:RegisterScalableTarget',
        'sagemaker:DescribeEndpoint',
        'sagemaker:DescribeInferenceComponent',
        'sagemaker:ListInferenceComponents',
        'sagemaker:UpdateEndpointWeightsAndCapacities',
        'sagemaker:UpdateInferenceComponentRuntimeConfig',
      ]);
      expect(unconditioned).toEqual([
        'application-autoscaling:DescribeScalableTargets',
        'sagemaker:ListInferenceComponents',
      ]);
      for (const statement of statements.filter((s) => s.Condition !== undefined)) {
        expect(statement.Condition).toEqual({
          StringEquals: { [`aws:ResourceTag/${MANAGED_TAG.key}`]: MANAGED_TAG.value },
        });
      }
    },
  );

  it('passes the versioned scaling policy to the functions that scale when deployed', () => {
    for (const name of ['scale-endpoint', 'slack-interactions']) {
      expect(environmentOf(name)[EnvName.scalingPolicy]).toEqual(
        expect.stringContaining('maxReductionPerStep'),
      );
    }
  });

  it('keeps scale-endpoint in dry-run unless context scalingDryRun is false', () => {
    expect(environmentOf('scale-endpoint')[EnvName.dryRun]).toBe('true');
  });

  it('exposes a Function URL without IAM auth only for slack-interactions when deployed', () => {
    const urls = synth.statelessTemplate.findResources('AWS::Lambda::Url') as Record<string, Resource>;
    const targets = Object.values(urls).map((url) => url.Properties);
    expect(targets).toEqual([
      expect.objectContaining({
        AuthType: 'NONE',
        TargetFunctionArn: { 'Fn::GetAtt': [functionLogicalId(synth, 'slack-interactions'), 'Arn'] },
      }),
    ]);
  });

  it('gives secrets by ARN variable only to the functions that need them when deployed', () => {
    const vars = environmentOf;
    expect(vars('notify-slack')).toHaveProperty(EnvName.slackWebhookSecretArn);
    expect(vars('slack-interactions')).toHaveProperty(EnvName.slackSigningSecretArn);
    expect(vars('open-rightsizing-pr')).toMatchObject({
      [EnvName.githubTokenSecretArn]: expect.anything(),
      [EnvName.gitopsRepository]: 'acme/gitops',
    });
    expect(vars('detect-anomalies')).not.toHaveProperty(EnvName.slackWebhookSecretArn);
    const secretReaders = roleStatements(synth, 'detect-anomalies').filter((s) =>
      asArray(s.Action).some((a) => a.startsWith('secretsmanager:')),
    );
    expect(secretReaders).toEqual([]);
  });

  it('triggers ingest-billing with a DLQ and 2 retries when an export file lands under the prefix', () => {
    synth.statelessTemplate.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      EventPattern: {
        source: [AwsEvent.s3Source],
        'detail-type': [AwsEvent.s3ObjectCreated],
        detail: { bucket: { name: [Match.anyValue()] }, object: { key: [{ prefix: 'exports/' }] } },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [functionLogicalId(synth, 'ingest-billing'), 'Arn'] },
          DeadLetterConfig: Match.anyValue(),
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 7200 },
        }),
      ],
    });
  });

  it('schedules Cost Explorer and OpenCost ingestion daily with a DLQ when opencostUrl is set', () => {
    // Prepare: a function whose handler is missing is not deployed (see the catalog test).
    const scheduled = ['ingest-cost-explorer', 'ingest-k8s'].filter((name) =>
      synth.stateless.functions.has(name as never),
    );
    expect(scheduled.length).toBeGreaterThan(0);
    for (const name of scheduled) {
      synth.statelessTemplate.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: Match.stringLikeRegexp('^cron\\(0 \\d+ \\* \\* \\? \\*\\)$'),
        Target: Match.objectLike({
          Arn: { 'Fn::GetAtt': [functionLogicalId(synth, name), 'Arn'] },
          DeadLetterConfig: { Arn: Match.anyValue() },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 7200 },
        }),
      });
    }
    if (scheduled.includes('ingest-k8s')) {
      expect(environmentOf('ingest-k8s')[EnvName.opencostUrl]).toBe('https://opencost.example.com');
    }
  });

  it('fans large exports out with a traced, logged Distributed Map over the export files when deployed', () => {
    // Prepare: the per-file step is the partial aggregation when it exists, else ingest-billing.
    const perFile = synth.stateless.functions.has('aggregate-billing-partial' as never)
      ? 'aggregate-billing-partial'
      : 'ingest-billing';
    const machines = synth.statelessTemplate.findResources('AWS::StepFunctions::StateMachine') as Record<
      string,
      Resource
    >;
    // Act
    const [machine] = Object.values(machines);
    const definition = JSON.stringify(machine?.Properties.DefinitionString);
    // Assess
    expect(machine?.Properties).toMatchObject({
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL' },
    });
    expect(definition).toContain('\\"Mode\\":\\"DISTRIBUTED\\"');
    expect(definition).toContain(':states:::s3:listObjectsV2');
    expect(definition).toContain(
      JSON.stringify({ 'Fn::GetAtt': [functionLogicalId(synth, perFile), 'Arn'] }),
    );
    // No tolerated failures (the default, 0): one failed file fails the whole period.
    expect(definition).not.toContain('ToleratedFailure');
  });

  it('merges the partials written to the work bucket when the partial-aggregation functions exist', () => {
    // Prepare: before those handlers exist the fan-out ingests per file (previous test).
    if (!synth.stateless.functions.has('merge-billing-partials' as never)) return;
    const machines = synth.statelessTemplate.findResources('AWS::StepFunctions::StateMachine') as Record<
      string,
      Resource
    >;
    // Act
    const definition = JSON.stringify(Object.values(machines)[0]?.Properties.DefinitionString);
    const writes = roleStatements(synth, 'aggregate-billing-partial').filter((s) =>
      asArray(s.Action).includes('s3:PutObject'),
    );
    // Assess
    expect(definition).toContain('\\"ResultPath\\":\\"$.partials\\"');
    expect(definition).toContain(
      JSON.stringify({ 'Fn::GetAtt': [functionLogicalId(synth, 'merge-billing-partials'), 'Arn'] }),
    );
    for (const name of ['aggregate-billing-partial', 'merge-billing-partials']) {
      expect(environmentOf(name)[EnvName.workBucketName]).toBeDefined();
    }
    expect(writes).toHaveLength(1);
    expect(JSON.stringify(writes[0]?.Resource)).toContain('/partials/*');
  });

  it('gives merge-billing-partials read on the work bucket and PutEvents on the bus when deployed', () => {
    // Prepare
    const workBucketArn = JSON.stringify(synth.stateless.resolve(synth.stateful.workBucket.bucketArn));
    const statements = roleStatements(synth, 'merge-billing-partials');
    // Act
    const onWorkBucket = statements.filter((s) => JSON.stringify(s.Resource).includes(workBucketArn));
    const workActions = onWorkBucket.flatMap((s) => asArray(s.Action));
    const publishes = statements.filter((s) => asArray(s.Action).includes('events:PutEvents'));
    // Assess
    expect(workActions).toEqual(expect.arrayContaining(['s3:GetObject*', 's3:List*']));
    expect(workActions.filter((a) => /^s3:(Put|Delete)/.test(a))).toEqual([]);
    expect(JSON.stringify(onWorkBucket.map((s) => s.Resource))).toContain('/partials/*');
    expect(publishes).toHaveLength(1);
    expect(environmentOf('merge-billing-partials')).toMatchObject({
      [EnvName.workBucketName]: expect.anything(),
      [EnvName.tableName]: expect.anything(),
      [EnvName.eventBusName]: expect.anything(),
    });
  });

  it('gives aggregate-billing-partial no table, no bus and only PutObject on the work bucket when deployed', () => {
    // Prepare
    const workBucketArn = JSON.stringify(synth.stateless.resolve(synth.stateful.workBucket.bucketArn));
    const statements = roleStatements(synth, 'aggregate-billing-partial');
    // Act
    const actions = statements.flatMap((s) => asArray(s.Action));
    const workActions = statements
      .filter((s) => JSON.stringify(s.Resource).includes(workBucketArn))
      .flatMap((s) => asArray(s.Action));
    // Assess
    expect(actions.filter((a) => /^(dynamodb|events):/.test(a))).toEqual([]);
    expect(workActions).toContain('s3:PutObject');
    expect(workActions.filter((a) => /^s3:(Get|List|Delete)/.test(a))).toEqual([]);
    expect(actions).toEqual(expect.arrayContaining(['s3:GetObject*']));
  });

  it.each(['aggregate-billing-partial', 'merge-billing-partials'])(
    'runs %s for up to 15 minutes on 1769 MB with the V8 heap capped at 1200 MB',
    (name) => {
      // Act
      const properties = functions[functionLogicalId(synth, name)]?.Properties;
      // Assess
      expect(properties).toMatchObject({ Timeout: 900, MemorySize: 1769 });
      expect(environmentOf(name).NODE_OPTIONS).toBe('--max-old-space-size=1200');
    },
  );

  it('caps the V8 heap of ingest-billing at 600 MB of its 1024 MB so streaming garbage is collected early', () => {
    expect(functions[functionLogicalId(synth, 'ingest-billing')]?.Properties).toMatchObject({
      MemorySize: 1024,
    });
    expect(environmentOf('ingest-billing').NODE_OPTIONS).toBe('--max-old-space-size=600');
  });

  it('alarms when any dead-letter queue holds a message', () => {
    const queues = synth.statelessTemplate.findResources('AWS::SQS::Queue') as Record<string, Resource>;
    const alarms = Object.values(
      synth.statelessTemplate.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>,
    );
    for (const queueId of Object.keys(queues)) {
      const alarm = alarms.find(
        (a) =>
          JSON.stringify(a.Properties).includes(`"${queueId}"`) &&
          JSON.stringify(a.Properties).includes('ApproximateNumberOfMessagesVisible'),
      );
      expect({ queueId, ...alarm?.Properties }).toMatchObject({
        queueId,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [expect.anything()],
      });
    }
  });

  it('charts rows, rejects, anomalies, Cost Explorer requests and DLQ depth when deployed', () => {
    // Prepare
    const dashboards = Object.values(
      synth.statelessTemplate.findResources('AWS::CloudWatch::Dashboard') as Record<string, Resource>,
    );
    // Act
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
    // Assess
    expect(dashboards).toHaveLength(1);
    for (const metric of [
      MetricName.rowsIngested,
      MetricName.rowsRejected,
      MetricName.anomaliesDetected,
      MetricName.costExplorerRequests,
      'ApproximateNumberOfMessagesVisible',
    ]) {
      expect(body).toContain(metric);
    }
  });

  it('encrypts every queue and denies non-TLS access when deployed', () => {
    const queues = synth.statelessTemplate.findResources('AWS::SQS::Queue') as Record<string, Resource>;
    for (const [queueId, queue] of Object.entries(queues)) {
      expect({ queueId, ...queue.Properties }).toMatchObject({ queueId, SqsManagedSseEnabled: true });
      synth.statelessTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: Match.arrayWith([{ Ref: queueId }]),
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('matches only pipeline-source events when a rule is on the custom bus', () => {
    const rulesOnBus = Object.values(
      synth.statelessTemplate.findResources('AWS::Events::Rule', {
        Properties: { EventBusName: Match.anyValue() },
      }) as Record<string, Resource>,
    );
    for (const rule of rulesOnBus) {
      expect((rule.Properties.EventPattern as { source: string[] }).source).toEqual([EVENT_SOURCE]);
    }
  });
});

describe('FinopsStatelessStack with scaling enabled', () => {
  it(
    'turns dry-run off for scale-endpoint when context scalingDryRun is false',
    () => {
      // Prepare / Act
      const scaleEndpoint = FUNCTION_CATALOG.filter((spec) => spec.name === 'scale-endpoint');
      const synth = synthFinopsApp({ scalingDryRun: 'false' }, scaleEndpoint, { bundle: false });
      removeOutput(synth);
      // Assess
      synth.statelessTemplate.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            [EnvName.dryRun]: 'false',
            [EnvName.powertoolsServiceName]: 'scale-endpoint',
          }),
        },
      });
    },
    SYNTH_TIMEOUT_MS,
  );
});

describe('FinopsStatelessStack with tuning from context', () => {
  it('sets functionEnvironment variables on the named function only when given in context', () => {
    // Prepare
    const specs = FUNCTION_CATALOG.filter(
      (spec) => spec.name === 'scale-endpoint' || spec.name === 'notify-slack',
    );
    // Act
    const synth = synthFinopsApp(
      { functionEnvironment: { 'scale-endpoint': { [EnvName.idleMinHours]: 8 } } },
      specs,
      { bundle: false },
    );
    removeOutput(synth);
    // Assess
    const variables = Object.values(
      synth.statelessTemplate.findResources('AWS::Lambda::Function') as Record<string, Resource>,
    ).map((fn) => (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables);
    expect(variables.map((v) => [v[EnvName.powertoolsServiceName], v[EnvName.idleMinHours]]).sort()).toEqual([
      ['notify-slack', undefined],
      ['scale-endpoint', '8'],
    ]);
  });
});

describe('function catalog', () => {
  it('finds a handler file when a function is in the catalog', () => {
    // Fails while a catalog entry's functions/<name>/handler.ts does not exist (it is then not deployed).
    const { missing } = partitionCatalog();
    expect(missing.map((spec) => `functions/${spec.name}/handler.ts`)).toEqual([]);
  });
});
