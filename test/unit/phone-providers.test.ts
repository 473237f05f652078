/**
 * The phone channels' providers at the SDK edge: End User Messaging SMS directly (SendTextMessage),
 * Notify (SendNotifyTextMessage / SendNotifyVoiceMessage) and the direct voice call, each call's exact
 * parameters, and how each refusal comes back.
 */
import {
  ConflictException,
  PinpointSMSVoiceV2Client,
  SendNotifyTextMessageCommand,
  SendNotifyVoiceMessageCommand,
  SendTextMessageCommand,
  SendVoiceMessageCommand,
  ServiceQuotaExceededException,
  ThrottlingException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { providerLimitOf } from '../../functions/adapters/deliver-with-retry.ts';
import { EndUserMessagingSmsSender } from '../../functions/adapters/end-user-messaging-sms-sender.ts';
import { EndUserMessagingVoiceSender } from '../../functions/adapters/end-user-messaging-voice-sender.ts';
import { NotifySender } from '../../functions/adapters/notify-sender.ts';
import { renderMessage } from '../../functions/core/messages.ts';
import type { Channel } from '../../functions/core/verification.ts';
import { describeSend, localProvidersFromEnv } from '../../local/providers.ts';
import { expectDeliveryErrorWithout, fakeSleep } from '../support/delivery.ts';

const PHONE = '+14155550123';
const CODE = '482913';
const meta = { $metadata: { httpStatusCode: 400, requestId: 'req-1' } };
const expectDeliveryError = (send: Promise<unknown>) =>
  expectDeliveryErrorWithout(send, [PHONE, PHONE.slice(1), CODE]);

const message = (channel: Channel, locale = 'en') =>
  renderMessage({
    channel,
    to: PHONE,
    maskedTo: '+1415*****23',
    code: CODE,
    locale,
    appName: 'Acme',
    ttlSeconds: 300,
    verificationId: 'ver_123',
  });

const smsVoice = mockClient(PinpointSMSVoiceV2Client);
const client = () => new PinpointSMSVoiceV2Client({ region: 'us-east-1' });
beforeEach(() => smsVoice.reset());

describe('EndUserMessagingSmsSender (SendTextMessage)', () => {
  it('sends a transactional SMS through the configuration set and the protect configuration, asking for feedback', async () => {
    smsVoice.on(SendTextMessageCommand).resolves({ MessageId: 'eum-1' });
    const sender = new EndUserMessagingSmsSender(client(), {
      originationIdentity: 'pool-0123456789abcdef',
      configurationSetName: 'onetime-sms',
      protectConfigurationId: 'protect-0123456789abcdef',
    });
    const msg = message('sms');
    await expect(sender.send(msg)).resolves.toEqual({ providerMessageId: 'eum-1', feedback: true });
    expect(smsVoice.commandCalls(SendTextMessageCommand)[0]!.args[0].input).toEqual({
      DestinationPhoneNumber: PHONE,
      MessageBody: msg.body,
      MessageType: 'TRANSACTIONAL',
      OriginationIdentity: 'pool-0123456789abcdef',
      ConfigurationSetName: 'onetime-sms',
      ProtectConfigurationId: 'protect-0123456789abcdef',
      TimeToLive: 300,
      MessageFeedbackEnabled: true,
    });
  });

  it('names no origination identity when none is configured (AWS picks one of the account)', async () => {
    smsVoice.on(SendTextMessageCommand).resolves({ MessageId: 'eum-2' });
    await new EndUserMessagingSmsSender(client()).send(message('sms'));
    const input = smsVoice.commandCalls(SendTextMessageCommand)[0]!.args[0].input;
    expect(input).not.toHaveProperty('OriginationIdentity');
    expect(input.MessageFeedbackEnabled).toBe(true);
  });

  it('retries throttling with backoff, then gives up as a retryable DeliveryError (a 502 at the door)', async () => {
    smsVoice
      .on(SendTextMessageCommand)
      .rejects(new ThrottlingException({ message: `Rate exceeded for ${PHONE}`, ...meta }));
    const { waits, sleep } = fakeSleep();
    const error = await expectDeliveryError(
      new EndUserMessagingSmsSender(client(), { sleep, maxAttempts: 3 }).send(message('sms')),
    );
    expect(smsVoice.commandCalls(SendTextMessageCommand)).toHaveLength(3);
    expect(waits).toHaveLength(2);
    expect(error.retryable).toBe(true);
    expect(error.providerLimit).toBeUndefined();
  });

  it.each([
    ['DESTINATION_PHONE_NUMBER_OPTED_OUT', 'an opted-out number'],
    ['DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION', 'a country the protect configuration blocks'],
    [
      'DESTINATION_PHONE_NUMBER_BLOCKED_BY_PROTECT_NUMBER_OVERRIDE',
      'a number the protect configuration blocks',
    ],
  ])('refuses %s (%s) at once: final, named in the log line, never quoting the number', async (reason) => {
    smsVoice.on(SendTextMessageCommand).rejects(
      new ConflictException({
        message: `${PHONE} refused`,
        Reason: reason as never,
        ResourceType: undefined,
        ResourceId: undefined,
        ...meta,
      }),
    );
    const { waits, sleep } = fakeSleep();
    const error = await expectDeliveryError(
      new EndUserMessagingSmsSender(client(), { sleep }).send(message('sms')),
    );
    expect(waits).toEqual([]);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      `sms delivery failed for verification ver_123: ConflictException ${reason} (HTTP 400)`,
    );
    expect(error.providerLimit).toBeUndefined();
  });
});

