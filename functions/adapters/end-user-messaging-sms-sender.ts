/**
 * SMS through AWS End User Messaging SMS directly (`SendTextMessage`): the account's own origination
 * identity, through a configuration set (receipts) and a protect configuration (per-country rules and
 * AWS's SMS-pumping filter, checked on this very send), asking for conversion feedback.
 */
import { type PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { MessageSender, OutgoingMessage, SentMessage } from '../core/ports.ts';
import { deliverWithRetry, type RetryOptions } from './deliver-with-retry.ts';

export interface EndUserMessagingSmsSenderOptions extends RetryOptions {
  /** Phone number, pool or sender id (ID, ARN, E.164 or the sender id itself). @default AWS picks one of the account's */
  originationIdentity?: string;
  configurationSetName?: string;
  protectConfigurationId?: string;
}

export class EndUserMessagingSmsSender implements MessageSender {
  constructor(
    private readonly client: PinpointSMSVoiceV2Client,
    private readonly options: EndUserMessagingSmsSenderOptions = {},
  ) {}

  async send(message: OutgoingMessage): Promise<SentMessage> {
    const { originationIdentity, configurationSetName, protectConfigurationId } = this.options;
    const command = new SendTextMessageCommand({
      DestinationPhoneNumber: message.to,
      MessageBody: message.body,
      // Transactional: routed for delivery speed, as SNS's Transactional type.
      MessageType: 'TRANSACTIONAL',
      ...(originationIdentity ? { OriginationIdentity: originationIdentity } : {}),
      ...(configurationSetName ? { ConfigurationSetName: configurationSetName } : {}),
      ...(protectConfigurationId ? { ProtectConfigurationId: protectConfigurationId } : {}),
      // No use delivering a code after it expired (the API's floor is 5 s).
      ...(message.ttlSeconds ? { TimeToLive: Math.max(5, message.ttlSeconds) } : {}),
      // The activity stream reports the approved ones as RECEIVED: what AWS's filter learns from.
      MessageFeedbackEnabled: true,
    });
    const output = await deliverWithRetry(message, () => this.client.send(command), this.options);
    // Asked for feedback: the id is recorded and reported once the code is approved (core/feedback.ts).
    return { providerMessageId: output.MessageId, feedback: true };
  }
}
