import type { SNSEvent } from 'aws-lambda';
import { voiceEventOutcome } from '../core/delivery.ts';
import { epochMs, isObject, type ParsedReceipts, parseJson } from './parsed.ts';

/**
 * AWS End User Messaging SMS and Voice v2 voice events, published by a configuration set's event
 * destination to an SNS topic that the receipts function subscribes to: each SNS record's `Message`
 * is one event (https://docs.aws.amazon.com/sms-voice/latest/userguide/configuration-sets-event-format.html):
 *
 * ```json
 * {"eventType": "VOICE_COMPLETED", "eventVersion": "1.0", "eventTimestamp": 1686975103470, "isFinal": true,
 *  "originationPhoneNumber": "+12065550152", "destinationPhoneNumber": "+14255550156",
 *  "messageId": "862a8790-…", "messageRequestTimestamp": 1686975103170, "messageStatus": "COMPLETED", …}
 * ```
 * `messageRequestTimestamp` (epoch ms) is when the service accepted SendVoiceMessage;
 * `eventTimestamp` when the event was reported. Event types: the SDK's `EventType` enum (VOICE_*).
 * The EventBridge events the service also emits ("… Message Delivery Status Updated") are not used:
 * their documented examples carry no destination number to match
 * (https://docs.aws.amazon.com/sms-voice/latest/userguide/monitor-event-bridge.html).
 */
export function isSnsEvent(event: unknown): event is SNSEvent {
  return (
    isObject(event) &&
    Array.isArray(event['Records']) &&
    event['Records'].length > 0 &&
    event['Records'].every(
      (r: unknown) => isObject(r) && r['EventSource'] === 'aws:sns' && isObject(r['Sns']),
    )
  );
}

export function parseVoiceEvents(event: SNSEvent): ParsedReceipts {
  const parsed: ParsedReceipts = { receipts: [], unreadable: 0 };
  for (const record of event.Records) {
    const message = parseJson(record.Sns.Message);
    const destination = isObject(message) ? message['destinationPhoneNumber'] : undefined;
    if (!isObject(message) || typeof destination !== 'string') {
      parsed.unreadable++;
      continue;
    }
    const eventType = message['eventType'];
    // Voice events only: text events (if a shared configuration set sends them) are not onetime's.
    if (typeof eventType !== 'string' || !eventType.startsWith('VOICE_')) continue;
    parsed.receipts.push({
      channel: 'voice',
      destination,
      outcome: voiceEventOutcome(eventType),
      sentAt: epochMs(message['messageRequestTimestamp']),
      at: epochMs(message['eventTimestamp'] ?? record.Sns.Timestamp),
    });
  }
  return parsed;
}
