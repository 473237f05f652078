/** Voice calls through AWS End User Messaging SMS and Voice v2 `SendVoiceMessage`. */
import {
  type PinpointSMSVoiceV2Client,
  SendVoiceMessageCommand,
  type VoiceId,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { MessageSender, OutgoingMessage, SentMessage } from '../core/ports.ts';
import { deliverWithRetry, type RetryOptions } from './deliver-with-retry.ts';

export interface EndUserMessagingVoiceSenderOptions extends RetryOptions {
  /** Phone number, pool or sender id (ID or ARN) the call comes from. */
  originationIdentity: string;
  /** One voice for every call; by default a native voice for the message's language. */
  voiceId?: VoiceId;
  /** SMS-Voice configuration set whose event destination reports call outcomes (delivery receipts). */
  configurationSetName?: string;
  /** Protect configuration checked on every call (its VOICE country rules). */
  protectConfigurationId?: string;
}

/** A native voice per Polly language; a language's first entry doubles as its default. */
const VOICES: Record<string, VoiceId> = {
  'en-US': 'JOANNA',
  'en-GB': 'AMY',
  'en-AU': 'NICOLE',
  'en-IN': 'RAVEENA',
  'es-ES': 'LUCIA',
  'es-MX': 'MIA',
  'es-US': 'LUPE',
  'fr-FR': 'LEA',
  'fr-CA': 'CHANTAL',
  'de-DE': 'VICKI',
  'pt-BR': 'CAMILA',
  'pt-PT': 'INES',
  'it-IT': 'BIANCA',
};

/**
 * The message carries no locale, but its SSML names its language (`<lang xml:lang="fr-FR">`, see
 * core/messages.ts): pick the voice from that, so a French code is not read with an English accent.
 */
export function defaultVoiceFor(ssml: string | undefined): VoiceId {
  const tag = /xml:lang="([A-Za-z]{2})-([A-Za-z]{2})"/.exec(ssml ?? '');
  if (!tag) return 'JOANNA';
  const language = tag[1]!.toLowerCase();
  const exact = VOICES[`${language}-${tag[2]!.toUpperCase()}`];
  const sameLanguage = Object.entries(VOICES).find(([key]) => key.startsWith(`${language}-`))?.[1];
  return exact ?? sameLanguage ?? 'JOANNA';
}

export class EndUserMessagingVoiceSender implements MessageSender {
  constructor(
    private readonly client: PinpointSMSVoiceV2Client,
    private readonly options: EndUserMessagingVoiceSenderOptions,
  ) {}

  async send(message: OutgoingMessage): Promise<SentMessage> {
    const command = new SendVoiceMessageCommand({
      DestinationPhoneNumber: message.to,
      OriginationIdentity: this.options.originationIdentity,
      // SSML, not text: only SSML reads the digits one by one with pauses.
      MessageBodyTextType: message.ssml ? 'SSML' : 'TEXT',
      MessageBody: message.ssml ?? message.body,
      VoiceId: this.options.voiceId ?? defaultVoiceFor(message.ssml),
      ...(this.options.configurationSetName
        ? { ConfigurationSetName: this.options.configurationSetName }
        : {}),
      ...(this.options.protectConfigurationId
        ? { ProtectConfigurationId: this.options.protectConfigurationId }
        : {}),
      ...(message.ttlSeconds ? { TimeToLive: Math.max(5, message.ttlSeconds) } : {}),
      // The activity stream reports the approved ones as RECEIVED (conversion feedback).
      MessageFeedbackEnabled: true,
    });
    const output = await deliverWithRetry(message, () => this.client.send(command), this.options);
    // Asked for feedback: the id is recorded and reported once the code is approved (core/feedback.ts).
    return { providerMessageId: output.MessageId, feedback: true };
  }
}
