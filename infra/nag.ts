import { Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';

/** A resolved ARN as cdk-nag names it in a finding (`arn:<AWS::Partition>:…`), to acknowledge it by id. */
export function nagResourceName(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = value as { 'Fn::Join'?: [string, unknown[]]; Ref?: string };
  if (node['Fn::Join']) return node['Fn::Join'][1].map(nagResourceName).join(node['Fn::Join'][0]);
  if (node.Ref) return `<${node.Ref}>`;
  return JSON.stringify(value);
}

/**
 * Acknowledges cdk-nag's IAM5 `Resource::*` on a function's role: X-Ray tracing's write actions have
 * no resource-level permissions. `alsoWhy` names any other `*` grant of that role, or says there is none.
 */
export function acknowledgeStarGrants(fn: lambda.IFunction, alsoWhy: string): void {
  if (!fn.role) return;
  Validations.of(fn.role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) does not support resource-level ' +
      `permissions; ${alsoWhy}`,
  });
}
