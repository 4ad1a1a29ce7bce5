import { EnvName } from '#shared/config/env-names';
import {
  functionLogicalId,
  removeOutput,
  SYNTH_TIMEOUT_MS,
  type SynthesizedFinopsApp,
  synthFinopsApp,
} from './fixtures/finops-app';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

describe('ingest-billing starts the billing fan-out', () => {
  let synth: SynthesizedFinopsApp;
  let machineRef: { Ref: string };

  beforeAll(() => {
    synth = synthFinopsApp({}, undefined, { bundle: false });
    const machines = Object.keys(synth.statelessTemplate.findResources('AWS::StepFunctions::StateMachine'));
    if (machines.length !== 1) throw new Error(`expected one state machine, found ${machines.length}`);
    machineRef = { Ref: machines[0]! };
  }, SYNTH_TIMEOUT_MS);
  afterAll(() => removeOutput(synth));

  const environmentOf = (name: string): Record<string, unknown> => {
    const resource = synth.statelessTemplate.findResources('AWS::Lambda::Function')[
      functionLogicalId(synth, name)
    ] as Resource | undefined;
    return (
      (resource?.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
      {}
    );
  };

  /** Every Allow statement with a states:* action, per role logical id. */
  const statesStatements = (): Map<string, Statement[]> => {
    const byRole = new Map<string, Statement[]>();
    const policies = synth.statelessTemplate.findResources('AWS::IAM::Policy') as Record<string, Resource>;
    for (const policy of Object.values(policies)) {
      const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.filter(
        (s) => s.Effect === 'Allow' && asArray(s.Action).some((a) => a.startsWith('states:')),
      );
      for (const role of policy.Properties.Roles as { Ref: string }[]) {
        byRole.set(role.Ref, [...(byRole.get(role.Ref) ?? []), ...statements]);
      }
    }
    return byRole;
  };

  it('passes the fan-out state machine ARN to ingest-billing only when the merge functions are deployed', () => {
    // Prepare
    const deployed = [...synth.stateless.functions.keys()];
    // Act
    const withArn = deployed.filter((name) => EnvName.billingFanOutStateMachineArn in environmentOf(name));
    // Assess
    expect(deployed).toEqual(
      expect.arrayContaining(['ingest-billing', 'aggregate-billing-partial', 'merge-billing-partials']),
    );
    expect(withArn).toEqual(['ingest-billing']);
    expect(environmentOf('ingest-billing')[EnvName.billingFanOutStateMachineArn]).toEqual(machineRef);
  });

  it('lets ingest-billing start exactly that state machine, and describe and redrive only its executions, when deployed', () => {
    // Prepare
    const fn = synth.stateless.functions.get('ingest-billing' as never);
    if (!fn) throw new Error('ingest-billing is not deployed');
    const roleId = synth.stateless.getLogicalId(fn.role.node.defaultChild as never);
    // Act
    const byRole = statesStatements();
    // Assess
    const [start, resume, ...rest] = byRole.get(roleId) ?? [];
    expect(start).toEqual(expect.objectContaining({ Action: 'states:StartExecution', Resource: machineRef }));
    expect(resume).toEqual(
      expect.objectContaining({ Action: ['states:DescribeExecution', 'states:RedriveExecution'] }),
    );
    // The executions of this state machine: arn:…:execution:<its name>:*
    const resource = JSON.stringify(resume?.Resource);
    expect(resource).toContain(':execution:');
    expect(resource).toContain(machineRef.Ref);
    expect(rest).toEqual([]);
    const otherFunctionRoles = [...synth.stateless.functions.values()]
      .filter((other) => other !== fn)
      .map((other) => synth.stateless.getLogicalId(other.role.node.defaultChild as never));
    for (const other of otherFunctionRoles) expect(byRole.get(other) ?? []).toEqual([]);
  });
});
