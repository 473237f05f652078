import {
  PinpointSMSVoiceV2Client,
  SendVoiceMessageCommand,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { MessageRejected, SESClient, SESServiceException, SendEmailCommand } from '@aws-sdk/client-ses';
import {
  InvalidParameterException,
  PublishCommand,
  SNSClient,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { deliverWithRetry, isThrottling } from '../../functions/adapters/deliver-with-retry.ts';
import {
  defaultVoiceFor,
  EndUserMessagingVoiceSender,
} from '../../functions/adapters/end-user-messaging-voice-sender.ts';
import { SesEmailSender } from '../../functions/adapters/ses-email-sender.ts';
import { SnsSmsSender } from '../../functions/adapters/sns-sms-sender.ts';
import { DeliveryError } from '../../functions/core/errors.ts';
import { renderMessage } from '../../functions/core/messages.ts';
import type { Channel } from '../../functions/core/verification.ts';
import { expectDeliveryErrorWithout, fakeSleep } from '../support/delivery.ts';

const PHONE = '+14155550123';
const EMAIL = 'ana@example.com';
const CODE = '482913';
const meta = { $metadata: { httpStatusCode: 400, requestId: 'req-1' } };
const expectDeliveryError = (send: Promise<unknown>) =>
  expectDeliveryErrorWithout(send, [PHONE, PHONE.slice(1), EMAIL, CODE]);

const message = (channel: Channel, locale = 'en') =>
  renderMessage({
    channel,
    to: channel === 'email' ? EMAIL : PHONE,
    maskedTo: 'masked',
    code: CODE,
    locale,
    appName: 'Acme',
    ttlSeconds: 300,
    originDomain: 'acme.example',
    verificationId: 'ver_123',
  });

describe('SnsSmsSender', () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => sns.reset());

  it('publishes a transactional SMS with the sender id and origination number', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'sns-1' });
    const sender = new SnsSmsSender(new SNSClient({ region: 'us-east-1' }), {
      senderId: 'ACME',
      originationNumber: '+18005550100',
    });
    const msg = message('sms');
    await expect(sender.send(msg)).resolves.toEqual({ providerMessageId: 'sns-1' });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(sns.commandCalls(PublishCommand)[0]!.args[0].input).toEqual({
      PhoneNumber: PHONE,
      Message: msg.body,
      MessageAttributes: {
        'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
        'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: 'ACME' },
        'AWS.MM.SMS.OriginationNumber': { DataType: 'String', StringValue: '+18005550100' },
      },
    });
    expect(msg.body.split('\n').at(-1)).toBe(`@acme.example #${CODE}`);
  });

  it('sends only the SMS type when no sender id or number is configured', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'sns-2' });
    await new SnsSmsSender(new SNSClient({ region: 'us-east-1' }), {}).send(message('sms'));
    expect(sns.commandCalls(PublishCommand)[0]!.args[0].input.MessageAttributes).toEqual({
      'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
    });
  });

  it('retries throttling with backoff, then succeeds', async () => {
    const throttled = new ThrottledException({ message: 'Rate exceeded', ...meta });
    sns.on(PublishCommand).rejectsOnce(throttled).rejectsOnce(throttled).resolves({ MessageId: 'sns-3' });
    const { waits, sleep } = fakeSleep();
    const sender = new SnsSmsSender(new SNSClient({ region: 'us-east-1' }), { sleep, random: () => 0.999 });
    await expect(sender.send(message('sms'))).resolves.toEqual({ providerMessageId: 'sns-3' });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(3);
    expect(waits).toEqual([99, 199]); // full jitter under 100 ms, then under 200 ms
  });

  it('gives up after maxAttempts on persistent throttling, as a retryable DeliveryError', async () => {
    sns
      .on(PublishCommand)
      .rejects(new ThrottledException({ message: `Rate exceeded for ${PHONE}`, ...meta }));
    const { waits, sleep } = fakeSleep();
    const sender = new SnsSmsSender(new SNSClient({ region: 'us-east-1' }), { maxAttempts: 3, sleep });
    const error = await expectDeliveryError(sender.send(message('sms')));
    expect(error.retryable).toBe(true);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(3);
    expect(waits).toHaveLength(2);
  });

  it('turns a permanent refusal into a DeliveryError at once, without the number or code', async () => {
    sns.on(PublishCommand).rejects(
      new InvalidParameterException({
        message: `Invalid parameter: PhoneNumber ${PHONE} ${CODE}`,
        ...meta,
      }),
    );
    const { waits, sleep } = fakeSleep();
    const sender = new SnsSmsSender(new SNSClient({ region: 'us-east-1' }), { sleep });
    const error = await expectDeliveryError(sender.send(message('sms')));
    expect(error.message).toBe(
      'sms delivery failed for verification ver_123: InvalidParameterException (HTTP 400)',
    );
    expect(error.retryable).toBe(false);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(waits).toEqual([]);
  });
});

