import type { EventBridgeEvent } from 'aws-lambda';
import { sesEventOutcome } from '../core/delivery.ts';
import { epochMs, isObject, type ParsedReceipts } from './parsed.ts';

/**
 * Amazon SES events, published by a configuration set's EventBridge event destination to the default
 * bus (`source: aws.ses`, `detail-type` e.g. `Email Delivered`, `Email Bounced`; the `detail` is the
 * event-publishing record: https://docs.aws.amazon.com/ses/latest/dg/monitoring-eventbridge.html,
 * https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-firehose-examples.html):
 *
 * ```json
 * {"eventType": "Bounce",
 *  "bounce": {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": "ana@example.com"}],
 *             "timestamp": "2026-11-23T10:00:02.000Z"},
 *  "mail": {"timestamp": "2026-11-23T10:00:01.000Z", "messageId": "…", "destination": ["ana@example.com"],
 *           "tags": {"ses:configuration-set": ["onetime"]}}}
 * ```
 * `mail.timestamp` is when SES accepted the message. The recipients the event is about are the
 * event's own list (`delivery.recipients`, `bounce.bouncedRecipients[].emailAddress`), else
 * `mail.destination` (onetime sends one recipient per message).
 */
export type SesEvent = EventBridgeEvent<string, unknown>;

export function isSesEvent(event: unknown): event is SesEvent {
  return isObject(event) && event['source'] === 'aws.ses' && isObject(event['detail']);
}

/** The event-specific part of the record, by `eventType`. */
const PART_OF: Record<string, string> = {
  Delivery: 'delivery',
  Bounce: 'bounce',
  Reject: 'reject',
  'Rendering Failure': 'failure',
  RenderingFailure: 'failure',
  DeliveryDelay: 'deliveryDelay',
  Complaint: 'complaint',
};

export function parseSesEvent(event: SesEvent): ParsedReceipts {
  const detail = event.detail;
  const mail = isObject(detail) ? detail['mail'] : undefined;
  if (!isObject(detail) || !isObject(mail)) return { receipts: [], unreadable: 1 };
  const eventType = detail['eventType'];
  const part = typeof eventType === 'string' ? detail[PART_OF[eventType] ?? ''] : undefined;
  const sentAt = epochMs(mail['timestamp']);
  const at = epochMs(isObject(part) && part['timestamp'] !== undefined ? part['timestamp'] : event.time);
  const recipients = recipientsOf(part) ?? strings(mail['destination']);
  if (recipients.length === 0) return { receipts: [], unreadable: 1 };
  const outcome = sesEventOutcome(eventType);
  return {
    receipts: recipients.map((destination) => ({ channel: 'email', destination, outcome, sentAt, at })),
    unreadable: 0,
  };
}

function recipientsOf(part: unknown): string[] | undefined {
  if (!isObject(part)) return undefined;
  const listed = [
    ...strings(part['recipients']),
    ...(Array.isArray(part['bouncedRecipients']) ? part['bouncedRecipients'] : []).flatMap((r: unknown) =>
      isObject(r) && typeof r['emailAddress'] === 'string' ? [r['emailAddress']] : [],
    ),
  ];
  return listed.length > 0 ? listed : undefined;
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
