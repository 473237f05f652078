import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { OtpDeliveryReceipts, type OtpDeliveryReceiptsProps } from '../../infra/otp-delivery-receipts.ts';
import { actionsOf, ENV, resources, type Statement, statements } from '../support/synth.ts';

/** A small stack: a table and a secret as OtpService makes them, and the receipts on them. */
function synthesize(extra: Partial<OtpDeliveryReceiptsProps> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'ReceiptsTest', { env: ENV });
  const table = new dynamodb.Table(stack, 'Table', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
  });
  const secret = new secretsmanager.Secret(stack, 'Secret', {
    generateSecretString: { passwordLength: 64, excludePunctuation: true },
  });
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason: 'Test stand-in for OtpService.secret, whose own acknowledgment explains why it is not rotated.',
  });
  const receipts = new OtpDeliveryReceipts(stack, 'Receipts', { table, secret, ...extra });
  return { app, stack, receipts, template: Template.fromStack(stack) };
}

function findings(scope: IConstruct): string[] {
  const { violations } = new AwsSolutionsChecks(scope).validateScope(scope);
  return violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
}

/** The statements of the receipts function's role. */
function functionStatements(template: Template): Statement[] {
  const [fn] = Object.values(resources(template, 'AWS::Lambda::Function')).filter((f) =>
    String(f.Properties['Description']).includes('delivery receipts'),
  );
  const roleId = (fn!.Properties['Role'] as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return statements(template).filter((s) =>
    s.roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })),
  );
}

const ALL: Partial<OtpDeliveryReceiptsProps> = {
  email: { configurationSetName: 'onetime-email' },
  voice: { configurationSetName: 'onetime-voice' },
};

let full: ReturnType<typeof synthesize>;
let smsOnly: ReturnType<typeof synthesize>;
beforeAll(() => {
  full = synthesize(ALL);
  smsOnly = synthesize();
});

