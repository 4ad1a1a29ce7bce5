import { App } from 'aws-cdk-lib';
import { ContextKey, DEFAULT_EXPORT_PREFIX, readFinopsContext } from '#infra/aws/context';
import { EnvName } from '#shared/config/env-names';

const read = (context: Record<string, unknown>) => readFinopsContext(new App({ context }).node);

describe('readFinopsContext', () => {
  it('defaults to dry-run, the exports/ prefix, 30-day logs and the sample policy when nothing is set', () => {
    // Act
    const settings = read({});
    // Assess
    expect(settings).toMatchObject({
      scalingDryRun: true,
      exportPrefix: DEFAULT_EXPORT_PREFIX,
      logRetentionDays: 30,
      reserveConcurrency: true,
      functionEnvironment: {},
    });
    expect(settings.scalingPolicy).toContain('version:');
    expect(settings.exportBucketName).toBeUndefined();
  });

  it.each([
    [ContextKey.scalingDryRun, 'false', { scalingDryRun: false }],
    [ContextKey.scalingDryRun, true, { scalingDryRun: true }],
    [ContextKey.logRetentionDays, '90', { logRetentionDays: 90 }],
    [ContextKey.exportBucketName, 'acme-billing', { exportBucketName: 'acme-billing' }],
    [
      ContextKey.opencostUrl,
      'http://opencost.internal:9003',
      { opencostUrl: 'http://opencost.internal:9003' },
    ],
    [ContextKey.gitopsRepository, 'acme/gitops', { gitopsRepository: 'acme/gitops' }],
  ])('reads %s=%j when given on the command line or in cdk.json', (key, value, expected) => {
    expect(read({ [key]: value })).toMatchObject(expected);
  });

  it.each([
    [ContextKey.scalingDryRun, 'maybe'],
    [ContextKey.logRetentionDays, '10'],
    [ContextKey.exportBucketName, 'Not_A_Bucket'],
    [ContextKey.opencostUrl, 'file:///etc/passwd'],
    [ContextKey.gitopsRepository, 'just-a-name'],
    [ContextKey.githubTokenSecretArn, 'arn:aws:s3:::bucket'],
    [ContextKey.exportPrefix, '/exports'],
    [ContextKey.scalingPolicyFile, 'does/not/exist.yaml'],
  ])('fails synth naming %s when its value is %j', (key, value) => {
    expect(() => read({ [key]: value })).toThrow(new RegExp(`context "${key}"`));
  });

  it('passes tuning variables per function when they are names from env-names', () => {
    // Act: as `-c functionEnvironment='{"detect-anomalies":{"ANOMALY_HISTORY_DAYS":120}}'` arrives.
    const settings = read({
      [ContextKey.functionEnvironment]: JSON.stringify({
        'detect-anomalies': { [EnvName.anomalyHistoryDays]: 120 },
      }),
    });
    // Assess
    expect(settings.functionEnvironment).toEqual({
      'detect-anomalies': { [EnvName.anomalyHistoryDays]: '120' },
    });
  });

  it.each([
    ['an unknown variable', { 'detect-anomalies': { ANOMALY_HISTORY_DAY: '120' } }],
    ['a variable the stacks manage', { 'notify-slack': { [EnvName.tableName]: 'other-table' } }],
    ['a non-object', ['detect-anomalies']],
  ])('fails synth when functionEnvironment has %s', (_case, value) => {
    expect(() => read({ [ContextKey.functionEnvironment]: value })).toThrow(/context "functionEnvironment/);
  });
});