describe('NotifySender ("you generate the code")', () => {
  const options = {
    configurationId: 'nc-0123456789abcdef0',
    templateIds: { en: 'notify-code-verification-english-001', fr: 'notify-code-verification-french-001' },
  };

  it('sends the code as the template variable, in the template for the locale, asking for feedback', async () => {
    smsVoice.on(SendNotifyTextMessageCommand).resolves({ MessageId: 'notify-1', ResolvedMessageBody: 'x' });
    const sender = new NotifySender(client(), { ...options, configurationSetName: 'onetime-sms' });
    await expect(sender.send(message('sms', 'fr'))).resolves.toEqual({
      providerMessageId: 'notify-1',
      feedback: true,
    });
    expect(smsVoice.commandCalls(SendNotifyTextMessageCommand)[0]!.args[0].input).toEqual({
      NotifyConfigurationId: 'nc-0123456789abcdef0',
      DestinationPhoneNumber: PHONE,
      TemplateId: 'notify-code-verification-french-001',
      TemplateVariables: { code: CODE },
      TimeToLive: 300,
      ConfigurationSetName: 'onetime-sms',
      MessageFeedbackEnabled: true,
    });
  });

  it("leaves the template to the configuration's default for a locale without one", async () => {
    smsVoice.on(SendNotifyTextMessageCommand).resolves({ MessageId: 'notify-2' });
    await new NotifySender(client(), options).send(message('sms', 'de'));
    expect(smsVoice.commandCalls(SendNotifyTextMessageCommand)[0]!.args[0].input).not.toHaveProperty(
      'TemplateId',
    );
  });

  it('calls with the digits apart, each followed by a period, so they are read one by one', async () => {
    smsVoice.on(SendNotifyVoiceMessageCommand).resolves({ MessageId: 'notify-v-1' });
    await new NotifySender(client(), { ...options, voiceId: 'LEA' }).send(message('voice', 'fr'));
    expect(smsVoice.commandCalls(SendNotifyTextMessageCommand)).toHaveLength(0);
    expect(smsVoice.commandCalls(SendNotifyVoiceMessageCommand)[0]!.args[0].input).toEqual({
      NotifyConfigurationId: 'nc-0123456789abcdef0',
      DestinationPhoneNumber: PHONE,
      TemplateId: 'notify-code-verification-french-001',
      TemplateVariables: { code: '4. 8. 2. 9. 1. 3.' },
      VoiceId: 'LEA',
      TimeToLive: 300,
      MessageFeedbackEnabled: true,
    });
  });

  it('turns the daily tier limit into a 429 until the next UTC day, and a monthly spend limit into a 503', async () => {
    smsVoice
      .on(SendNotifyTextMessageCommand)
      .rejectsOnce(
        new ServiceQuotaExceededException({
          message: 'limit',
          Reason: 'DAILY_NOTIFY_TIER_MESSAGE_LIMIT',
          ...meta,
        }),
      )
      .rejectsOnce(
        new ServiceQuotaExceededException({
          message: 'limit',
          Reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_NOTIFY',
          ...meta,
        }),
      );
    const { sleep } = fakeSleep();
    const daily = await expectDeliveryError(
      new NotifySender(client(), { ...options, sleep }).send(message('sms')),
    );
    expect(daily.providerLimit?.statusCode).toBe(429);
    expect(daily.providerLimit!.retryAfterSeconds).toBeGreaterThan(0);
    expect(daily.providerLimit!.retryAfterSeconds).toBeLessThanOrEqual(86_400);
    expect(daily.message).toContain('ServiceQuotaExceededException DAILY_NOTIFY_TIER_MESSAGE_LIMIT');
    const monthly = await expectDeliveryError(
      new NotifySender(client(), { ...options, sleep }).send(message('sms')),
    );
    expect(monthly.providerLimit).toEqual({ statusCode: 503, retryAfterSeconds: 3_600 });
    expect(smsVoice.commandCalls(SendNotifyTextMessageCommand)).toHaveLength(2); // neither retried
  });

  it('retries Notify throttling (1 request a second on the Basic tier) before it gives up', async () => {
    smsVoice
      .on(SendNotifyTextMessageCommand)
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', ...meta }))
      .resolves({ MessageId: 'notify-3' });
    const { waits, sleep } = fakeSleep();
    await expect(new NotifySender(client(), { ...options, sleep }).send(message('sms'))).resolves.toEqual({
      providerMessageId: 'notify-3',
      feedback: true,
    });
    expect(waits).toHaveLength(1);
  });
});

