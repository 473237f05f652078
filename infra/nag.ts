/** A resolved ARN as cdk-nag names it in a finding (`arn:<AWS::Partition>:…`), to acknowledge it by id. */
export function nagResourceName(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = value as { 'Fn::Join'?: [string, unknown[]]; Ref?: string };
  if (node['Fn::Join']) return node['Fn::Join'][1].map(nagResourceName).join(node['Fn::Join'][0]);
  if (node.Ref) return `<${node.Ref}>`;
  return JSON.stringify(value);
}
