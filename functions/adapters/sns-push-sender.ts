/**
 * Push notifications through Amazon SNS mobile push: `Publish` to a platform endpoint (`TargetArn`)
 * with `MessageStructure: 'json'`, one payload per platform (APNs production and sandbox, FCM v1), and
 * a time-to-live no longer than the code's remaining validity, so a phone that comes online later is
 * not shown a dead code.
 */
import { type MessageAttributeValue, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DeliveryError } from '../core/errors.ts';
import type { MessageSender, OutgoingMessage } from '../core/ports.ts';
import { deliverWithRetry, type RetryOptions } from './deliver-with-retry.ts';

/**
 * SNS's final word on this endpoint or its application: disabled (the app was uninstalled, the token
 * expired), or refused as invalid. Not retried; the verification records the refused delivery.
 */
export const PUSH_REFUSALS = [
  'EndpointDisabledException',
  'PlatformApplicationDisabledException',
  'InvalidParameterException',
  'NotFoundException',
] as const;

const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

/** The `Message` of a `MessageStructure: 'json'` publish: each platform's payload as a string. */
export function pushPayloads(
  message: Pick<OutgoingMessage, 'subject' | 'body' | 'code' | 'verificationId'>,
  ttlSeconds: number,
) {
  const title = message.subject ?? '';
  // What an app reads to fill the code in: the verification it belongs to, and the code.
  const data = { verificationId: message.verificationId, ...(message.code ? { code: message.code } : {}) };
  const apns = JSON.stringify({
    aps: { alert: { title, body: message.body }, sound: 'default' },
    ...data,
  });
  const fcm = JSON.stringify({
    fcmV1Message: {
      message: {
        notification: { title, body: message.body },
        data,
        android: { priority: 'high', ttl: `${ttlSeconds}s` },
      },
    },
  });
  return { default: message.body, APNS: apns, APNS_SANDBOX: apns, GCM: fcm };
}

export class SnsPushSender implements MessageSender {
  constructor(
    private readonly client: SNSClient,
    private readonly options: RetryOptions = {},
  ) {}

  async send(message: OutgoingMessage): Promise<{ providerMessageId?: string }> {
    if (message.ttlSeconds === undefined) {
      throw new DeliveryError(`push message for verification ${message.verificationId} has no time-to-live`);
    }
    const ttl = String(message.ttlSeconds);
    const command = new PublishCommand({
      TargetArn: message.to,
      MessageStructure: 'json',
      Message: JSON.stringify(pushPayloads(message, message.ttlSeconds)),
      MessageAttributes: {
        'AWS.SNS.MOBILE.APNS.TTL': text(ttl),
        'AWS.SNS.MOBILE.APNS_SANDBOX.TTL': text(ttl),
        'AWS.SNS.MOBILE.FCM.TTL': text(ttl),
        // A visible alert, delivered at once (APNs priority 10).
        'AWS.SNS.MOBILE.APNS.PUSH_TYPE': text('alert'),
        'AWS.SNS.MOBILE.APNS.PRIORITY': text('10'),
      },
    });
    const output = await deliverWithRetry(message, () => this.client.send(command), {
      refusals: PUSH_REFUSALS,
      ...this.options,
    });
    return output.MessageId === undefined ? {} : { providerMessageId: output.MessageId };
  }
}
