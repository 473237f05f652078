/**
 * Holds the AWS calls a deployed function made to what its role allows, as IAM would judge them: each
 * recorded call mapped to the action(s) and resource ARN(s) IAM authorises it against (a
 * TransactWriteItems per item, SNS Publish to a phone number against `*` and to a push endpoint
 * against its ARN, SES against the sending identity and the configuration set, WhatsApp against the
 * sending phone number id, a Notify send against its Notify configuration, a direct SMS-Voice send
 * against its origination identity, opt-out list, configuration set and protect configuration),
 * evaluated over the role's policy statements (Deny wins; the conditions the policies use are
 * evaluated). The other way round, every (action, resource) the role grants must be used by a call,
 * with no wildcard broader than the calls need, unless acknowledged (test/support/deployed-iam.ts).
 */
import type { RecordedCall } from './aws-endpoints.ts';
import type { Statement } from './synth.ts';

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** What one call needs allowed: an action on one of `resources` (alternatives), with a context. */
export interface Need {
  call: RecordedCall;
  action: string;
  resources: string[];
  context: Record<string, string>;
}

/** One (action, resource) pair a role grants. */
export interface Grant {
  action: string;
  resource: string;
  sid?: string;
}

export interface RoleReport {
  /** Calls no statement allows (or a Deny refuses). */
  denied: string[];
  /** Grants no recorded call uses. */
  unused: Grant[];
  /** Wildcard grants the calls use, where a narrower resource would do. */
  broader: Grant[];
}

const ACCOUNT = '123456789012';
const arn = (call: RecordedCall, service: string, resource: string) =>
  `arn:aws:${service}:${call.region}:${ACCOUNT}:${resource}`;

/** The actions and resources IAM authorises a call against. */
export function needsOf(call: RecordedCall): Need[] {
  const { input, operation } = call;
  const need = (action: string, resources: string[], context: Record<string, string> = {}): Need => ({
    call,
    action,
    resources,
    context,
  });
  switch (call.service) {
    case 'dynamodb': {
      const table = (name: unknown) => arn(call, 'dynamodb', `table/${String(name)}`);
      if (operation === 'TransactWriteItems') {
        const kinds = {
          Put: 'PutItem',
          Update: 'UpdateItem',
          Delete: 'DeleteItem',
          ConditionCheck: 'ConditionCheckItem',
        };
        return (input['TransactItems'] as Array<Record<string, { TableName: string }>>).flatMap((item) =>
          Object.entries(kinds)
            .filter(([kind]) => item[kind])
            .map(([kind, action]) => need(`dynamodb:${action}`, [table(item[kind]!.TableName)])),
        );
      }
      if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') {
        return Object.keys(input['RequestItems'] as object).map((name) =>
          need(`dynamodb:${operation}`, [table(name)]),
        );
      }
      return [need(`dynamodb:${operation}`, [table(input['TableName'])])];
    }
    case 'sns': {
      const target = input['TopicArn'] ?? input['TargetArn'];
      // A phone number has no ARN: IAM authorises the publish against "*".
      return [need(`sns:${operation}`, [target ? String(target) : '*'])];
    }
    case 'ses': {
      const from = String(input['Source'] ?? '');
      const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
      const context = { 'ses:FromAddress': address };
      // SES authorises the identity the mail is sent under: the address's own, or its domain's.
      const identities = [address, address.slice(address.lastIndexOf('@') + 1)].map((name) =>
        arn(call, 'ses', `identity/${name}`),
      );
      const set = input['ConfigurationSetName'];
      return [
        need(`ses:${operation}`, identities, context),
        ...(set
          ? [need(`ses:${operation}`, [arn(call, 'ses', `configuration-set/${String(set)}`)], context)]
          : []),
      ];
    }
    case 'sms-voice': {
      // Conversion feedback names a message id, which has no ARN: IAM authorises it against "*".
      if (operation === 'PutMessageFeedback') return [need('sms-voice:PutMessageFeedback', ['*'])];
      const set = input['ConfigurationSetName'];
      const setNeed = set
        ? [need(`sms-voice:${operation}`, [arn(call, 'sms-voice', `configuration-set/${String(set)}`)])]
        : [];
      // Notify: AWS's own numbers, so the send is authorised against the Notify configuration it names.
      if (operation.startsWith('SendNotify')) {
        const configuration = String(input['NotifyConfigurationId'] ?? '');
        return [
          need(`sms-voice:${operation}`, [
            configuration.startsWith('arn:')
              ? configuration
              : arn(call, 'sms-voice', `notify-configuration/${configuration}`),
          ]),
          ...setNeed,
        ];
      }
      const identity = String(input['OriginationIdentity'] ?? '');
      const origin = identity.startsWith('arn:')
        ? identity
        : identity.startsWith('pool-')
          ? arn(call, 'sms-voice', `pool/${identity}`)
          : arn(call, 'sms-voice', `phone-number/${identity}`);
      const protect = input['ProtectConfigurationId'];
      return [
        need(`sms-voice:${operation}`, [origin]),
        // The account's opt-out list is checked on every send.
        need(`sms-voice:${operation}`, [arn(call, 'sms-voice', 'opt-out-list/Default')]),
        ...setNeed,
        // A send naming a protect configuration is authorised against it too.
        ...(protect
          ? [
              need(`sms-voice:${operation}`, [
                String(protect).startsWith('arn:')
                  ? String(protect)
                  : arn(call, 'sms-voice', `protect-configuration/${String(protect)}`),
              ]),
            ]
          : []),
      ];
    }
    case 'states':
      return [need(`states:${operation}`, [String(input['stateMachineArn'])])];
    case 'sqs': {
      const [, account, name] = new URL(String(input['QueueUrl'])).pathname.split('/');
      return [need(`sqs:${operation}`, [`arn:aws:sqs:${call.region}:${account}:${name}`])];
    }
    case 'events':
      return ((input['Entries'] as Array<{ EventBusName?: string }>) ?? []).map(
        ({ EventBusName = 'default' }) =>
          need(`events:${operation}`, [
            EventBusName.startsWith('arn:') ? EventBusName : arn(call, 'events', `event-bus/${EventBusName}`),
          ]),
      );
    case 'secretsmanager':
      return [need(`secretsmanager:${operation}`, [String(input['SecretId'])])];
    case 'social-messaging': {
      // The sending number, `phone-number-id-<hex>` or its ARN (`…:phone-number-id/<hex>`).
      const id = String(input['originationPhoneNumberId'] ?? '');
      return [
        need(`social-messaging:${operation}`, [
          id.startsWith('arn:')
            ? id
            : arn(call, 'social-messaging', `phone-number-id/${id.replace(/^phone-number-id-/, '')}`),
        ]),
      ];
    }
    case 'monitoring':
      // CloudWatch signs as `monitoring`; its IAM prefix is `cloudwatch`. GetMetricData has no
      // resource-level permissions: IAM authorises it against "*".
      return [need(`cloudwatch:${operation}`, ['*'])];
    default:
      return [need(`${call.service}:${operation}`, ['*'])];
  }
}

