import {
  EndpointDisabledException,
  PublishCommand,
  SNSClient,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { SnsPushSender } from '../../functions/adapters/sns-push-sender.ts';
import { parseDestination } from '../../functions/core/destination.ts';
import { maskDestination } from '../../functions/core/masking.ts';
import { renderMessage } from '../../functions/core/messages.ts';
import { maskPushEndpoint, parsePushEndpoint } from '../../functions/core/push-endpoints.ts';
import { expectDeliveryErrorWithout, fakeSleep } from '../support/delivery.ts';

const ACCOUNT = 'arn:aws:sns:eu-west-1:123456789012';
const IOS_APP = `${ACCOUNT}:app/APNS/acme-ios`;
const ANDROID_APP = `${ACCOUNT}:app/GCM/acme-android`;
const APPS = [IOS_APP, ANDROID_APP];
const IOS_DEVICE = `${ACCOUNT}:endpoint/APNS/acme-ios/5e3e9847-3183-3f18-a7e8-671c3a57d4b3`;
const CODE = '482913';
const meta = (status: number) => ({ $metadata: { httpStatusCode: status, requestId: 'req-1' } });

const message = (ttlSeconds = 300, locale = 'en') =>
  renderMessage({
    channel: 'push',
    to: IOS_DEVICE,
    maskedTo: maskDestination(IOS_DEVICE),
    code: CODE,
    locale,
    appName: 'Acme',
    ttlSeconds,
    verificationId: 'ver_123',
  });

describe('push destinations', () => {
  it('take an endpoint ARN of a configured application, and name it by its ARN', () => {
    expect(parseDestination('push', ` ${IOS_DEVICE} `, ['US'], APPS)).toEqual({
      to: IOS_DEVICE,
      canonical: IOS_DEVICE,
    });
    expect(parsePushEndpoint(IOS_DEVICE)).toEqual({
      arn: IOS_DEVICE,
      platform: 'APNS',
      application: IOS_APP,
    });
  });

  it('refuse anything else with 400 on `to`: another app, a topic, a phone number, an application', () => {
    for (const bad of [
      `${ACCOUNT}:endpoint/APNS/other-app/5e3e9847-3183-3f18-a7e8-671c3a57d4b3`,
      `arn:aws:sns:eu-west-1:999999999999:endpoint/APNS/acme-ios/5e3e9847-3183-3f18-a7e8-671c3a57d4b3`,
      `${ACCOUNT}:endpoint/GCM/acme-ios/5e3e9847-3183-3f18-a7e8-671c3a57d4b3`,
      `${ACCOUNT}:otp-topic`,
      IOS_APP,
      '+14155550123',
      `${IOS_DEVICE}/x`,
      `${ACCOUNT}:endpoint/ADM/acme-ios/5e3e9847-3183-3f18-a7e8-671c3a57d4b3`,
    ]) {
      expect(() => parseDestination('push', bad, ['*'], APPS), bad).toThrow(
        expect.objectContaining({ statusCode: 400, options: { field: 'to' } }),
      );
    }
    // No applications configured: no endpoint is acceptable.
    expect(() => parseDestination('push', IOS_DEVICE, ['*'])).toThrow(/push applications/);
  });

  it('are masked to their platform and last 4 characters', () => {
    expect(maskDestination(IOS_DEVICE)).toBe('APNS:****d4b3');
    fc.assert(
      fc.property(
        fc.uuid({ version: 4 }),
        fc.constantFrom('APNS', 'APNS_SANDBOX', 'GCM'),
        (uuid, platform) => {
          const arn = `${ACCOUNT}:endpoint/${platform}/acme/${uuid}`;
          const masked = maskPushEndpoint(arn);
          expect(masked).toBe(`${platform}:****${uuid.slice(-4)}`);
          expect(masked).not.toContain(uuid.slice(0, 8));
          expect(masked).not.toContain('123456789012');
        },
      ),
      { seed: 1313 },
    );
  });
});

describe('the push notification', () => {
  it('is localised: the title and the text, with the code; it lives no longer than the code', () => {
    expect(message()).toMatchObject({
      subject: 'Your Acme verification code',
      body: "Your Acme code is 482913. It expires in 5 minutes. Don't share it.",
      code: CODE,
      ttlSeconds: 300,
    });
    expect(message(300, 'fr').subject).toBe('Votre code de vérification Acme');
    expect(message(42.7).ttlSeconds).toBe(42);
  });
});

describe('SnsPushSender', () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => sns.reset());
  const sender = (sleep = fakeSleep().sleep) =>
    new SnsPushSender(new SNSClient({ region: 'eu-west-1' }), { sleep });

  it('publishes to the endpoint with an APNs and an FCM payload and TTLs of the remaining validity', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'push-1' });
    const msg = message(120);

    await expect(sender().send(msg)).resolves.toEqual({ providerMessageId: 'push-1' });

    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input.TargetArn).toBe(IOS_DEVICE);
    expect(input.PhoneNumber).toBeUndefined();
    expect(input.MessageStructure).toBe('json');
    const ttl = { DataType: 'String', StringValue: '120' };
    expect(input.MessageAttributes).toEqual({
      'AWS.SNS.MOBILE.APNS.TTL': ttl,
      'AWS.SNS.MOBILE.APNS_SANDBOX.TTL': ttl,
      'AWS.SNS.MOBILE.FCM.TTL': ttl,
      'AWS.SNS.MOBILE.APNS.PUSH_TYPE': { DataType: 'String', StringValue: 'alert' },
      'AWS.SNS.MOBILE.APNS.PRIORITY': { DataType: 'String', StringValue: '10' },
    });
    const payloads = JSON.parse(input.Message!) as Record<string, string>;
    expect(Object.keys(payloads).sort()).toEqual(['APNS', 'APNS_SANDBOX', 'GCM', 'default']);
    expect(payloads['default']).toBe(msg.body);
    const apns = {
      aps: { alert: { title: msg.subject, body: msg.body }, sound: 'default' },
      verificationId: 'ver_123',
      code: CODE,
    };
    expect(JSON.parse(payloads['APNS']!)).toEqual(apns);
    expect(JSON.parse(payloads['APNS_SANDBOX']!)).toEqual(apns);
    expect(JSON.parse(payloads['GCM']!)).toEqual({
      fcmV1Message: {
        message: {
          notification: { title: msg.subject, body: msg.body },
          data: { verificationId: 'ver_123', code: CODE },
          android: { priority: 'high', ttl: '120s' },
        },
      },
    });
  });

  it('takes a disabled endpoint as final: one call, a DeliveryError that is not retryable', async () => {
    sns
      .on(PublishCommand)
      .rejects(
        new EndpointDisabledException({ message: `Endpoint ${IOS_DEVICE} is disabled`, ...meta(400) }),
      );

    const error = await expectDeliveryErrorWithout(sender().send(message()), [IOS_DEVICE, CODE]);

    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      'push delivery failed for verification ver_123: EndpointDisabledException (HTTP 400)',
    );
  });

  it('retries SNS throttling, then gives up retryable', async () => {
    const { waits, sleep } = fakeSleep();
    sns.on(PublishCommand).rejects(new ThrottledException({ message: 'Rate exceeded', ...meta(429) }));

    const error = await expectDeliveryErrorWithout(sender(sleep).send(message()), [IOS_DEVICE, CODE]);

    expect(sns.commandCalls(PublishCommand)).toHaveLength(4);
    expect(waits).toHaveLength(3);
    expect(error.retryable).toBe(true);
  });
});
