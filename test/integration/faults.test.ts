/**
 * What callers see when something behind the service fails: a channel provider that refuses or
 * throttles (the real SNS, SES and SMS-Voice adapters over mocked SDK clients), and DynamoDB that
 * throttles or breaks (a real client to DynamoDB Local with a fault injected in its middleware).
 */

import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { PinpointSMSVoiceV2Client, SendVoiceMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendWhatsAppMessageCommand, SocialMessagingClient } from '@aws-sdk/client-socialmessaging';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, inject, it } from 'vitest';
import { EndUserMessagingVoiceSender } from '../../functions/adapters/end-user-messaging-voice-sender.ts';
import { SesEmailSender } from '../../functions/adapters/ses-email-sender.ts';
import { SnsPushSender } from '../../functions/adapters/sns-push-sender.ts';
import { SnsSmsSender } from '../../functions/adapters/sns-sms-sender.ts';
import { SocialMessagingWhatsAppSender } from '../../functions/adapters/social-messaging-whatsapp-sender.ts';
import { auditedServices } from '../support/audit.ts';
import { routes, type TestResponse } from '../support/service.ts';
import { idOf } from './helpers.ts';

const services = auditedServices();
const ANA_PHONE = '+14155550123';
const ANA_EMAIL = 'ana@example.com';
const PUSH_APP = 'arn:aws:sns:eu-west-1:123456789012:app/APNS/acme-ios';
const ANA_DEVICE =
  'arn:aws:sns:eu-west-1:123456789012:endpoint/APNS/acme-ios/5e3e9847-3183-3f18-a7e8-671c3a57d4b3';
const noWait = async () => {};
const awsClientConfig = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
};

/** An error shaped as the SDK throws it; providers' messages can quote the destination. */
function providerError(name: string, httpStatusCode: number, message: string) {
  return Object.assign(new Error(message), {
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode, requestId: 'req-0001', attempts: 1, totalRetryDelay: 0 },
  });
}

/** The real channel adapters over mocked AWS clients. */
function mockedChannels() {
  const sns = mockClient(new SNSClient(awsClientConfig));
  const ses = mockClient(new SESClient(awsClientConfig));
  const voice = mockClient(new PinpointSMSVoiceV2Client(awsClientConfig));
  const whatsapp = mockClient(new SocialMessagingClient(awsClientConfig));
  const push = mockClient(new SNSClient(awsClientConfig));
  sns.on(PublishCommand).resolves({ MessageId: 'sns-1' });
  push.on(PublishCommand).resolves({ MessageId: 'push-1' });
  whatsapp.on(SendWhatsAppMessageCommand).resolves({ messageId: 'wa-1' });
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
  voice.on(SendVoiceMessageCommand).resolves({ MessageId: 'voice-1' });
  const senders = {
    sms: new SnsSmsSender(sns as unknown as SNSClient, { sleep: noWait }),
    email: new SesEmailSender(ses as unknown as SESClient, {
      fromAddress: 'no-reply@onetime.example',
      sleep: noWait,
    }),
    voice: new EndUserMessagingVoiceSender(voice as unknown as PinpointSMSVoiceV2Client, {
      originationIdentity: '+18005550100',
      sleep: noWait,
    }),
    whatsapp: new SocialMessagingWhatsAppSender(whatsapp as unknown as SocialMessagingClient, {
      phoneNumberId: 'phone-number-id-0123456789abcdef0123456789abcdef',
      templateName: 'verification_code',
      templateLanguages: ['en_US'],
      metaApiVersion: 'v20.0',
      sleep: noWait,
    }),
    push: new SnsPushSender(push as unknown as SNSClient, { sleep: noWait }),
  };
  /** The texts each provider was asked to deliver, oldest first. */
  const delivered = () => [
    ...sns.commandCalls(PublishCommand).map((c) => c.args[0].input.Message ?? ''),
    ...ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input.Message?.Body?.Text?.Data ?? ''),
    ...voice.commandCalls(SendVoiceMessageCommand).map((c) => c.args[0].input.MessageBody ?? ''),
    // The template's body parameter: the code itself.
    ...whatsapp
      .commandCalls(SendWhatsAppMessageCommand)
      .map(
        (c) =>
          JSON.parse(new TextDecoder().decode(c.args[0].input.message)).template.components[0].parameters[0]
            .text as string,
      ),
    // The notification's data: the code itself.
    ...push
      .commandCalls(PublishCommand)
      .map((c) => JSON.parse(JSON.parse(c.args[0].input.Message ?? '{}').APNS).code as string),
  ];
  return { sns, ses, voice, whatsapp, push, senders, delivered };
}

