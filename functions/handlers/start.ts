import type { VoiceId } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { DynamoIdempotencyStore } from '../adapters/dynamodb/idempotency-store.ts';
import { lazySender } from '../adapters/lazy-sender.ts';
import { createStartHandler } from '../http/start-route.ts';
import type { Senders, WorkflowStarter } from '../ports.ts';
import { dynamodb, engineDeps, env, lambdaHandler, tableName } from './runtime.ts';

/**
 * Lambda entry for `POST /v1/verifications`. SMS is always on (SNS); email and voice are on when the
 * construct configured them. Each channel's client is loaded on first use only.
 */
const senders: Senders = {
  sms: lazySender(async () => {
    const [{ SNSClient }, { SnsSmsSender }] = await Promise.all([
      import('@aws-sdk/client-sns'),
      import('../adapters/sns-sms-sender.ts'),
    ]);
    return new SnsSmsSender(new SNSClient({}), {
      ...(env['SMS_SENDER_ID'] ? { senderId: env['SMS_SENDER_ID'] } : {}),
      ...(env['SMS_ORIGINATION_NUMBER'] ? { originationNumber: env['SMS_ORIGINATION_NUMBER'] } : {}),
    });
  }),
};

const fromAddress = env['EMAIL_FROM_ADDRESS'];
if (fromAddress) {
  senders.email = lazySender(async () => {
    const [{ SESClient }, { SesEmailSender }] = await Promise.all([
      import('@aws-sdk/client-ses'),
      import('../adapters/ses-email-sender.ts'),
    ]);
    return new SesEmailSender(new SESClient({}), {
      fromAddress,
      ...(env['EMAIL_REPLY_TO'] ? { replyTo: env['EMAIL_REPLY_TO'] } : {}),
      ...(env['EMAIL_CONFIGURATION_SET'] ? { configurationSetName: env['EMAIL_CONFIGURATION_SET'] } : {}),
    });
  });
}

const originationIdentity = env['VOICE_ORIGINATION_IDENTITY'];
if (originationIdentity) {
  senders.voice = lazySender(async () => {
    const [{ PinpointSMSVoiceV2Client }, { VoiceSender }] = await Promise.all([
      import('@aws-sdk/client-pinpoint-sms-voice-v2'),
      import('../adapters/voice-sender.ts'),
    ]);
    return new VoiceSender(new PinpointSMSVoiceV2Client({}), {
      originationIdentity,
      ...(env['VOICE_ID'] ? { voiceId: env['VOICE_ID'] as VoiceId } : {}),
    });
  });
}

const stateMachineArn = env['VOICE_FALLBACK_STATE_MACHINE_ARN'];
let workflow: WorkflowStarter | undefined;
if (stateMachineArn && originationIdentity) {
  let starter: Promise<WorkflowStarter> | undefined;
  workflow = {
    async startVoiceFallback(verificationId) {
      starter ??= Promise.all([
        import('@aws-sdk/client-sfn'),
        import('../adapters/sfn-workflow-starter.ts'),
      ]).then(
        ([{ SFNClient }, { StepFunctionsWorkflowStarter }]) =>
          new StepFunctionsWorkflowStarter(new SFNClient({}), stateMachineArn),
      );
      return (await starter).startVoiceFallback(verificationId);
    },
  };
}

export const handler = lambdaHandler(
  createStartHandler({
    ...(await engineDeps()),
    senders,
    ...(workflow ? { workflow } : {}),
    idempotency: new DynamoIdempotencyStore(dynamodb, tableName),
  }),
);
