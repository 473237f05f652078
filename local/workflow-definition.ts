import { rmSync } from 'node:fs';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { CASCADE_STATES, CascadeWorkflow } from '../infra/cascade-workflow.ts';

/**
 * The cascade workflow's definition as local mode and the tests run it: the ASL taken from a
 * synthesized template (the construct's own, in infra/cascade-workflow.ts), references
 * resolved, so what runs here is what `cdk synth` produces, not a copy.
 */
/** An Amazon States Language document (the part local mode and the tests need to look at). */
export interface AslDefinition {
  StartAt: string;
  States: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

/**
 * What the template's CloudFormation references stand for outside AWS: `Ref`s of logical ids (the
 * table's name) and `Fn::GetAtt` of `[logicalId, attribute]` (the function's ARN), and the pseudo
 * parameters (`AWS::Partition`, `AWS::Region`, `AWS::AccountId`).
 */
export interface TemplateReferences {
  refs?: Record<string, string>;
  getAtts?: Record<string, string>;
}

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '000000000000',
  'AWS::URLSuffix': 'amazonaws.com',
};

/**
 * The ASL of the cascade state machine in a synthesized template, with its references
 * resolved: what Step Functions would run once CloudFormation filled them in. Throws when a reference
 * is not given (a silent placeholder would hide a change in the definition).
 */
export function cascadeDefinitionFromTemplate(
  template: { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }> },
  references: TemplateReferences = {},
): AslDefinition {
  const machines = Object.entries(template.Resources ?? {}).filter(
    ([, resource]) =>
      resource.Type === 'AWS::StepFunctions::StateMachine' &&
      JSON.stringify(resource.Properties?.['DefinitionString'] ?? '').includes(CASCADE_STATES.place),
  );
  if (machines.length !== 1) {
    throw new Error(`expected one cascade state machine in the template, found ${machines.length}`);
  }
  const [, machine] = machines[0]!;
  const text = resolveFn(machine.Properties!['DefinitionString'], references);
  if (typeof text !== 'string') throw new Error('DefinitionString did not resolve to a string');
  return JSON.parse(text) as AslDefinition;
}

function resolveFn(value: unknown, references: TemplateReferences): unknown {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => resolveFn(v, references));
  if (value === null || typeof value !== 'object') return value;
  const node = value as Record<string, unknown>;
  if ('Fn::Join' in node) {
    const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => resolveFn(part, references)).join(separator);
  }
  if ('Ref' in node) {
    const name = node['Ref'] as string;
    const resolved = references.refs?.[name] ?? PSEUDO_PARAMETERS[name];
    if (resolved === undefined) throw new Error(`no value given for { Ref: ${name} }`);
    return resolved;
  }
  if ('Fn::GetAtt' in node) {
    const [logicalId, attribute] = node['Fn::GetAtt'] as [string, string];
    const resolved = references.getAtts?.[`${logicalId}.${attribute}`];
    if (resolved === undefined)
      throw new Error(`no value given for { Fn::GetAtt: ${logicalId}.${attribute} }`);
    return resolved;
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)} outside CloudFormation`);
}

/** The ARN local mode gives the step function (nothing is invoked at it: the task is bound locally). */
export const LOCAL_STEP_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:onetime-cascade-step';

/**
 * Synthesizes the workflow construct on its own (the table and the step function imported by name and
 * ARN) and returns the ASL from the synthesized template, references resolved. Local mode runs this,
 * so it runs what `cdk synth` produces, not a copy; the tests check it equals the definition inside
 * the full OtpStack template.
 */
export function synthesizeCascadeDefinition(options: {
  tableName: string;
  /** The code's validity (the workflow times out after it); local mode passes OTP_TTL_SECONDS. */
  codeValiditySeconds: number;
  functionArn?: string;
}): AslDefinition {
  // Without the built-in CloudFormation schema check (2 s of WebAssembly): `cdk synth` and the tests
  // run it on the real stack, whose definition the tests compare with this one.
  const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'OnetimeCascade');
  new CascadeWorkflow(stack, 'Cascade', {
    table: dynamodb.Table.fromTableName(stack, 'Table', options.tableName),
    stepFunction: lambda.Function.fromFunctionArn(
      stack,
      'StepFunction',
      options.functionArn ?? LOCAL_STEP_FUNCTION_ARN,
    ),
    // Only its event source and environment are added; its code is never run.
    starterFunction: new lambda.Function(stack, 'StarterFunction', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('export const handler = () => {}'),
    }),
    codeValidity: Duration.seconds(options.codeValiditySeconds),
  });
  const assembly = app.synth();
  try {
    return cascadeDefinitionFromTemplate(assembly.getStackByName(stack.stackName).template);
  } finally {
    // The assembly is a temporary directory; nothing of it is needed any more.
    rmSync(assembly.directory, { recursive: true, force: true });
  }
}
