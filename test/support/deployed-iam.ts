/**
 * The IAM check of a deployed stack (test/support/iam-check.ts) over every function it holds: the calls
 * each made (to the local AWS endpoints, and its secret reads through the extension) against its own
 * role. What a role may hold that no call of the code uses is acknowledged here, each with its reason;
 * anything else unused, broader than the calls need, or denied is a problem.
 */
import type { HandlerName } from '../../infra/otp-function.ts';
import type { RecordedCall } from './aws-endpoints.ts';
import type { DeployedStack } from './deployed-stack.ts';
import { roleStatements } from './deployed-stack.ts';
import { checkRole, type Grant } from './iam-check.ts';

export interface Acknowledgement {
  /** The functions it holds for; every function when absent. */
  handlers?: readonly HandlerName[];
  actions: readonly string[];
  resource: RegExp;
  kind: 'unused' | 'broader';
  reason: string;
}

const STREAM_READ = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
];
const QUEUE_CONSUME = [
  'sqs:ReceiveMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueUrl',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
];

export const ACKNOWLEDGED: readonly Acknowledgement[] = [
  {
    actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
    resource: /^\*$/,
    kind: 'unused',
    reason:
      'Active or PassThrough tracing: Lambda sends the trace segments with the role; the code calls no X-Ray API.',
  },
  {
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resource: /^arn:aws:logs:[a-z0-9-]+:\d{12}:log-group:[^*]+:\*$/,
    kind: 'unused',
    reason: "Lambda writes the function's logs to its own log group with the role; the code only prints.",
  },
  {
    actions: ['secretsmanager:DescribeSecret'],
    resource: /^arn:aws:secretsmanager:/,
    kind: 'unused',
    reason: "Granted with GetSecretValue by CDK's secret.grantRead; the extension reads the value only.",
  },
  {
    handlers: ['activity'],
    actions: STREAM_READ,
    resource: /^arn:aws:dynamodb:.*\/stream\/|^\*$/,
    kind: 'unused',
    reason: "The event source mapping reads the table's stream with the function's role, not the code.",
  },
  {
    handlers: ['activity'],
    actions: ['kms:Decrypt', 'kms:DescribeKey'],
    resource: /^arn:aws:kms:/,
    kind: 'unused',
    reason: "With a customer-managed table key, the stream's event source mapping decrypts with the role.",
  },
  {
    handlers: ['cascade-start'],
    actions: QUEUE_CONSUME,
    resource: /^arn:aws:sqs:/,
    kind: 'unused',
    reason: 'The SQS event source mapping polls and deletes the delayed messages with the function role.',
  },
  {
    handlers: ['activity', 'delivery-receipts'],
    actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
    resource: /^arn:aws:sqs:/,
    kind: 'unused',
    reason:
      'A dead-letter queue or on-failure destination: Lambda, not the code, sends what failed there ' +
      '(the stream batch of the activity function, a receipt that kept failing).',
  },
  {
    handlers: ['start', 'cascade-step', 'cognito-create'],
    actions: ['sms-voice:SendVoiceMessage'],
    resource: /:opt-out-list\/\*$/,
    kind: 'broader',
    reason: 'Opt-out lists are evaluated on every send; the one a call consults is not named in it.',
  },
  {
    handlers: ['start', 'cascade-step', 'cognito-create'],
    actions: ['sms-voice:SendTextMessage'],
    resource: /:(phone-number|opt-out-list)\/\*$/,
    kind: 'broader',
    reason:
      'SMS sent directly from an E.164 number, short code or sender id (`sms.originationNumber`, `senderId`): ' +
      "it names no resource id, so the construct grants the account's numbers (as acknowledged to cdk-nag); " +
      'opt-out lists are evaluated on every send.',
  },
  {
    handlers: ['start', 'cascade-step', 'cognito-create'],
    actions: ['sms-voice:SendTextMessage'],
    resource: /:(pool|sender-id)\/\*$/,
    kind: 'unused',
    reason:
      "The same account-wide scope: a number given as E.164 may be resolved through the account's pools, " +
      'and with `senderId` (or no identity at all) the send goes out under a sender id.',
  },
  {
    handlers: ['start', 'cascade-step', 'cognito-create'],
    actions: ['sns:Publish'],
    resource: /^arn:aws:sns:[a-z0-9-]+:\d{12}:endpoint\/(APNS|APNS_SANDBOX|GCM)\/[A-Za-z0-9_.-]+\/\*$/,
    kind: 'broader',
    reason:
      "A push application's device endpoints: the app's backend creates one per device, so none can be " +
      'named at deploy time; the engine sends only to endpoints of the configured applications.',
  },
];

const acknowledged = (handler: HandlerName, grant: Grant, kind: Acknowledgement['kind']) =>
  ACKNOWLEDGED.some(
    (a) =>
      a.kind === kind &&
      (a.handlers === undefined || a.handlers.includes(handler)) &&
      a.actions.includes(grant.action) &&
      a.resource.test(grant.resource),
  );

/** Every call the stack's functions made, their secret reads through the extension included. */
export function recordedCalls(stack: DeployedStack): RecordedCall[] {
  const byToken = new Map(stack.functions.map((fn) => [`session-${fn.handler}`, fn.handler as string]));
  const secretReads = stack.extension.requests.map((request) => ({
    function: byToken.get(String(request.headers['x-aws-parameters-secrets-token'])) ?? 'unknown',
    service: 'secretsmanager',
    operation: 'GetSecretValue',
    region: 'eu-west-1',
    input: { SecretId: new URL(request.url, 'http://localhost').searchParams.get('secretId') },
    status: 200,
  }));
  return [...stack.endpoints.calls, ...secretReads];
}

/** What is wrong with the stack's roles, one line each (empty when every role fits its calls). */
export function roleProblems(stack: DeployedStack): string[] {
  const calls = recordedCalls(stack);
  const problems: string[] = [];
  const known = new Set<string>(stack.functions.map((fn) => fn.handler));
  for (const call of calls) {
    if (!known.has(call.function))
      problems.push(`a call from an unknown signer: ${call.function} ${call.service} ${call.operation}`);
  }
  for (const fn of stack.functions) {
    if (!stack.processes.has(fn.handler)) {
      problems.push(`${fn.handler}: never invoked, so its calls were not checked`);
      continue;
    }
    const report = checkRole(
      roleStatements(stack.template, fn.roleId),
      (value) => stack.standIns.resolve(value),
      calls.filter((call) => call.function === fn.handler),
    );
    problems.push(...report.denied.map((line) => `denied: ${line}`));
    for (const grant of report.unused) {
      if (!acknowledged(fn.handler, grant, 'unused'))
        problems.push(`${fn.handler}: ${grant.action} on ${grant.resource} is granted but no call uses it`);
    }
    for (const grant of report.broader) {
      if (!acknowledged(fn.handler, grant, 'broader'))
        problems.push(`${fn.handler}: ${grant.action} on ${grant.resource} is broader than the calls need`);
    }
  }
  return problems;
}