describe('OtpDeliveryReceipts', () => {
  it('runs one function with the secret through the extension and UpdateItem on the table only', () => {
    const fns = Object.values(resources(full.template, 'AWS::Lambda::Function')).filter((f) =>
      String(f.Properties['Description']).includes('delivery receipts'),
    );
    expect(fns).toHaveLength(1);
    const fn = fns[0]!;
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Environment: {
        Variables: {
          TABLE_NAME: { Ref: expect.stringMatching(/^Table/) },
          SECRET_ARN: { Ref: expect.stringMatching(/^Secret/) },
          POWERTOOLS_SERVICE_NAME: 'onetime',
        },
      },
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [expect.stringMatching(/FailedReceipts/), 'Arn'] } },
    });
    expect(JSON.stringify(fn.Properties['Layers'])).toContain('AWS-Parameters-and-Secrets-Lambda-Extension');
    const actions = actionsOf(functionStatements(full.template));
    expect(actions.filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:UpdateItem']);
    expect(actions).toContain('secretsmanager:GetSecretValue');
    expect(actions.filter((a) => !/^(dynamodb|secretsmanager|xray|logs|sqs):/.test(a))).toEqual([]);
  });

  it('SMS: creates both SNS log groups with a retention and subscribes the function to each', () => {
    const groups = Object.values(resources(smsOnly.template, 'AWS::Logs::LogGroup'))
      .map((g) => String(JSON.stringify(g.Properties['LogGroupName'])))
      .filter((name) => name.includes('DirectPublishToPhoneNumber'));
    expect(groups).toHaveLength(2);
    expect(groups.some((name) => name.includes('DirectPublishToPhoneNumber/Failure'))).toBe(true);
    smsOnly.template.resourcePropertiesCountIs(
      'AWS::Logs::LogGroup',
      { LogGroupName: Match.anyValue(), RetentionInDays: 30 },
      2,
    );
    smsOnly.template.resourceCountIs('AWS::Logs::SubscriptionFilter', 2);
    smsOnly.template.allResourcesProperties('AWS::Logs::SubscriptionFilter', {
      FilterPattern: '',
      DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ReceiptsFunction'), 'Arn'] },
    });
    smsOnly.template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'logs.amazonaws.com',
      Action: 'lambda:InvokeFunction',
    });
  });

  it('SMS: turns SNS delivery status logging on (100 % of successes) with a role scoped to those log groups', () => {
    const [call] = Object.values(resources(smsOnly.template, 'Custom::AWS'));
    const create = JSON.stringify(call?.Properties['Create']);
    expect(create).toContain('\\"service\\":\\"SNS\\"');
    expect(create).toContain('\\"action\\":\\"setSMSAttributes\\"');
    expect(create).toContain('\\"DeliveryStatusSuccessSamplingRate\\":\\"100\\"');
    expect(create).toContain('DeliveryStatusIAMRole');
    smsOnly.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({ Principal: { Service: 'sns.amazonaws.com' }, Action: 'sts:AssumeRole' }),
        ],
      },
    });
    const setter = statements(smsOnly.template).filter((s) =>
      actionsOf([s]).includes('sns:SetSMSAttributes'),
    );
    expect(setter).toHaveLength(1);
    const passRole = statements(smsOnly.template).find((s) => actionsOf([s]).includes('iam:PassRole'));
    expect(JSON.stringify(passRole?.Resource)).toContain('SmsDeliveryStatusRole');
    const [logWrites, ...others] = statements(smsOnly.template).filter((s) =>
      JSON.stringify(s.roles).includes('SmsDeliveryStatusRole'),
    );
    expect(others).toEqual([]);
    expect(actionsOf([logWrites!])).toEqual([
      'logs:CreateLogGroup',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    expect(JSON.stringify(logWrites!.Resource)).toMatch(/SmsDeliveredLogs.*SmsFailedLogs/);
  });

  it('SMS: leaves the account alone when turned off, and subscribes to existing log groups when told', () => {
    const off = synthesize({ smsDeliveryStatus: false });
    off.template.resourceCountIs('Custom::AWS', 0);
    off.template.resourceCountIs('AWS::Logs::SubscriptionFilter', 0);
    const existing = synthesize({ existingSmsLogGroups: true });
    existing.template.resourceCountIs('AWS::Logs::SubscriptionFilter', 2);
    expect(
      Object.values(resources(existing.template, 'AWS::Logs::LogGroup')).filter((g) =>
        String(JSON.stringify(g.Properties['LogGroupName'])).includes('DirectPublishToPhoneNumber'),
      ),
    ).toEqual([]);
  });

  it('email: a configuration set publishing delivery outcomes to the default bus, and a rule for its mail only', () => {
    full.template.hasResourceProperties('AWS::SES::ConfigurationSet', { Name: 'onetime-email' });
    full.template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: { Ref: Match.stringLikeRegexp('EmailConfigurationSet') },
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: ['delivery', 'bounce', 'reject', 'renderingFailure'],
        EventBridgeDestination: { EventBusArn: Match.anyValue() },
      },
    });
    const destination = Object.values(
      resources(full.template, 'AWS::SES::ConfigurationSetEventDestination'),
    )[0];
    expect(JSON.stringify(destination)).toContain('event-bus/default');
    full.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ses'],
        'detail-type': ['Email Delivered', 'Email Bounced', 'Email Rejected', 'Email Rendering Failed'],
        detail: { mail: { tags: { 'ses:configuration-set': ['onetime-email'] } } },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ReceiptsFunction'), 'Arn'] },
          DeadLetterConfig: Match.anyValue(),
        }),
      ],
    });
    expect(full.receipts.emailConfigurationSetName).toBe('onetime-email');
    const existing = synthesize({ email: { configurationSetName: 'mine', existingConfigurationSet: true } });
    existing.template.resourceCountIs('AWS::SES::ConfigurationSet', 0);
    existing.template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: 'mine',
    });
  });

  it('voice: an SMS-Voice configuration set sends final voice events to an encrypted topic the function reads', () => {
    full.template.hasResourceProperties('AWS::SMSVOICE::ConfigurationSet', {
      ConfigurationSetName: 'onetime-voice',
      EventDestinations: [
        {
          EventDestinationName: 'onetime-delivery-receipts',
          Enabled: true,
          MatchingEventTypes: [
            'VOICE_COMPLETED',
            'VOICE_BUSY',
            'VOICE_NO_ANSWER',
            'VOICE_FAILED',
            'VOICE_TTL_EXPIRED',
          ],
          SnsDestination: { TopicArn: { Ref: Match.stringLikeRegexp('VoiceEvents') } },
        },
      ],
    });
    full.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    full.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('ReceiptsFunction'), 'Arn'] },
    });
    const topicPolicy = Object.values(resources(full.template, 'AWS::SNS::TopicPolicy'))
      .map((p) => JSON.stringify(p.Properties['PolicyDocument']))
      .join('');
    expect(topicPolicy).toContain('sms-voice.amazonaws.com');
    expect(topicPolicy).toContain('configuration-set/onetime-voice');
    full.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'sms-voice.amazonaws.com' },
            Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          }),
        ]),
      },
    });
    const existing = synthesize({ voice: { configurationSetName: 'mine', existingConfigurationSet: true } });
    existing.template.resourceCountIs('AWS::SMSVOICE::ConfigurationSet', 0);
    existing.template.resourceCountIs('AWS::SNS::Topic', 1);
  });

  it("whatsapp: subscribes the function to the account's event topic and names the service's number", () => {
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:whatsapp-events';
    const phoneNumberId = 'phone-number-id-0123456789abcdef0123456789abcdef';
    const { template } = synthesize({ whatsapp: { eventTopicArn: topicArn, phoneNumberId } });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: topicArn,
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('ReceiptsFunction'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WHATSAPP_PHONE_NUMBER_ID: phoneNumberId }) },
    });
    // The topic is the account's: nothing is created for it here.
    template.resourceCountIs('AWS::SNS::Topic', 0);
    expect(smsOnly.template.toJSON().Resources).not.toHaveProperty(
      Object.keys(resources(template, 'AWS::SNS::Subscription'))[0]!,
    );
  });

  it.each([
    ['every source', ALL],
    ['SMS only', {}],
    ['nothing but the function', { smsDeliveryStatus: false }],
    [
      'WhatsApp statuses from the account topic',
      {
        whatsapp: {
          eventTopicArn: 'arn:aws:sns:eu-west-1:123456789012:whatsapp-events',
          phoneNumberId: 'phone-number-id-0123456789abcdef0123456789abcdef',
        },
      },
    ],
    [
      'existing SMS log groups, email and voice configuration sets',
      {
        existingSmsLogGroups: true,
        email: { configurationSetName: 'mine', existingConfigurationSet: true },
        voice: { configurationSetName: 'mine', existingConfigurationSet: true },
      },
    ],
  ] as Array<[string, Partial<OtpDeliveryReceiptsProps>]>)(
    'cdk-nag AwsSolutions finds nothing unacknowledged with %s',
    (_name, props) => {
      const { stack } = props === ALL ? full : synthesize(props);
      expect(findings(stack)).toEqual([]);
    },
  );
});