/** IAM's wildcard match (`*` any run, `?` one character), case-insensitive for actions. */
export function globMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

/** The conditions the templates use; a key the context lacks fails the condition. */
function conditionHolds(
  condition: Record<string, unknown> | undefined,
  context: Record<string, string>,
): boolean {
  if (!condition) return true;
  return Object.entries(condition).every(([operator, keys]) =>
    Object.entries(keys as Record<string, unknown>).every(([key, expected]) => {
      const value = context[key];
      if (value === undefined) return false;
      const wanted = asList(expected as string | string[]);
      switch (operator) {
        case 'StringEquals':
          return wanted.includes(value);
        case 'StringEqualsIgnoreCase':
          return wanted.some((w) => w.toLowerCase() === value.toLowerCase());
        case 'StringLike':
          return wanted.some((w) => globMatches(w, value));
        default:
          throw new Error(`condition operator ${operator} is not evaluated here`);
      }
    }),
  );
}

type Resolve = (value: unknown) => string;

function applies(
  statement: Statement,
  resolve: Resolve,
  action: string,
  resource: string,
  need: Need,
): boolean {
  if ('NotAction' in statement || 'NotResource' in statement)
    throw new Error('NotAction/NotResource not evaluated');
  return (
    asList(statement.Action).some((a) => globMatches(a, action, true)) &&
    asList(statement.Resource).some((r) => globMatches(resolve(r), resource)) &&
    conditionHolds(statement.Condition, need.context)
  );
}

/** Whether the statements allow a need: some resource alternative allowed and not denied. */
export function allows(statements: Statement[], resolve: Resolve, need: Need): boolean {
  return need.resources.some(
    (resource) =>
      statements.some((s) => s.Effect === 'Allow' && applies(s, resolve, need.action, resource, need)) &&
      !statements.some((s) => s.Effect === 'Deny' && applies(s, resolve, need.action, resource, need)),
  );
}

/** Every (action, resource) an Allow statement grants, resources resolved. */
export function grantsOf(statements: Statement[], resolve: Resolve): Grant[] {
  return statements
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) =>
      asList(s.Action).flatMap((action) =>
        asList(s.Resource).map((r) => ({ action, resource: resolve(r), ...(s.Sid ? { sid: s.Sid } : {}) })),
      ),
    );
}

export const describeNeed = (need: Need) =>
  `${need.call.function}: ${need.call.service} ${need.call.operation} needs ${need.action} on ${need.resources.join(' or ')}`;

/** The calls of one function against the statements of its role. */
export function checkRole(statements: Statement[], resolve: Resolve, calls: RecordedCall[]): RoleReport {
  const needs = calls.flatMap(needsOf);
  const denied = needs.filter((need) => !allows(statements, resolve, need)).map(describeNeed);
  const unused: Grant[] = [];
  const broader: Grant[] = [];
  for (const grant of grantsOf(statements, resolve)) {
    const using = needs.filter(
      (need) =>
        globMatches(grant.action, need.action, true) &&
        need.resources.some((resource) => globMatches(grant.resource, resource)),
    );
    if (using.length === 0) unused.push(grant);
    else if (grant.resource.includes('*') && !using.some((need) => need.resources.includes(grant.resource)))
      broader.push(grant);
  }
  return { denied: [...new Set(denied)], unused, broader };
}
