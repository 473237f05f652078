/** Email through Amazon SES `SendEmail`, with a plain-text and an HTML part. */
import { type SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import type { MessageSender, OutgoingMessage } from '../core/ports.ts';
import { deliverWithRetry, type RetryOptions } from './deliver-with-retry.ts';

export interface SesEmailSenderOptions extends RetryOptions {
  /** A verified SES identity, e.g. `"Acme" <no-reply@acme.example>`. */
  fromAddress: string;
  replyTo?: string;
  /** For SES event publishing (bounces, complaints, deliveries). */
  configurationSetName?: string;
}

const utf8 = (data: string) => ({ Data: data, Charset: 'UTF-8' });

export class SesEmailSender implements MessageSender {
  constructor(
    private readonly client: SESClient,
    private readonly options: SesEmailSenderOptions,
  ) {}

  async send(message: OutgoingMessage): Promise<{ providerMessageId?: string }> {
    const command = new SendEmailCommand({
      Source: this.options.fromAddress,
      Destination: { ToAddresses: [message.to] },
      ...(this.options.replyTo ? { ReplyToAddresses: [this.options.replyTo] } : {}),
      ...(this.options.configurationSetName
        ? { ConfigurationSetName: this.options.configurationSetName }
        : {}),
      Message: {
        Subject: utf8(message.subject ?? ''),
        Body: {
          Text: utf8(message.body),
          // Mail clients that cannot show HTML fall back to the text part.
          ...(message.html ? { Html: utf8(message.html) } : {}),
        },
      },
    });
    const output = await deliverWithRetry(message, () => this.client.send(command), this.options);
    return { providerMessageId: output.MessageId };
  }
}
