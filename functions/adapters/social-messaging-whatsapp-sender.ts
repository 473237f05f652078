/**
 * WhatsApp through AWS End User Messaging Social `SendWhatsAppMessage`, as an **authentication
 * template** message: Meta delivers only templates outside a 24-hour customer session, and
 * authentication templates carry the code twice, in the body's one parameter and in the template's
 * one-time-password button (copy code). Never a free-form text message.
 */
import { SendWhatsAppMessageCommand, type SocialMessagingClient } from '@aws-sdk/client-socialmessaging';
import { DeliveryError } from '../core/errors.ts';
import type { MessageSender, OutgoingMessage } from '../core/ports.ts';
import { deliverWithRetry, type RetryOptions } from './deliver-with-retry.ts';

export interface WhatsAppSenderOptions extends RetryOptions {
  /** The WhatsApp Business phone number's id in End User Messaging Social (`phone-number-id-…`). */
  phoneNumberId: string;
  /** The approved authentication template (copy-code button). */
  templateName: string;
  /**
   * The languages the template is approved in (Meta's codes: `en_US`, `es`, `pt_BR`, …), the fallback
   * first: a message uses the first one of its own language, else the first of all.
   */
  templateLanguages: readonly string[];
  /** Meta Graph API version the message object is written for. */
  metaApiVersion: string;
}

/**
 * Errors that are Meta's or the service's final word on this message (an invalid or unreachable
 * recipient, such as a number with no WhatsApp account, or a template Meta refuses): not retried,
 * recorded as a refused delivery.
 */
export const WHATSAPP_REFUSALS = [
  'DependencyException',
  'InvalidParametersException',
  'ValidationException',
  'AccessDeniedByMetaException',
] as const;

/** The template language for a message worded in `locale` (`pt`): the first approved one of that language. */
export function templateLanguageFor(locale: string | undefined, languages: readonly string[]): string {
  const language = (locale ?? '').toLowerCase().split(/[-_]/, 1)[0];
  return languages.find((code) => code.toLowerCase().split('_', 1)[0] === language) ?? languages[0]!;
}

/** The Cloud API message object of an authentication template with a copy-code button. */
export function authenticationTemplateMessage(
  to: string,
  code: string,
  template: { name: string; language: string },
) {
  const otp = [{ type: 'text', text: code }];
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to,
    type: 'template',
    template: {
      name: template.name,
      language: { code: template.language },
      components: [
        { type: 'body', parameters: otp },
        // The copy-code button: created as an OTP button, it is a URL button with index 0 when sent.
        { type: 'button', sub_type: 'url', index: '0', parameters: otp },
      ],
    },
  };
}

export class SocialMessagingWhatsAppSender implements MessageSender {
  constructor(
    private readonly client: SocialMessagingClient,
    private readonly options: WhatsAppSenderOptions,
  ) {}

  async send(message: OutgoingMessage): Promise<{ providerMessageId?: string }> {
    if (message.code === undefined) {
      throw new DeliveryError(`whatsapp message for verification ${message.verificationId} carries no code`);
    }
    const language = templateLanguageFor(message.locale, this.options.templateLanguages);
    const body = authenticationTemplateMessage(message.to, message.code, {
      name: this.options.templateName,
      language,
    });
    const command = new SendWhatsAppMessageCommand({
      originationPhoneNumberId: this.options.phoneNumberId,
      metaApiVersion: this.options.metaApiVersion,
      message: new TextEncoder().encode(JSON.stringify(body)),
    });
    const output = await deliverWithRetry(message, () => this.client.send(command), {
      refusals: WHATSAPP_REFUSALS,
      ...this.options,
    });
    return output.messageId === undefined ? {} : { providerMessageId: output.messageId };
  }
}
