/**
 * SMS and voice through AWS End User Messaging Notify in its "you generate the code" mode
 * (`SendNotifyTextMessage`, `SendNotifyVoiceMessage`): our code, sealed and limited as on every other
 * channel, in an AWS pre-approved template sent from AWS-managed numbers, with Notify's mandatory
 * filtering of artificially inflated traffic. The template's wording is AWS's; the configuration's
 * display name is the brand it shows (the construct sets it to `appName`).
 */
import {
  type PinpointSMSVoiceV2Client,
  SendNotifyTextMessageCommand,
  SendNotifyVoiceMessageCommand,
  type VoiceId,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { MessageSender, OutgoingMessage, SentMessage } from '../core/ports.ts';
import { deliverWithRetry, type RetryOptions } from './deliver-with-retry.ts';
import { notifyRequestFor } from './notify-template.ts';

export interface NotifySenderOptions extends RetryOptions {
  /** The Notify configuration's id (`nc-…`) or ARN. */
  configurationId: string;
  /** A template id per locale; a locale not named uses the configuration's default template. */
  templateIds?: Readonly<Partial<Record<string, string>>>;
  configurationSetName?: string;
  /** Voice only. @default Notify's voice for the template's language */
  voiceId?: VoiceId;
}

export class NotifySender implements MessageSender {
  constructor(
    private readonly client: PinpointSMSVoiceV2Client,
    private readonly options: NotifySenderOptions,
  ) {}

  async send(message: OutgoingMessage): Promise<SentMessage> {
    const { configurationId, configurationSetName, voiceId } = this.options;
    const input = {
      NotifyConfigurationId: configurationId,
      DestinationPhoneNumber: message.to,
      ...notifyRequestFor(message, this.options),
      ...(message.ttlSeconds ? { TimeToLive: Math.max(5, message.ttlSeconds) } : {}),
      ...(configurationSetName ? { ConfigurationSetName: configurationSetName } : {}),
      MessageFeedbackEnabled: true,
    };
    const output = await deliverWithRetry(
      message,
      () =>
        message.channel === 'voice'
          ? this.client.send(
              new SendNotifyVoiceMessageCommand({ ...input, ...(voiceId ? { VoiceId: voiceId } : {}) }),
            )
          : this.client.send(new SendNotifyTextMessageCommand(input)),
      this.options,
    );
    // Asked for feedback: the id is recorded and reported once the code is approved (core/feedback.ts).
    return { providerMessageId: output.MessageId, feedback: true };
  }
}
