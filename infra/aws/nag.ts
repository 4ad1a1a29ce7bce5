import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { IConstruct } from 'constructs';

// cdk-nag names a wildcard finding after the resource as it appears in the synthesized template,
// and a cross-stack reference only becomes an Fn::ImportValue once the app is prepared. These
// helpers therefore compute the exact finding id in a construct validation, which runs after
// preparation and before the nag plugins, and acknowledge that one finding with its reason.

/** Acknowledges AwsSolutions-IAM5 for one wildcard resource (an ARN, possibly with tokens). */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  scope.node.addValidation({
    validate: () => {
      const flat = flattenCfnReference(Stack.of(scope).resolve(resource));
      Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
      return [];
    },
  });
}

/**
 * Acknowledges the AwsSolutions-IAM5 resource findings of the policies under `scope` whose
 * resource matches `pattern`: for policies CDK generates (Step Functions' own execution ARNs)
 * where the ARN token is not ours to build. Each finding is still acknowledged individually.
 */
export function acknowledgeGeneratedWildcards(scope: IConstruct, pattern: RegExp, reason: string): void {
  scope.node.addValidation({
    validate: () => {
      for (const child of scope.node.findAll()) {
        if (!(child instanceof iam.CfnPolicy) || !CfnResource.isCfnResource(child)) continue;
        const document = Stack.of(child).resolve(child.policyDocument) as {
          Statement?: { Resource?: unknown }[];
        };
        for (const statement of document.Statement ?? []) {
          const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
          for (const resource of resources) {
            const flat = flattenCfnReference(resource);
            if (flat.includes('*') && pattern.test(flat)) {
              Validations.of(child).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
            }
          }
        }
      }
      return [];
    },
  });
}
