import { eventPattern, ROUTES } from '#events/routing';
import { partitionCatalog } from '#infra/aws/function-catalog';
import {
  functionLogicalId,
  removeOutput,
  SYNTH_TIMEOUT_MS,
  type SynthesizedFinopsApp,
  synthFinopsApp,
} from '../infra/fixtures/finops-app';

type Rule = { Properties: { EventBusName?: unknown; EventPattern: unknown; Targets: { Arn: unknown }[] } };

// The contract between events/routing.ts (also applied by the local bus) and what CDK deploys:
// the two must describe the same routes, pattern for pattern and consumer for consumer.
describe('routing table vs synthesized EventBridge rules', () => {
  let synth: SynthesizedFinopsApp;

  beforeAll(() => {
    synth = synthFinopsApp({}, undefined, { bundle: false });
  }, SYNTH_TIMEOUT_MS);
  afterAll(() => removeOutput(synth));

  it('deploys exactly one rule per route, with its pattern and consumer, and no other when synthesized', () => {
    // Prepare: routes whose consumer has no handler yet are reported by the next test.
    const deployed = ROUTES.filter((route) => synth.stateless.functions.has(route.consumer as never));
    const expected = deployed
      .map((route) => JSON.stringify({ pattern: eventPattern(route), consumer: route.consumer }))
      .sort();
    const consumerByArn = new Map(
      [...synth.stateless.functions.keys()].map((name) => [
        JSON.stringify({ 'Fn::GetAtt': [functionLogicalId(synth, name), 'Arn'] }),
        name,
      ]),
    );
    // Act: every rule on the custom bus (the S3 trigger lives on the default bus).
    const rules = Object.values(
      synth.statelessTemplate.findResources('AWS::Events::Rule') as Record<string, Rule>,
    )
      .filter((rule) => rule.Properties.EventBusName !== undefined)
      .flatMap((rule) =>
        rule.Properties.Targets.map((target) =>
          JSON.stringify({
            pattern: rule.Properties.EventPattern,
            consumer: consumerByArn.get(JSON.stringify(target.Arn)) ?? JSON.stringify(target.Arn),
          }),
        ),
      )
      .sort();
    // Assess
    expect(deployed.length).toBeGreaterThan(0);
    expect(rules).toEqual(expected);
  });

  it('deploys a rule for every route when every consumer has a handler', () => {
    // Fails while a consumer's handler (functions/<consumer>/handler.ts) does not exist.
    const { missing } = partitionCatalog();
    const missingConsumers = ROUTES.map((route) => route.consumer).filter((consumer) =>
      missing.some((spec) => spec.name === consumer),
    );
    expect(missingConsumers).toEqual([]);
    expect(synth.stateless.skippedRoutes).toEqual([]);
  });
});
