/** SMS through Amazon SNS `Publish` to a phone number. */
import { type MessageAttributeValue, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { MessageSender, OutgoingMessage } from '../core/ports.ts';
import { deliverWithRetry, type RetryOptions } from './deliver-with-retry.ts';

export interface SnsSmsSenderOptions extends RetryOptions {
  /** Alphanumeric sender id, shown instead of a number where the country allows it. */
  senderId?: string;
  /** The account's own number (toll-free, 10DLC, short code) to send from. */
  originationNumber?: string;
}

const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

export class SnsSmsSender implements MessageSender {
  constructor(
    private readonly client: SNSClient,
    private readonly options: SnsSmsSenderOptions = {},
  ) {}

  async send(message: OutgoingMessage): Promise<{ providerMessageId?: string }> {
    const attributes: Record<string, MessageAttributeValue> = {
      // Transactional: delivered with priority and not subject to marketing opt-outs/quiet hours.
      'AWS.SNS.SMS.SMSType': text('Transactional'),
    };
    if (this.options.senderId) attributes['AWS.SNS.SMS.SenderID'] = text(this.options.senderId);
    if (this.options.originationNumber) {
      attributes['AWS.MM.SMS.OriginationNumber'] = text(this.options.originationNumber);
    }
    const command = new PublishCommand({
      PhoneNumber: message.to,
      Message: message.body,
      MessageAttributes: attributes,
    });
    const output = await deliverWithRetry(message, () => this.client.send(command), this.options);
    return { providerMessageId: output.MessageId };
  }
}