/** The 6-digit code in a provider's text: plain in SMS and email, between SSML tags in a call. */
const codeInText = (text: string) =>
  text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\D/g, '')
    .slice(0, 6);

async function withMockedChannels() {
  const channels = mockedChannels();
  const s = await services.create({
    senders: channels.senders,
    settings: { pushPlatformApplications: [PUSH_APP] },
  });
  const api = routes(s);
  const remember = () =>
    services.remember(s, {
      codes: channels.delivered().map(codeInText),
      destinations: [ANA_PHONE, ANA_EMAIL, ANA_DEVICE],
    });
  return { ...channels, s, api, remember };
}

function expectNoInternals(answer: TestResponse, ...secrets: string[]) {
  const raw = answer.raw.body;
  expect(raw).not.toMatch(/\n\s+at |Error:|Exception|node_modules|\.ts:\d+/);
  for (const secret of secrets) expect(raw).not.toContain(secret);
}

describe('A channel that refuses the message', () => {
  const refusals = {
    sms: {
      to: ANA_PHONE,
      error: providerError('InvalidParameterException', 400, `Invalid parameter: PhoneNumber ${ANA_PHONE}`),
    },
    email: {
      to: ANA_EMAIL,
      error: providerError('MessageRejected', 400, `Email address is not verified: ${ANA_EMAIL}`),
    },
    voice: {
      to: ANA_PHONE,
      error: providerError('ValidationException', 400, `Destination ${ANA_PHONE} is opted out`),
    },
    // Meta's answer for a number with no WhatsApp account, relayed by End User Messaging Social.
    whatsapp: {
      to: ANA_PHONE,
      error: providerError('DependencyException', 502, `(#131026) Message undeliverable to ${ANA_PHONE}`),
    },
    // The app was uninstalled or its token expired: SNS disabled the endpoint.
    push: {
      to: ANA_DEVICE,
      error: providerError('EndpointDisabledException', 400, `Endpoint ${ANA_DEVICE} is disabled`),
    },
  } as const;

  it.each(Object.keys(refusals) as (keyof typeof refusals)[])(
    'answers 502 delivery_failed when the %s provider refuses, and the verification is closed',
    async (channel) => {
      const { to, error } = refusals[channel];
      const m = await withMockedChannels();
      const clients = {
        sms: 'sns',
        email: 'ses',
        voice: 'voice',
        whatsapp: 'whatsapp',
        push: 'push',
      } as const;
      m[clients[channel]].rejects(error);

      const refused = await m.api.send({ to, channel });
      m.remember();
      expect(refused.status).toBe(502);
      expect(refused.body).toEqual({ error: { code: 'delivery_failed', message: expect.any(String) } });
      expectNoInternals(refused, to, error.name);

      // The id is not in the 502; the log line names it, as an operator would find it.
      const failure = m.s.logs.map((line) => JSON.parse(line)).find((l) => l.message === 'delivery failed');
      expect(failure).toMatchObject({ level: 'WARN', channel });
      const id = failure.verificationId as string;
      expect((await m.api.get(id)).body['status']).toBe('delivery_failed');
      const code = codeInText(m.delivered()[0]!);
      const check = await m.api.check(id, { code });
      expect([check.status, check.body['status']]).toEqual([409, 'delivery_failed']);
    },
  );

  it('retries a throttled SMS provider and the code still arrives', async () => {
    const m = await withMockedChannels();
    m.sns
      .on(PublishCommand)
      .rejectsOnce(providerError('ThrottlingException', 429, 'Rate exceeded'))
      .resolves({ MessageId: 'sns-2' });

    const sent = await m.api.send({ to: ANA_PHONE, channel: 'sms' });
    m.remember();
    expect(sent.status).toBe(201);
    expect(m.sns.commandCalls(PublishCommand)).toHaveLength(2);
    const [first, second] = m.delivered();
    expect(second).toBe(first);
    expect((await m.api.check(idOf(sent), { code: codeInText(first!) })).body['status']).toBe('approved');
  });

  it('gives up on an SMS provider that stays throttled with 502 after a bounded number of tries', async () => {
    const m = await withMockedChannels();
    m.sns.on(PublishCommand).rejects(providerError('ThrottlingException', 429, 'Rate exceeded'));

    const refused = await m.api.send({ to: ANA_PHONE, channel: 'sms' });
    m.remember();
    expect(refused.status).toBe(502);
    expect(m.sns.commandCalls(PublishCommand)).toHaveLength(4);
  });

  it('gives a push resend a time-to-live of what is left of the code, on APNs and FCM alike', async () => {
    const m = await withMockedChannels();
    const first = await m.api.send({ to: ANA_DEVICE, channel: 'push' });
    m.s.clock.advance(100);
    const resent = await m.api.send({ to: ANA_DEVICE, channel: 'push' });
    m.remember();
    expect([first.status, resent.status, resent.body['id']]).toEqual([201, 200, first.body['id']]);
    const ttls = m.push.commandCalls(PublishCommand).map((c) => {
      const attributes = c.args[0].input.MessageAttributes ?? {};
      const fcm = JSON.parse(JSON.parse(c.args[0].input.Message ?? '{}').GCM).fcmV1Message.message.android
        .ttl;
      return [
        attributes['AWS.SNS.MOBILE.APNS.TTL']?.StringValue,
        attributes['AWS.SNS.MOBILE.FCM.TTL']?.StringValue,
        fcm,
      ];
    });
    expect(ttls).toEqual([
      ['300', '300', '300s'],
      ['200', '200', '200s'],
    ]);
  });

  it('retries a throttled WhatsApp provider, then answers 502 with the verification closed', async () => {
    const m = await withMockedChannels();
    m.whatsapp
      .on(SendWhatsAppMessageCommand)
      .rejects(providerError('ThrottledRequestException', 429, 'Rate exceeded'));

    const refused = await m.api.send({ to: ANA_PHONE, channel: 'whatsapp' });
    m.remember();
    expect(refused.status).toBe(502);
    expect(m.whatsapp.commandCalls(SendWhatsAppMessageCommand)).toHaveLength(4);
    const failure = m.s.logs.map((line) => JSON.parse(line)).find((l) => l.message === 'delivery failed');
    expect((await m.api.get(failure.verificationId)).body['status']).toBe('delivery_failed');
  });

  it('keeps the verification when a voice resend is refused: the SMS code the person has still approves', async () => {
    const m = await withMockedChannels();
    m.voice.on(SendVoiceMessageCommand).rejects(providerError('ServiceQuotaExceededException', 402, 'quota'));
    const id = idOf(await m.api.send({ to: ANA_PHONE, channel: 'sms' }));
    m.s.clock.advance(30);

    const voice = await m.api.send({ to: ANA_PHONE, channel: 'voice' });
    m.remember();
    expect(voice.status).toBe(502);
    const code = codeInText(m.delivered()[0]!);
    expect(codeInText(m.delivered()[1]!)).toBe(code);
    const check = await m.api.check(id, { code });
    expect([check.status, check.body['status']]).toEqual([200, 'approved']);
  });
});