describe('SesEmailSender', () => {
  const ses = mockClient(SESClient);
  beforeEach(() => ses.reset());

  it('sends a UTF-8 text + HTML email from the configured address', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
    const sender = new SesEmailSender(new SESClient({ region: 'us-east-1' }), {
      fromAddress: 'Acme <no-reply@acme.example>',
      replyTo: 'help@acme.example',
      configurationSetName: 'otp',
    });
    const msg = message('email', 'fr');
    await expect(sender.send(msg)).resolves.toEqual({ providerMessageId: 'ses-1' });
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input).toEqual({
      Source: 'Acme <no-reply@acme.example>',
      Destination: { ToAddresses: [EMAIL] },
      ReplyToAddresses: ['help@acme.example'],
      ConfigurationSetName: 'otp',
      Message: {
        Subject: { Data: 'Votre code de vérification Acme', Charset: 'UTF-8' },
        Body: {
          Text: { Data: msg.body, Charset: 'UTF-8' },
          Html: { Data: msg.html, Charset: 'UTF-8' },
        },
      },
    });
    expect(msg.html).toContain(CODE);
  });

  it('retries SES throttling ("Maximum sending rate exceeded"), then succeeds', async () => {
    const throttling = new SESServiceException({
      name: 'Throttling',
      $fault: 'client',
      message: 'Maximum sending rate exceeded.',
      ...meta,
    });
    ses.on(SendEmailCommand).rejectsOnce(throttling).resolves({ MessageId: 'ses-2' });
    const { waits, sleep } = fakeSleep();
    const sender = new SesEmailSender(new SESClient({ region: 'us-east-1' }), {
      fromAddress: 'no-reply@acme.example',
      sleep,
      random: () => 0.5,
    });
    await expect(sender.send(message('email'))).resolves.toEqual({ providerMessageId: 'ses-2' });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(2);
    expect(waits).toEqual([50]);
  });

  it('turns MessageRejected into a DeliveryError without the address or code', async () => {
    ses
      .on(SendEmailCommand)
      .rejects(
        new MessageRejected({ message: `Email address is not verified: ${EMAIL} (${CODE})`, ...meta }),
      );
    const sender = new SesEmailSender(new SESClient({ region: 'us-east-1' }), {
      fromAddress: 'no-reply@acme.example',
    });
    const error = await expectDeliveryError(sender.send(message('email')));
    expect(error.message).toContain('MessageRejected');
    expect(error.message).toContain('email');
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });
});

