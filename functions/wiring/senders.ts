import type { VoiceId } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { lazySender } from '../adapters/lazy-sender.ts';
import type { ChannelConfig } from '../config.ts';
import type { Senders } from '../core/ports.ts';

/**
 * The senders for the channels a sending function (start, Cognito create, the cascade's step) has,
 * as its environment configures them (`channelsFromEnv`): SMS is always on (SNS); email when it has
 * a from address (SES); voice when it has an origination identity (AWS End User Messaging SMS and
 * Voice); whatsapp when it has a phone number id (AWS End User Messaging Social); push when it has
 * platform applications (Amazon SNS mobile push). Each channel's client
 * is loaded on first use only.
 */
export function buildSenders(channels: ChannelConfig): Senders {
  const senders: Senders = {
    sms: lazySender(async () => {
      const [{ SNSClient }, { SnsSmsSender }] = await Promise.all([
        import('@aws-sdk/client-sns'),
        import('../adapters/sns-sms-sender.ts'),
      ]);
      return new SnsSmsSender(new SNSClient({}), channels.sms);
    }),
  };

  const { email, voice, whatsapp, push } = channels;
  if (email) {
    senders.email = lazySender(async () => {
      const [{ SESClient }, { SesEmailSender }] = await Promise.all([
        import('@aws-sdk/client-ses'),
        import('../adapters/ses-email-sender.ts'),
      ]);
      return new SesEmailSender(new SESClient({}), email);
    });
  }

  if (voice) {
    senders.voice = lazySender(async () => {
      const [{ PinpointSMSVoiceV2Client }, { EndUserMessagingVoiceSender }] = await Promise.all([
        import('@aws-sdk/client-pinpoint-sms-voice-v2'),
        import('../adapters/end-user-messaging-voice-sender.ts'),
      ]);
      // channelsFromEnv checked the name's form; the provider knows its voices.
      return new EndUserMessagingVoiceSender(new PinpointSMSVoiceV2Client({}), {
        ...voice,
        voiceId: voice.voiceId as VoiceId,
      });
    });
  }
  if (whatsapp) {
    senders.whatsapp = lazySender(async () => {
      const [{ SocialMessagingClient }, { SocialMessagingWhatsAppSender }] = await Promise.all([
        import('@aws-sdk/client-socialmessaging'),
        import('../adapters/social-messaging-whatsapp-sender.ts'),
      ]);
      return new SocialMessagingWhatsAppSender(new SocialMessagingClient({}), whatsapp);
    });
  }
  if (push) {
    senders.push = lazySender(async () => {
      const [{ SNSClient }, { SnsPushSender }] = await Promise.all([
        import('@aws-sdk/client-sns'),
        import('../adapters/sns-push-sender.ts'),
      ]);
      return new SnsPushSender(new SNSClient({}));
    });
  }
  return senders;
}
