import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { OtpStack } from '../../infra/otp-stack.ts';
import { describeDeployedStack } from '../support/deployed-suite.ts';
import { ALARM_TOPIC_ARN, ENV, FULL_PROPS } from '../support/synth.ts';

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
    service: { ...FULL_PROPS, keyRotation: { every: Duration.days(90) }, tableEncryptionKey },
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
  email: 'ada@example.com',
  otherChannels: [
    { channel: 'email', to: 'bo@example.com' },
    { channel: 'voice', to: '+14155550105' },
  ],
  keyRotation: true,
});
