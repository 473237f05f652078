import {
  DependencyException,
  SendWhatsAppMessageCommand,
  SocialMessagingClient,
  ThrottledRequestException,
} from '@aws-sdk/client-socialmessaging';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  SocialMessagingWhatsAppSender,
  templateLanguageFor,
} from '../../functions/adapters/social-messaging-whatsapp-sender.ts';
import { renderMessage } from '../../functions/core/messages.ts';
import { expectDeliveryErrorWithout, fakeSleep } from '../support/delivery.ts';

const PHONE = '+14155550123';
const CODE = 'X7K9PQ';
const PHONE_NUMBER_ID = 'phone-number-id-0123456789abcdef0123456789abcdef';
const meta = (status: number) => ({ $metadata: { httpStatusCode: status, requestId: 'req-1' } });

const message = (locale = 'en') =>
  renderMessage({
    channel: 'whatsapp',
    to: PHONE,
    maskedTo: '+1********23',
    code: CODE,
    locale,
    appName: 'Acme',
    ttlSeconds: 300,
    verificationId: 'ver_123',
  });

const decoded = (input: { message?: Uint8Array }) =>
  JSON.parse(new TextDecoder().decode(input.message)) as Record<string, unknown>;

describe('SocialMessagingWhatsAppSender', () => {
  const social = mockClient(SocialMessagingClient);
  beforeEach(() => social.reset());
  const sender = (sleep = fakeSleep().sleep) =>
    new SocialMessagingWhatsAppSender(new SocialMessagingClient({ region: 'us-east-1' }), {
      phoneNumberId: PHONE_NUMBER_ID,
      templateName: 'acme_code',
      templateLanguages: ['en_US', 'es', 'pt_BR'],
      metaApiVersion: 'v20.0',
      sleep,
    });

  it('sends the authentication template: the code in the body and in the copy-code button', async () => {
    social.on(SendWhatsAppMessageCommand).resolves({ messageId: 'wa-1' });

    await expect(sender().send(message())).resolves.toEqual({ providerMessageId: 'wa-1' });

    const calls = social.commandCalls(SendWhatsAppMessageCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.originationPhoneNumberId).toBe(PHONE_NUMBER_ID);
    expect(input.metaApiVersion).toBe('v20.0');
    expect(input.message).toBeInstanceOf(Uint8Array);
    expect(decoded(input)).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: PHONE,
      type: 'template',
      template: {
        name: 'acme_code',
        language: { code: 'en_US' },
        components: [
          { type: 'body', parameters: [{ type: 'text', text: CODE }] },
          { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: CODE }] },
        ],
      },
    });
  });

  it('picks the template language of the verification, falling back to the first one', async () => {
    social.on(SendWhatsAppMessageCommand).resolves({ messageId: 'wa-1' });
    for (const [locale, language] of [
      ['pt', 'pt_BR'],
      ['es', 'es'],
      ['de', 'en_US'],
    ] as const) {
      social.resetHistory();
      await sender().send(message(locale));
      const input = social.commandCalls(SendWhatsAppMessageCommand)[0]!.args[0].input;
      expect((decoded(input)['template'] as { language: unknown }).language, locale).toEqual({
        code: language,
      });
    }
    expect(templateLanguageFor('EN', ['es', 'en_GB'])).toBe('en_GB');
    expect(templateLanguageFor(undefined, ['fr', 'en_US'])).toBe('fr');
  });

  it('retries Social Messaging throttling, then gives up with a retryable DeliveryError', async () => {
    const { waits, sleep } = fakeSleep();
    social
      .on(SendWhatsAppMessageCommand)
      .rejects(new ThrottledRequestException({ message: `slow down ${PHONE}`, ...meta(429) }));

    const error = await expectDeliveryErrorWithout(sender(sleep).send(message()), [PHONE, CODE]);

    expect(social.commandCalls(SendWhatsAppMessageCommand)).toHaveLength(4);
    expect(waits).toHaveLength(3);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('ThrottledRequestException');
  });

  it('takes Meta refusing the recipient (no WhatsApp account) as final: no retry, not retryable', async () => {
    social
      .on(SendWhatsAppMessageCommand)
      .rejects(
        new DependencyException({ message: `(#131026) ${PHONE} is not a WhatsApp user`, ...meta(502) }),
      );

    const error = await expectDeliveryErrorWithout(sender().send(message()), [PHONE, PHONE.slice(1), CODE]);

    expect(social.commandCalls(SendWhatsAppMessageCommand)).toHaveLength(1);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      'whatsapp delivery failed for verification ver_123: DependencyException (HTTP 502)',
    );
  });
});