/** A DynamoDB client to the run's DynamoDB Local whose requests fail while `fault` says so. */
function faultyDynamoDb() {
  const client = new DynamoDBClient({ ...awsClientConfig, endpoint: inject('dynamodbEndpoint') });
  const fault = {
    /** Requests still to fail; Infinity fails every one. */
    remaining: 0,
    /** Only requests of this command fail, e.g. 'TransactWriteItemsCommand'; all when unset. */
    command: undefined as string | undefined,
    make: (): Error =>
      new ProvisionedThroughputExceededException({
        message: 'The level of configured provisioned throughput for the table was exceeded.',
        $metadata: { httpStatusCode: 400 },
      }),
    injected: 0,
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (fault.remaining > 0 && (fault.command === undefined || context.commandName === fault.command)) {
        fault.remaining--;
        fault.injected++;
        throw fault.make();
      }
      return next(args);
    },
    // Inside the SDK's retry middleware, as a real answer from DynamoDB would be.
    { step: 'finalizeRequest', priority: 'low', name: 'injectFault' },
  );
  return { client, fault };
}

describe('DynamoDB faults', () => {
  it('retries throttled DynamoDB requests so the caller never notices', async () => {
    const { client, fault } = faultyDynamoDb();
    const s = await services.create({ client });
    const api = routes(s);

    fault.remaining = 2;
    const sent = await api.send({ to: ANA_PHONE, channel: 'sms' });
    expect(sent.status).toBe(201);
    expect(fault.injected).toBe(2);

    fault.remaining = 2;
    const approved = await api.check(idOf(sent), { code: s.lastCode() });
    expect(approved.body).toMatchObject({ status: 'approved', valid: true });
    expect(fault.injected).toBe(4);
    expect(s.outbox.messages).toHaveLength(1);
  });

  it('answers a generic 500 internal_error when throttling outlasts the retries', async () => {
    const { client, fault } = faultyDynamoDb();
    const s = await services.create({ client });
    fault.remaining = Number.POSITIVE_INFINITY;

    const failed = await routes(s).send({ to: ANA_PHONE, channel: 'sms' });
    expect(failed.status).toBe(500);
    expect(failed.body).toEqual({ error: { code: 'internal_error', message: expect.any(String) } });
    expectNoInternals(failed, 'ProvisionedThroughput', 'provisioned throughput');
    expect(fault.injected).toBe(await client.config.maxAttempts()); // every attempt the SDK makes
    expect(s.outbox.messages).toEqual([]);
  });

  it('answers every route with a generic 500 and no detail when the store breaks', async () => {
    const { client, fault } = faultyDynamoDb();
    const s = await services.create({ client });
    const api = routes(s);
    const id = idOf(await api.send({ to: ANA_PHONE, channel: 'sms' }));
    const code = s.lastCode();
    fault.make = () => new TypeError(`Cannot read properties of undefined (reading 'pk') in ${s.tableName}`);
    fault.remaining = Number.POSITIVE_INFINITY;

    s.clock.advance(30);
    const answers = [
      await api.send({ to: ANA_PHONE, channel: 'sms' }),
      await api.check(id, { code }),
      await api.get(id),
      await api.cancel(id),
    ];
    for (const failed of answers) {
      expect(failed.status).toBe(500);
      expect(failed.body).toEqual({ error: { code: 'internal_error', message: expect.any(String) } });
      expectNoInternals(failed, s.tableName, 'Cannot read', 'TypeError');
    }
    // Operators still learn what happened, from the logs.
    const logged = s.logs.filter((line) => line.includes('TypeError'));
    expect(logged).toHaveLength(4);
    // With where it was thrown: the stack's frames.
    for (const line of logged) {
      const { stack } = JSON.parse(line) as { stack?: string };
      expect(stack?.split('\n')[1]).toMatch(/^\s+at /);
    }

    fault.remaining = 0;
    expect((await api.check(id, { code })).body['status']).toBe('approved');
  });

  it('lets a request that failed on our side be retried with the same Idempotency-Key', async () => {
    const { client, fault } = faultyDynamoDb();
    const s = await services.create({ client });
    const api = routes(s);
    fault.command = 'TransactWriteItemsCommand';
    fault.remaining = Number.POSITIVE_INFINITY;

    const failed = await api.send({ to: ANA_PHONE, channel: 'sms' }, { 'Idempotency-Key': 'k-1' });
    expect(failed.status).toBe(500);

    fault.remaining = 0;
    const retried = await api.send({ to: ANA_PHONE, channel: 'sms' }, { 'Idempotency-Key': 'k-1' });
    expect(retried.status).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(s.outbox.messages).toHaveLength(1);
  });
});
