import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EVENT_SOURCE } from '#events/contract';
import { readFinopsContext } from '#infra/aws/context';
import { FinopsStatefulStack } from '#infra/aws/stateful-stack';
import { Gsi1, TableKey, TTL_ATTRIBUTE } from '#shared/store/table-schema';
import { cdkJsonContext } from './fixtures/finops-app';

// The stateful stack has no functions, so it is built on its own here (no bundling, fast).
function synthStateful(overrides: Record<string, unknown> = {}): Template {
  const app = new App({ context: { ...cdkJsonContext(), ...overrides } });
  const stack = new FinopsStatefulStack(app, 'Stateful', { settings: readFinopsContext(app.node) });
  return Template.fromStack(stack);
}

describe('FinopsStatefulStack', () => {
  const template = synthStateful();

  it('keeps the table on demand with point-in-time recovery when deployed', () => {
    // Prepare / Act: synthesized above. Assess: cdk-nag skips TableV2, so PITR is asserted here.
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      Replicas: [
        Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ],
    });
  });

  it('encrypts the table and expires items on the shared TTL attribute when deployed', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    });
  });

  it('uses the key schema and gsi1 of shared/store/table-schema when deployed', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: TableKey.partition, KeyType: 'HASH' },
        { AttributeName: TableKey.sort, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: Gsi1.name,
          KeySchema: [
            { AttributeName: Gsi1.partition, KeyType: 'HASH' },
            { AttributeName: Gsi1.sort, KeyType: 'RANGE' },
          ],
        }),
      ],
    });
  });

  it('retains the table, the export bucket and the secrets when the stack is deleted', () => {
    for (const type of ['AWS::DynamoDB::GlobalTable', 'AWS::S3::Bucket', 'AWS::SecretsManager::Secret']) {
      const resources = template.findResources(type);
      expect(Object.keys(resources).length).toBeGreaterThan(0);
      for (const resource of Object.values(resources)) expect(resource.DeletionPolicy).toBe('Retain');
    }
  });

  it('archives every pipeline event on the custom bus when deployed', () => {
    template.hasResourceProperties('AWS::Events::Archive', {
      EventPattern: { source: [EVENT_SOURCE] },
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('PipelineBus'), 'Arn'] },
    });
  });

  it('creates an encrypted, versioned, SSL-only, logged, private export bucket when none is imported', () => {
    const buckets = template.findResources('AWS::S3::Bucket', {
      Properties: { NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } } },
    });
    const [exportBucketId, exportBucket] = Object.entries(buckets)[0] ?? [];
    expect(exportBucketId).toBeDefined();
    expect(exportBucket?.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [expect.anything()] },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: expect.anything() },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: exportBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('creates no export bucket and no secrets when the bucket name and secret ARNs come from context', () => {
    // Prepare
    const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;
    // Act
    const imported = synthStateful({
      exportBucketName: 'acme-billing-exports',
      slackWebhookSecretArn: arn('slack-webhook'),
      slackSigningSecretArn: arn('slack-signing'),
      githubTokenSecretArn: arn('github-token'),
    });
    // Assess
    const exportBuckets = imported.findResources('AWS::S3::Bucket', {
      Properties: { NotificationConfiguration: Match.anyValue() },
    });
    expect(Object.keys(exportBuckets)).toEqual([]);
    imported.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });

  it('expires fan-out partials in an encrypted, SSL-only, logged work bucket when deployed', () => {
    // Prepare
    const workBuckets = template.findResources('AWS::S3::Bucket', {
      Properties: { LoggingConfiguration: { LogFilePrefix: 'work-bucket/' } },
    });
    // Act
    const [workBucketId, workBucket] = Object.entries(workBuckets)[0] ?? [];
    // Assess
    expect(Object.keys(workBuckets)).toHaveLength(1);
    expect(workBucket?.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [expect.anything()] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: [expect.objectContaining({ Prefix: 'partials/', ExpirationInDays: 7, Status: 'Enabled' })],
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: workBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('fails synth naming the key when a secret ARN in context is malformed', () => {
    expect(() => synthStateful({ slackWebhookSecretArn: 'not-an-arn' })).toThrow(/slackWebhookSecretArn/);
  });
});
