import { describe, expect, it } from 'vitest';
import type { RecordedCall } from '../support/aws-endpoints.ts';
import { allows, checkRole, needsOf } from '../support/iam-check.ts';
import type { Statement } from '../support/synth.ts';

const call = (service: string, operation: string, input: Record<string, unknown>): RecordedCall => ({
  function: 'start',
  service,
  operation,
  region: 'eu-west-1',
  input,
  status: 200,
});
const resolve = (value: unknown) => String(value);
const TABLE = 'arn:aws:dynamodb:eu-west-1:123456789012:table/t';

describe('The IAM check of recorded calls', () => {
  it('authorises a TransactWriteItems per item, by the kind of each', () => {
    const transaction = call('dynamodb', 'TransactWriteItems', {
      TransactItems: [
        { Put: { TableName: 't' } },
        { Update: { TableName: 't' } },
        { ConditionCheck: { TableName: 't' } },
      ],
    });
    expect(needsOf(transaction).map((need) => [need.action, need.resources])).toEqual([
      ['dynamodb:PutItem', [TABLE]],
      ['dynamodb:UpdateItem', [TABLE]],
      ['dynamodb:ConditionCheckItem', [TABLE]],
    ]);
    const role: Statement[] = [
      { Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'], Resource: TABLE },
    ];
    expect(checkRole(role, resolve, [transaction]).denied).toEqual([
      `start: dynamodb TransactWriteItems needs dynamodb:ConditionCheckItem on ${TABLE}`,
    ]);
  });

  it('lets SNS publish to a phone number through `*`, and a Deny on topics take topics back', () => {
    const role: Statement[] = [
      { Effect: 'Allow', Action: 'sns:Publish', Resource: '*' },
      { Effect: 'Deny', Action: 'sns:Publish', Resource: 'arn:aws:sns:*:*:*' },
    ];
    const [toPhone] = needsOf(call('sns', 'Publish', { PhoneNumber: '+14155550100' }));
    const [toTopic] = needsOf(call('sns', 'Publish', { TopicArn: 'arn:aws:sns:eu-west-1:123456789012:t' }));
    expect(allows(role, resolve, toPhone!)).toBe(true);
    expect(allows(role, resolve, toTopic!)).toBe(false);
  });

  it('authorises a Notify send against its Notify configuration (and configuration set), not a number of ours', () => {
    const notify = call('sms-voice', 'SendNotifyTextMessage', {
      NotifyConfigurationId: 'nc-0123',
      DestinationPhoneNumber: '+14155550100',
      ConfigurationSetName: 'otp-sms',
      TemplateVariables: { code: '123456' },
    });
    const SMS_VOICE = 'arn:aws:sms-voice:eu-west-1:123456789012';
    expect(needsOf(notify).map((need) => [need.action, need.resources])).toEqual([
      ['sms-voice:SendNotifyTextMessage', [`${SMS_VOICE}:notify-configuration/nc-0123`]],
      ['sms-voice:SendNotifyTextMessage', [`${SMS_VOICE}:configuration-set/otp-sms`]],
    ]);
    const other: Statement[] = [
      {
        Effect: 'Allow',
        Action: 'sms-voice:SendNotifyTextMessage',
        Resource: [`${SMS_VOICE}:notify-configuration/nc-other`, `${SMS_VOICE}:configuration-set/otp-sms`],
      },
    ];
    expect(checkRole(other, resolve, [notify]).denied).toEqual([
      `start: sms-voice SendNotifyTextMessage needs sms-voice:SendNotifyTextMessage on ${SMS_VOICE}:notify-configuration/nc-0123`,
    ]);
  });

  it("evaluates SES's from-address condition against the mail's Source", () => {
    const role: Statement[] = [
      {
        Effect: 'Allow',
        Action: 'ses:SendEmail',
        Resource: 'arn:aws:ses:eu-west-1:123456789012:identity/acme.example',
        Condition: { StringEqualsIgnoreCase: { 'ses:FromAddress': 'no-reply@acme.example' } },
      },
    ];
    const send = (source: string) => needsOf(call('ses', 'SendEmail', { Source: source }))[0]!;
    expect(allows(role, resolve, send('"Acme" <No-Reply@acme.example>'))).toBe(true);
    expect(allows(role, resolve, send('other@acme.example'))).toBe(false);
  });

  it('authorises a WhatsApp send against its phone number id, and a push against its endpoint', () => {
    const number = 'arn:aws:social-messaging:eu-west-1:123456789012:phone-number-id/0123456789abcdef';
    const endpoints = 'arn:aws:sns:eu-west-1:123456789012:endpoint/APNS/acme-ios/*';
    const role: Statement[] = [
      { Effect: 'Allow', Action: 'social-messaging:SendWhatsAppMessage', Resource: number },
      { Effect: 'Allow', Action: 'sns:Publish', Resource: endpoints },
    ];
    const whatsapp = (id: string) =>
      needsOf(call('social-messaging', 'SendWhatsAppMessage', { originationPhoneNumberId: id }))[0]!;
    expect(whatsapp('phone-number-id-0123456789abcdef').resources).toEqual([number]);
    expect(allows(role, resolve, whatsapp('phone-number-id-0123456789abcdef'))).toBe(true);
    expect(allows(role, resolve, whatsapp('phone-number-id-fedcba9876543210'))).toBe(false);
    const push = (target: string) => needsOf(call('sns', 'Publish', { TargetArn: target }))[0]!;
    expect(allows(role, resolve, push(endpoints.replace('*', 'device-1')))).toBe(true);
    expect(
      allows(role, resolve, push('arn:aws:sns:eu-west-1:123456789012:endpoint/GCM/other/device-1')),
    ).toBe(false);
  });

  it('authorises conversion feedback against `*` alone (a message id has no ARN), and no grant it does not use', () => {
    const feedback = call('sms-voice', 'PutMessageFeedback', {
      MessageId: '0f0e1d2c-3b4a-5968-7786-95a4b3c2d1e0',
      MessageFeedbackStatus: 'RECEIVED',
    });
    expect(needsOf(feedback).map((need) => [need.action, need.resources])).toEqual([
      ['sms-voice:PutMessageFeedback', ['*']],
    ]);
    const granted: Statement[] = [{ Effect: 'Allow', Action: 'sms-voice:PutMessageFeedback', Resource: '*' }];
    expect(checkRole(granted, resolve, [feedback])).toEqual({ denied: [], unused: [], broader: [] });
    expect(checkRole([], resolve, [feedback]).denied).toEqual([
      'start: sms-voice PutMessageFeedback needs sms-voice:PutMessageFeedback on *',
    ]);
    expect(checkRole(granted, resolve, []).unused).toEqual([
      { action: 'sms-voice:PutMessageFeedback', resource: '*' },
    ]);
  });

  it('authorises a CloudWatch call (signed as `monitoring`) as `cloudwatch:` against `*`, and no grant it does not use', () => {
    const read = call('monitoring', 'GetMetricData', { MetricDataQueries: [{ Id: 'sent_us' }] });
    expect(needsOf(read).map((need) => [need.action, need.resources])).toEqual([
      ['cloudwatch:GetMetricData', ['*']],
    ]);
    const granted: Statement[] = [{ Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' }];
    expect(checkRole(granted, resolve, [read])).toEqual({ denied: [], unused: [], broader: [] });
    const withPut: Statement[] = [
      { Effect: 'Allow', Action: ['cloudwatch:GetMetricData', 'cloudwatch:PutMetricData'], Resource: '*' },
    ];
    expect(checkRole(withPut, resolve, [read]).unused).toEqual([
      { action: 'cloudwatch:PutMetricData', resource: '*' },
    ]);
  });
});
