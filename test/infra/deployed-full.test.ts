import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { OtpStack } from '../../infra/otp-stack.ts';
import { describeDeployedStack } from '../support/deployed-suite.ts';
import { ALARM_TOPIC_ARN, ENV, FULL_PROPS } from '../support/synth.ts';

/** A device's endpoint under one of FULL_PROPS's push applications (`APNS/acme-ios`), the nth device. */
const pushEndpoint = (application: string, device: number) =>
  `arn:aws:sns:${ENV.region}:${ENV.account}:endpoint/${application}/5e3e9847-3183-3f18-a7e8-${String(device).padStart(12, '0')}`;

/** Every option: every channel, receipts, the cascade, the key rotation, a table key, an event bus, an alarm topic. */
function everyOption() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  // Only a scope for the imported key's reference (a literal ARN): it deploys nothing.
  const keys = new Stack(app, 'Keys', { env: ENV });
  Validations.of(keys).acknowledge({
    id: 'CloudFormation-Validate::F0001',
    reason: 'A scope for an imported key only; never deployed.',
  });
  const tableEncryptionKey = Key.fromKeyArn(
    keys,
    'TableKey',
    `arn:aws:kms:${ENV.region}:${ENV.account}:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789`,
  );
  const stack = new OtpStack(app, 'OtpTest', {
    env: ENV,
    alarmTopicArn: ALARM_TOPIC_ARN,
    eventBusName: 'onetime-events',
    service: {
      ...FULL_PROPS,
      // The receipts function also reads WhatsApp statuses from the WhatsApp Business Account's event topic.
      whatsapp: {
        ...FULL_PROPS.whatsapp!,
        eventTopicArn: `arn:aws:sns:${ENV.region}:${ENV.account}:whatsapp-events`,
      },
      keyRotation: { every: Duration.days(90) },
      tableEncryptionKey,
    },
  });
  return { stack, template: Template.fromStack(stack) };
}

describeDeployedStack('full', everyOption, {
  cascade: {
    to: '+14155550103',
    channel: 'sms',
    cascade: [
      { channel: 'voice', afterSeconds: 1 },
      { channel: 'email', to: 'ada@example.com', afterSeconds: 1 },
      { channel: 'sms', to: '+14155550104', afterSeconds: 1 },
    ],
  },
  otherCascades: [
    {
      to: '+14155550107',
      channel: 'whatsapp',
      cascade: [
        { channel: 'push', to: pushEndpoint('APNS/acme-ios', 3), afterSeconds: 1 },
        { channel: 'push', to: pushEndpoint('GCM/acme-android', 4), afterSeconds: 1 },
        { channel: 'whatsapp', to: '+14155550108', afterSeconds: 1 },
      ],
    },
  ],
  email: 'ada@example.com',
  whatsAppReceiptsTo: '+14155550106',
  otherChannels: [
    { channel: 'email', to: 'bo@example.com' },
    { channel: 'voice', to: '+14155550105' },
    { channel: 'whatsapp', to: '+14155550106' },
    // Each configured application's endpoints: the role grants each its own statement resource.
    { channel: 'push', to: pushEndpoint('APNS/acme-ios', 1) },
    { channel: 'push', to: pushEndpoint('GCM/acme-android', 2) },
  ],
  keyRotation: true,
  // Voice through SendVoiceMessage asks for conversion feedback.
  feedbackTo: '+14155550111',
});
