import type { PinpointSMSVoiceV2Client, VoiceId } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { lazySender } from '../adapters/lazy-sender.ts';
import type { ChannelConfig } from '../config.ts';
import type { MessageSender, Senders } from '../core/ports.ts';

/**
 * The senders for the channels a sending function (start, Cognito create, the cascade's step) has,
 * as its environment configures them (`channelsFromEnv`): SMS is always on (SNS, End User Messaging
 * SMS or Notify, by `SMS_PROVIDER`); email when it has
 * a from address (SES); voice when it has an origination identity (AWS End User Messaging SMS and
 * Voice, or Notify by `VOICE_PROVIDER`); whatsapp when it has a phone number id (AWS End User Messaging Social); push when it has
 * platform applications (Amazon SNS mobile push). Each channel's client
 * is loaded on first use only.
 */
export function buildSenders(channels: ChannelConfig): Senders {
  const { email, voice, whatsapp, push, notify } = channels;
  // One SMS-Voice v2 client for SMS and voice alike, built on first use.
  let smsVoiceClient: Promise<PinpointSMSVoiceV2Client> | undefined;
  const smsVoice = () =>
    (smsVoiceClient ??= import('@aws-sdk/client-pinpoint-sms-voice-v2').then(
      ({ PinpointSMSVoiceV2Client }) => new PinpointSMSVoiceV2Client({}),
    ));
  const notifySender = (configurationSetName?: string, voiceId?: string) =>
    lazySender(async () => {
      const [client, { NotifySender }] = await Promise.all([
        smsVoice(),
        import('../adapters/notify-sender.ts'),
      ]);
      // channelsFromEnv requires the configuration whenever a provider is notify.
      return new NotifySender(client, {
        configurationId: notify!.configurationId,
        templateIds: notify!.templateIds,
        ...(configurationSetName ? { configurationSetName } : {}),
        ...(voiceId ? { voiceId: voiceId as VoiceId } : {}),
      });
    });

  const senders: Senders = {
    sms: smsSender(channels, smsVoice, () => notifySender(channels.sms.configurationSetName)),
  };

  if (email) {
    senders.email = lazySender(async () => {
      const [{ SESClient }, { SesEmailSender }] = await Promise.all([
        import('@aws-sdk/client-ses'),
        import('../adapters/ses-email-sender.ts'),
      ]);
      return new SesEmailSender(new SESClient({}), email);
    });
  }

  if (voice?.provider === 'notify') senders.voice = notifySender(voice.configurationSetName, voice.voiceId);
  else if (voice) {
    senders.voice = lazySender(async () => {
      const [client, { EndUserMessagingVoiceSender }] = await Promise.all([
        smsVoice(),
        import('../adapters/end-user-messaging-voice-sender.ts'),
      ]);
      // channelsFromEnv checked the name's form; the provider knows its voices.
      return new EndUserMessagingVoiceSender(client, { ...voice, voiceId: voice.voiceId as VoiceId });
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

/** SMS by its provider: SNS (the default), End User Messaging directly, or Notify. */
function smsSender(
  channels: ChannelConfig,
  smsVoice: () => Promise<PinpointSMSVoiceV2Client>,
  notifySender: () => MessageSender,
): MessageSender {
  const { sms } = channels;
  if (sms.provider === 'notify') return notifySender();
  if (sms.provider === 'end-user-messaging') {
    return lazySender(async () => {
      const [client, { EndUserMessagingSmsSender }] = await Promise.all([
        smsVoice(),
        import('../adapters/end-user-messaging-sms-sender.ts'),
      ]);
      const originationIdentity = sms.originationNumber ?? sms.senderId;
      return new EndUserMessagingSmsSender(client, {
        ...(originationIdentity ? { originationIdentity } : {}),
        ...(sms.configurationSetName ? { configurationSetName: sms.configurationSetName } : {}),
        ...(sms.protectConfigurationId ? { protectConfigurationId: sms.protectConfigurationId } : {}),
      });
    });
  }
  return lazySender(async () => {
    const [{ SNSClient }, { SnsSmsSender }] = await Promise.all([
      import('@aws-sdk/client-sns'),
      import('../adapters/sns-sms-sender.ts'),
    ]);
    return new SnsSmsSender(new SNSClient({}), sms);
  });
}
