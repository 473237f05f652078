import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { build } from 'esbuild';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { esbuildOptions, handlerEntry } from '../../infra/otp-function.ts';
import { OtpService } from '../../infra/otp-service.ts';
import { VOICE_FALLBACK_STATES } from '../../infra/voice-fallback-workflow.ts';
import { createVerificationTable, localDynamoDbClient } from '../../local/dynamodb-local.ts';
import {
  LOCAL_VOICE_FUNCTION_ARN,
  voiceFallbackDefinitionFromTemplate,
} from '../../local/workflow-definition.ts';
import { startExtensionStub } from '../support/extension-stub.ts';
import {
  actionsOf,
  asList,
  FULL_PROPS,
  functionOf,
  type Resource,
  resources,
  type Statement,
  type Synthesized,
  statements,
  statementsOf,
  synthesize,
} from '../support/synth.ts';

let full: Synthesized;
let express: Synthesized;
let smsOnly: Synthesized;

beforeAll(() => {
  full = synthesize(FULL_PROPS);
  express = synthesize({
    ...FULL_PROPS,
    voiceFallbackWorkflowType: StateMachineType.EXPRESS,
    voiceFallbackWait: Duration.seconds(90),
  });
  smsOnly = synthesize({});
});

function only(s: Synthesized, type: string, prefix = ''): [string, Resource] {
  const found = Object.entries(resources(s.template, type)).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one ${type} ${prefix}, found ${found.length}`);
  return found[0]!;
}

const stateMachineOf = (s: Synthesized) => only(s, 'AWS::StepFunctions::StateMachine');
const tableIdOf = (s: Synthesized) => only(s, 'AWS::DynamoDB::Table')[0];
const voiceFunctionOf = (s: Synthesized) =>
  Object.entries(resources(s.template, 'AWS::Lambda::Function')).find(([id]) =>
    id.startsWith('OtpServiceVoiceFallbackFunction'),
  )!;

/** Statements of the policies attached to a role, by the role's logical id. */
function statementsOfRole(s: Synthesized, roleId: string): Statement[] {
  return statements(s.template).filter((st) =>
    st.roles.some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId })),
  );
}
const roleIdOf = (resource: Resource, property: 'RoleArn' | 'Role') =>
  (resource.Properties[property] as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];

/** A resource as a string, references shown as `<Ref>` / `<Id.Attr>`. */
function flat(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = value as Record<string, unknown>;
  if (node['Fn::Join']) {
    const [sep, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map(flat).join(sep);
  }
  if (node['Ref']) return `<${node['Ref'] as string}>`;
  if (node['Fn::GetAtt']) return `<${(node['Fn::GetAtt'] as string[]).join('.')}>`;
  return JSON.stringify(value);
}
const resourcesOf = (list: Statement[], action: string) =>
  list.filter((st) => asList(st.Action).includes(action)).flatMap((st) => asList(st.Resource).map(flat));

describe('Voice fallback workflow: the state machine', () => {
  it('is a Standard workflow by default, and Express when the prop asks', () => {
    expect(stateMachineOf(full)[1].Properties['StateMachineType']).toBe('STANDARD');
    expect(stateMachineOf(express)[1].Properties['StateMachineType']).toBe('EXPRESS');
  });

  it('exists only where voice is configured', () => {
    expect(Object.keys(resources(smsOnly.template, 'AWS::StepFunctions::StateMachine'))).toEqual([]);
    const env = (
      functionOf(smsOnly.template, 'start')[1].Properties['Environment'] as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(env['VOICE_FALLBACK_STATE_MACHINE_ARN']).toBeUndefined();
  });

  it('refuses an Express workflow whose wait would not fit its 5 minutes', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'TooLong');
    expect(
      () =>
        new OtpService(stack, 'Otp', {
          voice: { originationIdentity: 'phone-0123456789abcdef' },
          voiceFallbackWorkflowType: StateMachineType.EXPRESS,
          voiceFallbackWait: Duration.minutes(4),
        }),
    ).toThrow(/at most 180 s/);
  });

  it('logs every event (not the execution data) to its own log group, and traces with X-Ray', () => {
    const [, machine] = stateMachineOf(full);
    const [logGroupId, logGroup] = only(full, 'AWS::Logs::LogGroup', 'OtpServiceVoiceFallbackLogs');
    expect(machine.Properties['LoggingConfiguration']).toEqual({
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] } } }],
      IncludeExecutionData: false,
      Level: 'ALL',
    });
    expect(machine.Properties['TracingConfiguration']).toEqual({ Enabled: true });
    expect(logGroup.Properties['LogGroupName']).toMatch(/^\/aws\/vendedlogs\/states\//);
    expect(logGroup.Properties['RetentionInDays']).toBe(30);
  });

  it('waits the configured time, and times out only well after it', () => {
    const waitOf = (s: Synthesized) => {
      const definition = voiceFallbackDefinitionFromTemplate(s.template.toJSON(), {
        refs: { [tableIdOf(s)]: 'table' },
        getAtts: { [`${voiceFunctionOf(s)[0]}.Arn`]: LOCAL_VOICE_FUNCTION_ARN },
      });
      return [definition.States[VOICE_FALLBACK_STATES.wait]!['Seconds'], definition['TimeoutSeconds']];
    };
    expect(waitOf(full)).toEqual([60, 660]);
    expect(waitOf(express)).toEqual([90, 300]);
  });

  it('its role reads and writes the table only, and invokes the call function only', () => {
    const [, machine] = stateMachineOf(full);
    const policy = statementsOfRole(full, roleIdOf(machine, 'RoleArn'));
    const tableArn = `arn:<AWS::Partition>:dynamodb:eu-west-1:123456789012:table/<${tableIdOf(full)}>`;
    const [voiceId] = voiceFunctionOf(full);

    expect(resourcesOf(policy, 'dynamodb:GetItem')).toEqual([tableArn]);
    expect(resourcesOf(policy, 'dynamodb:UpdateItem')).toEqual([tableArn]);
    expect(resourcesOf(policy, 'lambda:InvokeFunction')).toEqual([`<${voiceId}.Arn>`, `<${voiceId}.Arn>:*`]);
    const dataActions = actionsOf(policy).filter((a) => !a.startsWith('xray:') && !a.startsWith('logs:'));
    expect(dataActions.sort()).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem', 'lambda:InvokeFunction']);
    // Only X-Ray and log delivery, which have no resource-level permissions, are on "*".
    for (const st of policy.filter((s) => JSON.stringify(s.Resource) === '"*"')) {
      for (const action of asList(st.Action)) expect(action).toMatch(/^(xray|logs):/);
    }
  });

  it('alarms when an execution fails or times out (the Catch path ends in a Fail state)', () => {
    const [machineId] = stateMachineOf(full);
    full.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: {
              Namespace: 'AWS/States',
              MetricName: 'ExecutionsFailed',
              Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: machineId } }],
            },
          }),
        }),
      ]),
    });
  });
});

describe('Voice fallback workflow: the functions', () => {
  it('the call function may read and update the table (the counted claim), read the secret and call, and nothing else', () => {
    const [, fn] = voiceFunctionOf(full);
    const policy = statementsOfRole(full, roleIdOf(fn, 'Role'));
    const data = actionsOf(policy)
      .filter((a) => !a.startsWith('xray:') && !a.startsWith('logs:'))
      .sort();
    expect(data).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'sms-voice:SendVoiceMessage',
    ]);
    expect(resourcesOf(policy, 'dynamodb:UpdateItem')).toEqual([`<${tableIdOf(full)}.Arn>`]);
    expect(resourcesOf(policy, 'sms-voice:SendVoiceMessage')).toEqual([
      'arn:<AWS::Partition>:sms-voice:eu-west-1:123456789012:phone-number/phone-0123456789abcdef',
      'arn:<AWS::Partition>:sms-voice:eu-west-1:123456789012:opt-out-list/*',
      // The configuration set whose event destination reports call outcomes (delivery receipts).
      expect.stringMatching(
        /^arn:<AWS::Partition>:sms-voice:eu-west-1:123456789012:configuration-set\/[\w-]+-voice$/,
      ),
    ]);
    const env = (fn.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
    expect(env).toMatchObject({
      VOICE_ORIGINATION_IDENTITY: 'phone-0123456789abcdef',
      VOICE_ID: 'JOANNA',
      TABLE_NAME: { Ref: tableIdOf(full) },
      OTP_APP_NAME: 'Acme',
    });
    expect(env['EMAIL_FROM_ADDRESS']).toBeUndefined();
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    expect(fn.Properties['TracingConfig']).toEqual({ Mode: 'Active' });
  });

  it('the start function gets the ARN and may start executions of this state machine only', () => {
    const [machineId] = stateMachineOf(full);
    const env = (
      functionOf(full.template, 'start')[1].Properties['Environment'] as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(env['VOICE_FALLBACK_STATE_MACHINE_ARN']).toEqual({ Ref: machineId });
    const policy = statementsOf(full.template, 'start');
    expect(resourcesOf(policy, 'states:StartExecution')).toEqual([`<${machineId}>`]);
    expect(actionsOf(policy).filter((a) => a.startsWith('states:'))).toEqual(['states:StartExecution']);
    // No other function may start it.
    const starters = statements(full.template).filter((st) =>
      asList(st.Action).includes('states:StartExecution'),
    );
    expect(starters).toHaveLength(1);
  });
});

describe('Voice fallback workflow: the call function bundle', () => {
  it('loads like the deployed bundle and answers a task input with the id and `called` only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onetime-voice-bundle-'));
    const extension = await startExtensionStub();
    try {
      const entry = handlerEntry('voice-fallback');
      const file = join(dir, 'index.mjs');
      await build(esbuildOptions(entry, file));
      const client = localDynamoDbClient(inject('dynamodbEndpoint'));
      const tableName = `voice-bundle-${Date.now()}`;
      await createVerificationTable(client, tableName);

      const id = `${'A'.repeat(22)}.${'B'.repeat(14)}`;
      const script = `
        const { handler } = await import(${JSON.stringify(`file://${file}`)});
        const context = { awsRequestId: 'req-1' };
        const answer = await handler({ verificationId: ${JSON.stringify(id)} }, context);
        let error;
        try { await handler({ code: '123456' }, context); } catch (e) { error = e.name; }
        console.log(JSON.stringify({ answer, error }));
      `;
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
        env: {
          PATH: process.env['PATH'] ?? '',
          TABLE_NAME: tableName,
          SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:onetime-key-AbCdEf',
          VOICE_ORIGINATION_IDENTITY: 'phone-0123456789abcdef',
          AWS_REGION: 'eu-west-1',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_SESSION_TOKEN: 'session-token',
          AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
          PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        timeout: 30_000,
      });
      const last = stdout.trim().split('\n').at(-1)!;
      expect(JSON.parse(last)).toEqual({
        answer: { verificationId: id, called: false },
        error: 'VoiceTaskInvalidInput',
      });
      client.destroy();
    } finally {
      await extension.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
