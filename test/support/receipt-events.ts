/**
 * Delivery receipts as the providers deliver them to the receipts function, for the unit and
 * integration tests: SNS SMS delivery status log lines inside a CloudWatch Logs subscription event,
 * SES events from EventBridge, SMS-Voice v2 voice events through SNS. Field names and sample values
 * follow the providers' documentation (cited in functions/receipts/*.ts).
 */
import { gzipSync } from 'node:zlib';
import type { CloudWatchLogsEvent, SNSEvent } from 'aws-lambda';
import type { SesEvent } from '../../functions/receipts/ses-events.ts';

/** An SNS SMS delivery status log line (https://repost.aws/knowledge-center/monitor-sns-texts-cloudwatch). */
export function snsSmsLogLine(options: { destination: string; timestamp: string; success: boolean }) {
  return JSON.stringify(
    options.success
      ? {
          notification: { messageId: '34d9b400-c6dd-5444-820d-fbeb0f1f54cf', timestamp: options.timestamp },
          delivery: {
            phoneCarrier: 'My Phone Carrier',
            mnc: 270,
            destination: options.destination,
            priceInUSD: 0.00645,
            smsType: 'Transactional',
            mcc: 310,
            providerResponse: 'Message has been accepted by phone carrier',
            dwellTimeMs: 599,
            dwellTimeMsUntilDeviceAck: 1344,
          },
          status: 'SUCCESS',
        }
      : {
          notification: { messageId: '1077257a-92f3-5ca3-bc97-6a915b310625', timestamp: options.timestamp },
          delivery: {
            mnc: 0,
            destination: options.destination,
            priceInUSD: 0.00645,
            smsType: 'Transactional',
            mcc: 0,
            providerResponse: 'Unknown error attempting to reach phone',
            dwellTimeMs: 1420,
            dwellTimeMsUntilDeviceAck: 1692,
          },
          status: 'FAILURE',
        },
  );
}

/** A CloudWatch Logs subscription event: base64 of gzip of the decoded JSON. */
export function cloudWatchLogsEvent(
  lines: Array<{ message: string; timestamp: number }>,
  options: { failureGroup?: boolean; messageType?: string } = {},
): CloudWatchLogsEvent {
  const decoded = {
    messageType: options.messageType ?? 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup: `sns/eu-west-1/123456789012/DirectPublishToPhoneNumber${options.failureGroup ? '/Failure' : ''}`,
    logStream: '5f3c1a1e-5b5b-4b8e-9d2a-6b4f1a0c2d3e',
    subscriptionFilters: ['onetime-delivery-receipts'],
    logEvents: lines.map((line, i) => ({ id: String(36_000_000 + i), ...line })),
  };
  return { awslogs: { data: gzipSync(JSON.stringify(decoded)).toString('base64') } };
}

/** `2026-11-23 10:00:00.250` as SNS writes `notification.timestamp` (UTC, no zone). */
export const snsTime = (epochMs: number) =>
  new Date(epochMs).toISOString().replace('T', ' ').replace('Z', '');

/** An SES event as EventBridge delivers it from a configuration set's event destination. */
export function sesEvent(options: {
  eventType: 'Delivery' | 'Bounce' | 'Complaint' | 'DeliveryDelay' | 'Reject' | 'Rendering Failure';
  destination: string;
  sentAt: number;
  at: number;
}): SesEvent {
  const { eventType, destination } = options;
  const sent = new Date(options.sentAt).toISOString();
  const at = new Date(options.at).toISOString();
  const detailType = {
    Delivery: 'Email Delivered',
    Bounce: 'Email Bounced',
    Complaint: 'Email Complaint Received',
    DeliveryDelay: 'Email Delivery Delayed',
    Reject: 'Email Rejected',
    'Rendering Failure': 'Email Rendering Failed',
  }[eventType];
  const part = {
    Delivery: {
      delivery: {
        timestamp: at,
        processingTimeMillis: 546,
        recipients: [destination],
        smtpResponse: '250 ok:  Message 64111812 accepted',
        reportingMTA: 'a8-70.smtp-out.amazonses.com',
      },
    },
    Bounce: {
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [
          {
            emailAddress: destination,
            action: 'failed',
            status: '5.1.1',
            diagnosticCode: 'smtp; 550 5.1.1 user unknown',
          },
        ],
        timestamp: at,
        feedbackId: '0100015a1b7d8c2f-9a14e7b5-0e8a-4d39-a8e6-1b45c3d0e5f1-000000',
        reportingMTA: 'dsn; e226-55.smtp-out.us-west-2.amazonses.com',
      },
    },
    Complaint: {
      complaint: {
        complainedRecipients: [{ emailAddress: destination }],
        timestamp: at,
        feedbackId: '0100015a1b7d8c2f-complaint-000000',
        complaintFeedbackType: 'abuse',
      },
    },
    DeliveryDelay: {
      deliveryDelay: {
        timestamp: at,
        delayType: 'TransientCommunicationFailure',
        expirationTime: new Date(options.at + 86_400_000).toISOString(),
        delayedRecipients: [
          { emailAddress: destination, status: '4.4.1', diagnosticCode: 'smtp; 421 4.4.1' },
        ],
      },
    },
    Reject: { reject: { reason: 'Bad content' } },
    'Rendering Failure': { failure: { errorMessage: 'Attribute missing', templateName: 'x' } },
  }[eventType];
  return {
    version: '0',
    id: 'e8a3f1c4-2f9e-4f1b-a3d8-5c1b2e9f0a7d',
    'detail-type': detailType,
    source: 'aws.ses',
    account: '123456789012',
    time: at.replace(/\.\d{3}Z$/, 'Z'),
    region: 'eu-west-1',
    resources: ['arn:aws:ses:eu-west-1:123456789012:configuration-set/onetime'],
    detail: {
      eventType,
      mail: {
        timestamp: sent,
        source: 'no-reply@acme.example',
        sourceArn: 'arn:aws:ses:eu-west-1:123456789012:identity/acme.example',
        sendingAccountId: '123456789012',
        messageId: '010201860d89bc12-7ce77242-b9cf-492d-a880-7f5401590119-000000',
        destination: [destination],
        headersTruncated: false,
        tags: { 'ses:configuration-set': ['onetime'], 'ses:from-domain': ['acme.example'] },
      },
      ...part,
    },
  };
}

