import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Match } from 'aws-cdk-lib/assertions';
import { build } from 'esbuild';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { CASCADE_STATES } from '../../infra/cascade-workflow.ts';
import { esbuildOptions, handlerEntry } from '../../infra/otp-function.ts';
import { createVerificationTable, localDynamoDbClient } from '../../local/dynamodb-local.ts';
import { cascadeDefinitionFromTemplate, LOCAL_STEP_FUNCTION_ARN } from '../../local/workflow-definition.ts';
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
let smsOnly: Synthesized;

beforeAll(() => {
  full = synthesize(FULL_PROPS);
  smsOnly = synthesize({});
});

function only(s: Synthesized, type: string, prefix = ''): [string, Resource] {
  const found = Object.entries(resources(s.template, type)).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one ${type} ${prefix}, found ${found.length}`);
  return found[0]!;
}

const stateMachineOf = (s: Synthesized) => only(s, 'AWS::StepFunctions::StateMachine');
const tableIdOf = (s: Synthesized) => only(s, 'AWS::DynamoDB::Table')[0];
const cascadeFunctionOf = (s: Synthesized, name: 'CascadeStep' | 'CascadeStart') =>
  Object.entries(resources(s.template, 'AWS::Lambda::Function')).find(([id]) =>
    id.startsWith(`OtpService${name}Function`),
  )!;
const envOf = (resource: Resource) =>
  (resource.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;

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

describe('Cascade: the state machine', () => {
  it('is one Standard workflow, built by default (even with SMS alone), and none with `cascade: false`', () => {
    expect(stateMachineOf(full)[1].Properties['StateMachineType']).toBe('STANDARD');
    expect(stateMachineOf(smsOnly)[1].Properties['StateMachineType']).toBe('STANDARD');
    const off = synthesize({ cascade: false });
    expect(Object.keys(resources(off.template, 'AWS::StepFunctions::StateMachine'))).toEqual([]);
    expect(
      Object.keys(resources(off.template, 'AWS::SQS::Queue')).filter((id) => id.includes('Cascade')),
    ).toEqual([]);
    expect(envOf(functionOf(off.template, 'start')[1])['CASCADE_QUEUE_URL']).toBeUndefined();
  });

  it('loops: place the due steps, wait what the task answered, and again, until done; it times out after the code', () => {
    const definition = cascadeDefinitionFromTemplate(full.template.toJSON(), {
      refs: { [tableIdOf(full)]: 'table' },
      getAtts: { [`${cascadeFunctionOf(full, 'CascadeStep')[0]}.Arn`]: LOCAL_STEP_FUNCTION_ARN },
    });
    expect(definition.StartAt).toBe(CASCADE_STATES.place);
    expect(definition.States[CASCADE_STATES.wait]).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.waitSeconds',
    });
    expect(definition.States[CASCADE_STATES.more]).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.done', BooleanEquals: false, Next: CASCADE_STATES.wait }],
      Default: CASCADE_STATES.done,
    });
    // FULL_PROPS: a 10-minute code, then 10 minutes for the last step's retries.
    expect(definition['TimeoutSeconds']).toBe(1200);
  });

  it('logs every event (not the execution data) to its own log group, and traces with X-Ray', () => {
    const [, machine] = stateMachineOf(full);
    const [logGroupId, logGroup] = only(full, 'AWS::Logs::LogGroup', 'OtpServiceCascadeLogs');
    expect(machine.Properties['LoggingConfiguration']).toEqual({
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] } } }],
      IncludeExecutionData: false,
      Level: 'ALL',
    });
    expect(machine.Properties['TracingConfiguration']).toEqual({ Enabled: true });
    expect(logGroup.Properties['LogGroupName']).toMatch(/^\/aws\/vendedlogs\/states\//);
  });

  it('its role updates the table only (the failure record), and invokes the step function only', () => {
    const [, machine] = stateMachineOf(full);
    const policy = statementsOfRole(full, roleIdOf(machine, 'RoleArn'));
    const tableArn = `arn:<AWS::Partition>:dynamodb:eu-west-1:123456789012:table/<${tableIdOf(full)}>`;
    const [stepId] = cascadeFunctionOf(full, 'CascadeStep');
    expect(resourcesOf(policy, 'dynamodb:UpdateItem')).toEqual([tableArn]);
    expect(resourcesOf(policy, 'lambda:InvokeFunction')).toEqual([`<${stepId}.Arn>`, `<${stepId}.Arn>:*`]);
    const dataActions = actionsOf(policy).filter((a) => !a.startsWith('xray:') && !a.startsWith('logs:'));
    expect(dataActions.sort()).toEqual(['dynamodb:UpdateItem', 'lambda:InvokeFunction']);
    for (const st of policy.filter((s) => JSON.stringify(s.Resource) === '"*"')) {
      for (const action of asList(st.Action)) expect(action).toMatch(/^(xray|logs):/);
    }
  });

  it('alarms when an execution fails or times out, or a start is dead-lettered', () => {
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
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              Namespace: 'AWS/SQS',
              MetricName: 'ApproximateNumberOfMessagesVisible',
            }),
          }),
        }),
      ]),
    });
  });
});

describe('Cascade: the delayed start', () => {
  it('is an encrypted queue with a dead-letter queue, kept long enough for failed starts to reach it', () => {
    const queues = Object.keys(resources(full.template, 'AWS::SQS::Queue')).filter((id) =>
      id.includes('Cascade'),
    );
    expect(queues).toHaveLength(2);
    const [, queue] = only(full, 'AWS::SQS::Queue', 'OtpServiceCascadeQueue');
    expect(queue.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 86_400,
      RedrivePolicy: { maxReceiveCount: 3 },
    });
  });

  it('the start function gets the queue URL and may send to it, and may start no execution', () => {
    const [queueId] = only(full, 'AWS::SQS::Queue', 'OtpServiceCascadeQueue');
    expect(envOf(functionOf(full.template, 'start')[1])['CASCADE_QUEUE_URL']).toEqual({ Ref: queueId });
    const policy = statementsOf(full.template, 'start');
    expect(resourcesOf(policy, 'sqs:SendMessage')).toEqual([`<${queueId}.Arn>`]);
    expect(actionsOf(policy).filter((a) => a.startsWith('states:'))).toEqual([]);
  });

  it('the starter reads the table, consumes the queue in batches, and alone may start this state machine', () => {
    const [machineId] = stateMachineOf(full);
    const [queueId] = only(full, 'AWS::SQS::Queue', 'OtpServiceCascadeQueue');
    const [starterId, starter] = cascadeFunctionOf(full, 'CascadeStart');
    expect(envOf(starter)['CASCADE_STATE_MACHINE_ARN']).toEqual({ Ref: machineId });
    const policy = statementsOfRole(full, roleIdOf(starter, 'Role'));
    const data = actionsOf(policy)
      .filter((a) => !a.startsWith('xray:') && !a.startsWith('logs:'))
      .sort();
    expect(data).toEqual([
      'dynamodb:GetItem',
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
      'states:StartExecution',
    ]);
    expect(resourcesOf(policy, 'states:StartExecution')).toEqual([`<${machineId}>`]);
    const starters = statements(full.template).filter((st) =>
      asList(st.Action).includes('states:StartExecution'),
    );
    expect(starters).toHaveLength(1);
    full.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: starterId },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('the step function may read and update the table (the counted claim), read the secret and send on every channel', () => {
    const [, fn] = cascadeFunctionOf(full, 'CascadeStep');
    const policy = statementsOfRole(full, roleIdOf(fn, 'Role'));
    const data = actionsOf(policy).filter((a) => !a.startsWith('xray:') && !a.startsWith('logs:'));
    expect(new Set(data)).toEqual(
      new Set([
        'dynamodb:BatchGetItem',
        'dynamodb:GetItem',
        'dynamodb:UpdateItem',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'sms-voice:SendVoiceMessage',
        'sns:Publish',
        'ses:SendEmail',
        'social-messaging:SendWhatsAppMessage',
      ]),
    );
    expect(resourcesOf(policy, 'dynamodb:UpdateItem')).toEqual([`<${tableIdOf(full)}.Arn>`]);
    expect(envOf(fn)).toMatchObject({
      VOICE_ORIGINATION_IDENTITY: 'phone-0123456789abcdef',
      TABLE_NAME: { Ref: tableIdOf(full) },
      OTP_APP_NAME: 'Acme',
    });
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
  });
});

describe('Cascade: the step function bundle', () => {
  it('loads like the deployed bundle and answers a task input with the id and `done` only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onetime-cascade-bundle-'));
    const extension = await startExtensionStub();
    try {
      const entry = handlerEntry('cascade-step');
      const file = join(dir, 'index.mjs');
      await build(esbuildOptions(entry, file));
      const client = localDynamoDbClient(inject('dynamodbEndpoint'));
      const tableName = `cascade-bundle-${Date.now()}`;
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
        answer: { verificationId: id, done: true },
        error: 'CascadeTaskInvalidInput',
      });
      client.destroy();
    } finally {
      await extension.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