describe("local mode's outbox and the deployed NotifySender", () => {
  it.each([
    ['sms', 'en'],
    ['sms', 'de'],
    ['voice', 'fr'],
    ['voice', 'it'],
  ] as const)(
    'name the same template and variables (%s, %s): one choice, not two',
    async (channel, locale) => {
      const templateIds = {
        en: 'notify-code-verification-english-001',
        fr: 'notify-code-verification-french-001',
      };
      const local = localProvidersFromEnv(
        {
          OTP_SMS_PROVIDER: 'notify',
          OTP_VOICE_PROVIDER: 'notify',
          OTP_NOTIFY_CONFIGURATION_ID: 'nc-0123456789abcdef0',
          OTP_NOTIFY_TEMPLATE_IDS: JSON.stringify(templateIds),
        },
        'Acme',
      );
      smsVoice.on(SendNotifyTextMessageCommand).resolves({ MessageId: 'n' });
      smsVoice.on(SendNotifyVoiceMessageCommand).resolves({ MessageId: 'n' });
      const msg = message(channel, locale);
      await new NotifySender(client(), { configurationId: 'nc-0123456789abcdef0', templateIds }).send(msg);
      const command = channel === 'voice' ? SendNotifyVoiceMessageCommand : SendNotifyTextMessageCommand;
      const sent = smsVoice.commandCalls(command)[0]!.args[0].input;
      const shown = describeSend(msg, local).deployedSend;
      expect(shown).toMatchObject({
        notifyConfigurationId: sent.NotifyConfigurationId,
        templateId: sent.TemplateId ?? null,
        templateVariables: sent.TemplateVariables,
      });
    },
  );
});

describe('providerLimitOf', () => {
  it('counts the seconds to the next UTC midnight for the daily tier limit; other reasons are no limit', () => {
    const at = Date.UTC(2026, 11, 3, 23, 59, 0);
    expect(providerLimitOf('DAILY_NOTIFY_TIER_MESSAGE_LIMIT', at)).toEqual({
      statusCode: 429,
      retryAfterSeconds: 60,
    });
    expect(providerLimitOf('MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT', at)?.statusCode).toBe(503);
    expect(providerLimitOf('DESTINATION_PHONE_NUMBER_OPTED_OUT', at)).toBeUndefined();
  });
});

describe('EndUserMessagingVoiceSender with a protect configuration', () => {
  it('attaches the protect configuration and asks for feedback on every call', async () => {
    smsVoice.on(SendVoiceMessageCommand).resolves({ MessageId: 'voice-1' });
    await new EndUserMessagingVoiceSender(client(), {
      originationIdentity: 'phone-0123456789abcdef',
      protectConfigurationId: 'protect-0123456789abcdef',
    }).send(message('voice'));
    const input = smsVoice.commandCalls(SendVoiceMessageCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      ProtectConfigurationId: 'protect-0123456789abcdef',
      MessageFeedbackEnabled: true,
      TimeToLive: 300,
      MessageBodyTextType: 'SSML',
    });
  });
});