/** SMS-Voice v2 voice events, as the configuration set's SNS event destination delivers them. */
export function voiceSnsEvent(
  events: Array<{ eventType: string; destination: string; requestedAt: number; at: number }>,
): SNSEvent {
  return {
    Records: events.map((e, i) => ({
      EventVersion: '1.0',
      EventSubscriptionArn:
        'arn:aws:sns:eu-west-1:123456789012:onetime-voice-events:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55',
      EventSource: 'aws:sns',
      Sns: {
        SignatureVersion: '1',
        Timestamp: new Date(e.at).toISOString(),
        Signature: 'EXAMPLE',
        SigningCertUrl: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-EXAMPLE.pem',
        MessageId: `95df01b4-ee98-5cb9-9903-4c221d41eb5${i}`,
        Message: JSON.stringify({
          eventType: e.eventType,
          eventVersion: '1.0',
          eventTimestamp: e.at,
          isFinal: !['VOICE_INITIATED', 'VOICE_RINGING', 'VOICE_ANSWERED'].includes(e.eventType),
          originationPhoneNumber: '+18885550100',
          destinationPhoneNumber: e.destination,
          isoCountryCode: 'US',
          messageId: '862a8790-60c0-4430-9b2b-658bdexample',
          messageRequestTimestamp: e.requestedAt,
          messageType: 'TRANSACTIONAL',
          messageStatus: e.eventType.replace('VOICE_', ''),
          messageStatusDescription: 'Call status',
          totalMessagePrice: 0.013,
          totalDurationInSeconds: 18,
        }),
        MessageAttributes: {},
        Type: 'Notification',
        UnsubscribeUrl: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe',
        TopicArn: 'arn:aws:sns:eu-west-1:123456789012:onetime-voice-events',
      },
    })),
  };
}

/** The phone number id End User Messaging Social gives the service's WhatsApp number (tests). */
export const WHATSAPP_PHONE_NUMBER_ID = 'phone-number-id-0123456789abcdef0123456789abcdef';

/**
 * WhatsApp statuses as End User Messaging Social relays them to a WABA's event destination topic: an
 * AWS header and Meta's webhook entry as a JSON string (statuses with `recipient_id` digits and a
 * `timestamp` in epoch seconds).
 */
export function whatsAppSnsEvent(
  statuses: Array<{ status: string; to: string; at: number; phoneNumberId?: string }>,
): SNSEvent {
  return {
    Records: statuses.map((e, i) => {
      const id = (e.phoneNumberId ?? WHATSAPP_PHONE_NUMBER_ID).replace('phone-number-id-', '');
      const entry = {
        id: '1163793972139053',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15815555555', phone_number_id: '574086085794038' },
              statuses: [
                {
                  id: `wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA${i}`,
                  status: e.status,
                  timestamp: String(Math.floor(e.at / 1000)),
                  recipient_id: e.to.replace('+', ''),
                },
              ],
            },
          },
        ],
      };
      return {
        EventVersion: '1.0',
        EventSubscriptionArn:
          'arn:aws:sns:eu-west-1:123456789012:whatsapp-events:2bcfbf39-05c3-41de-beaa-fcfcc21c8f5a',
        EventSource: 'aws:sns',
        Sns: {
          SignatureVersion: '1',
          Timestamp: new Date(e.at).toISOString(),
          Signature: 'EXAMPLE',
          SigningCertUrl: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-EXAMPLE.pem',
          MessageId: `95df01b4-ee98-5cb9-9903-4c221d41eb6${i}`,
          Message: JSON.stringify({
            context: {
              MetaWabaIds: [
                {
                  wabaId: '1163793972139053',
                  arn: 'arn:aws:social-messaging:eu-west-1:123456789012:waba/fb2594b8a7974770b128a409e2example',
                },
              ],
              MetaPhoneNumberIds: [
                {
                  metaPhoneNumberId: '574086085794038',
                  arn: `arn:aws:social-messaging:eu-west-1:123456789012:phone-number-id/${id}`,
                },
              ],
            },
            whatsAppWebhookEntry: JSON.stringify(entry),
            aws_account_id: '123456789012',
            message_timestamp: new Date(e.at).toISOString(),
            messageId: `6d69f07a-c317-4278-9d5c-6a84078419e${i}`,
          }),
          MessageAttributes: {},
          Type: 'Notification',
          UnsubscribeUrl: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe',
          TopicArn: 'arn:aws:sns:eu-west-1:123456789012:whatsapp-events',
        },
      };
    }),
  };
}
