import type { VoiceId } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { lazySender } from '../adapters/lazy-sender.ts';
import type { Senders } from '../core/ports.ts';

/**
 * The channels a sending function (start, Cognito create) has, from its environment: SMS is always on
 * (SNS); email when `EMAIL_FROM_ADDRESS` is set (SES); voice when `VOICE_ORIGINATION_IDENTITY` is set
 * (AWS End User Messaging SMS and Voice). Each channel's client is loaded on first use only.
 */
export function buildSenders(env: Record<string, string | undefined>): Senders {
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
        ...(env['VOICE_CONFIGURATION_SET'] ? { configurationSetName: env['VOICE_CONFIGURATION_SET'] } : {}),
      });
    });
  }
  return senders;
}
