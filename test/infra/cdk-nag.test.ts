import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import {
  removeOutput,
  SYNTH_TIMEOUT_MS,
  type SynthesizedFinopsApp,
  synthFinopsApp,
} from './fixtures/finops-app';

/** "rule at construct path" for each unacknowledged finding, so a failure names what to fix. */
function findings(report: ReturnType<AwsSolutionsChecks['validateScope']>): string[] {
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
  );
}

describe('cdk-nag', () => {
  let synth: SynthesizedFinopsApp;

  beforeAll(() => {
    // Synthesizing first runs the construct validations that record cross-stack acknowledgements.
    synth = synthFinopsApp({ opencostUrl: 'https://opencost.example.com' }, undefined, { bundle: false });
    synth.app.synth();
  }, SYNTH_TIMEOUT_MS);
  afterAll(() => removeOutput(synth));

  it.each([
    ['AwsSolutions', () => new AwsSolutionsChecks()],
    ['Serverless', () => new ServerlessChecks()],
  ])('finds nothing unacknowledged in either stack when checked with the %s pack', (_pack, createPack) => {
    // Prepare
    const pack = createPack();
    // Act
    const unacknowledged = [synth.stateful, synth.stateless].flatMap((stack) =>
      findings(pack.validateScope(stack)),
    );
    // Assess
    expect(unacknowledged).toEqual([]);
  });

  it('flags a wildcard that nobody acknowledged when one is added', () => {
    // Prepare: the packs must be able to fail, so add an unacknowledged s3:* grant to a fresh app.
    const fresh = synthFinopsApp({}, [], { bundle: false });
    const role = new iam.Role(fresh.stateless, 'Unreviewed', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    // Act
    const unacknowledged = findings(new AwsSolutionsChecks().validateScope(fresh.stateless));
    removeOutput(fresh);
    // Assess
    expect(unacknowledged).toEqual(
      expect.arrayContaining([expect.stringMatching(/^AwsSolutions-IAM5\[Action::s3:\*\] at .*Unreviewed/)]),
    );
  });
});