describe('EndUserMessagingVoiceSender', () => {
  const voice = mockClient(PinpointSMSVoiceV2Client);
  beforeEach(() => voice.reset());

  it('calls with the SSML, the origination identity and the configured voice', async () => {
    voice.on(SendVoiceMessageCommand).resolves({ MessageId: 'voice-1' });
    const sender = new EndUserMessagingVoiceSender(new PinpointSMSVoiceV2Client({ region: 'us-east-1' }), {
      originationIdentity: '+18005550100',
      voiceId: 'MATTHEW',
    });
    const msg = message('voice');
    await expect(sender.send(msg)).resolves.toEqual({ providerMessageId: 'voice-1', feedback: true });
    expect(voice.commandCalls(SendVoiceMessageCommand)[0]!.args[0].input).toEqual({
      DestinationPhoneNumber: PHONE,
      OriginationIdentity: '+18005550100',
      MessageBodyTextType: 'SSML',
      MessageBody: msg.ssml,
      VoiceId: 'MATTHEW',
      TimeToLive: 300,
      MessageFeedbackEnabled: true,
    });
    expect(msg.ssml).toMatch(/^<speak>/);
  });

  it('defaults to a native voice for the message language', async () => {
    voice.on(SendVoiceMessageCommand).resolves({ MessageId: 'voice-2' });
    const sender = new EndUserMessagingVoiceSender(new PinpointSMSVoiceV2Client({ region: 'us-east-1' }), {
      originationIdentity: 'pool-1',
    });
    await sender.send(message('voice', 'de'));
    await sender.send(message('voice', 'en'));
    const voices = voice.commandCalls(SendVoiceMessageCommand).map((c) => c.args[0].input.VoiceId);
    expect(voices).toEqual(['VICKI', 'JOANNA']);
    expect(defaultVoiceFor(message('voice', 'pt-PT').ssml)).toBe('INES');
    expect(defaultVoiceFor(message('voice', 'es').ssml)).toBe('LUCIA');
    expect(defaultVoiceFor(undefined)).toBe('JOANNA');
  });

  it('retries ThrottlingException, then a ValidationException becomes a DeliveryError', async () => {
    voice
      .on(SendVoiceMessageCommand)
      .rejectsOnce(new ThrottlingException({ message: 'slow down', ...meta }))
      .rejects(
        new ValidationException({
          message: `Bad destination ${PHONE}`,
          Reason: 'INVALID_PARAMETER',
          ...meta,
        }),
      );
    const { waits, sleep } = fakeSleep();
    const sender = new EndUserMessagingVoiceSender(new PinpointSMSVoiceV2Client({ region: 'us-east-1' }), {
      originationIdentity: 'pool-1',
      sleep,
    });
    const error = await expectDeliveryError(sender.send(message('voice')));
    expect(error.message).toContain('voice delivery failed for verification ver_123: ValidationException');
    expect(voice.commandCalls(SendVoiceMessageCommand)).toHaveLength(2);
    expect(waits).toHaveLength(1);
  });
});

describe('deliverWithRetry', () => {
  const msg = { channel: 'sms' as const, verificationId: 'v' };

  it('recognises throttling by name, by $retryable and by HTTP 429, and nothing else', () => {
    expect(isThrottling({ name: 'TooManyRequestsException' })).toBe(true);
    expect(isThrottling({ name: 'LimitExceeded' })).toBe(true);
    expect(isThrottling({ name: 'Whatever', $retryable: { throttling: true } })).toBe(true);
    expect(isThrottling({ name: 'Whatever', $metadata: { httpStatusCode: 429 } })).toBe(true);
    expect(isThrottling({ name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } })).toBe(
      false,
    );
    expect(isThrottling(new Error('Throttling'))).toBe(false);
    expect(isThrottling(undefined)).toBe(false);
  });

  it('caps the backoff and stops after maxAttempts', async () => {
    const { waits, sleep } = fakeSleep();
    let calls = 0;
    const send = async () => {
      calls++;
      throw Object.assign(new Error('x'), { name: 'Throttling' });
    };
    await expect(
      deliverWithRetry(msg, send, { maxAttempts: 8, sleep, random: () => 0.999999 }),
    ).rejects.toThrow(DeliveryError);
    expect(calls).toBe(8);
    expect(waits).toEqual([99, 199, 399, 799, 1599, 1999, 1999]);
  });

  it('never quotes a non-error value or a free-text name', async () => {
    const error = await expectDeliveryError(
      deliverWithRetry(msg, async () => {
        throw Object.assign(new Error('x'), { name: `bad ${PHONE}` });
      }),
    );
    expect(error.message).toBe('sms delivery failed for verification v: UnknownError');
    await expectDeliveryError(
      deliverWithRetry(msg, () => Promise.reject(`${PHONE} ${CODE}`), { sleep: async () => {} }),
    );
  });
});
