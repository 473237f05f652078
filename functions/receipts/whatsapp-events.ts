import type { SNSEvent } from 'aws-lambda';
import type { Delivery } from '../core/verification.ts';
import { isObject, type ParsedReceipts, parseJson } from './parsed.ts';

/**
 * WhatsApp message statuses, as AWS End User Messaging Social relays Meta's webhooks to a WhatsApp
 * Business Account's event destination (an SNS topic the receipts function subscribes to). Each SNS
 * record's `Message` is one event: an AWS header and Meta's webhook entry as a JSON *string*
 * (https://docs.aws.amazon.com/social-messaging/latest/userguide/managing-event-destination-dlrs.html):
 *
 * ```json
 * {"context": {"MetaPhoneNumberIds": [{"metaPhoneNumberId": "…", "arn": "arn:aws:social-messaging:…:phone-number-id/<32 hex>"}], …},
 *  "whatsAppWebhookEntry": "{\"changes\":[{\"value\":{\"statuses\":[{\"id\":\"wamid…\",\"status\":\"delivered\",
 *     \"timestamp\":\"1759466063\",\"recipient_id\":\"14155550123\"}]}}]}", "messageId": "…", …}
 * ```
 * A WABA has one event destination for every message of every phone number it holds (inbound messages,
 * other apps' sends), so only statuses of the service's own phone number are read (`phoneNumberId`).
 * Meta's statuses carry no send time: the status's own time stands in for it, so a status of an older
 * message that arrives after a new verification to the same number started would land on the new one
 * (a receipt later than a whole new verification's start; the timestamps are seconds apart).
 */
export function isWhatsAppEvent(event: SNSEvent): boolean {
  return event.Records.some(
    (record) =>
      isObject(parseJson(record.Sns.Message)) && record.Sns.Message.includes('whatsAppWebhookEntry'),
  );
}

/** `delivered` and `read` arrived, `failed` did not; `sent` says nothing yet. */
export function whatsAppStatusOutcome(status: unknown): Delivery {
  if (status === 'delivered' || status === 'read') return 'delivered';
  if (status === 'failed') return 'failed';
  return 'unknown';
}

export function parseWhatsAppEvents(event: SNSEvent, phoneNumberId: string | undefined): ParsedReceipts {
  const parsed: ParsedReceipts = { receipts: [], unreadable: 0 };
  for (const record of event.Records) {
    const message = parseJson(record.Sns.Message);
    const entry = isObject(message) ? parseJson(message['whatsAppWebhookEntry']) : undefined;
    if (!isObject(message) || !isObject(entry)) {
      parsed.unreadable++;
      continue;
    }
    if (!fromPhoneNumber(message, phoneNumberId)) continue;
    for (const status of statusesOf(entry)) {
      const recipient = status['recipient_id'];
      const at = Number(status['timestamp']) * 1000;
      if (typeof recipient !== 'string' || !/^\d{6,15}$/.test(recipient) || !Number.isFinite(at)) {
        parsed.unreadable++;
        continue;
      }
      parsed.receipts.push({
        channel: 'whatsapp',
        destination: `+${recipient}`,
        outcome: whatsAppStatusOutcome(status['status']),
        sentAt: at,
        at,
      });
    }
  }
  return parsed;
}

/** Whether the event is about the service's phone number (by its id in the header's ARNs). */
function fromPhoneNumber(message: Record<string, unknown>, phoneNumberId: string | undefined): boolean {
  if (phoneNumberId === undefined) return false;
  const id = phoneNumberId.replace(/^.*phone-number-id\//, '').replace(/^phone-number-id-/, '');
  const context = isObject(message['context']) ? message['context'] : {};
  const numbers = Array.isArray(context['MetaPhoneNumberIds']) ? context['MetaPhoneNumberIds'] : [];
  return numbers.some(
    (n: unknown) => isObject(n) && typeof n['arn'] === 'string' && n['arn'].endsWith(`/${id}`),
  );
}

/** Meta's `entry.changes[].value.statuses[]`. */
function statusesOf(entry: Record<string, unknown>): Record<string, unknown>[] {
  const changes = Array.isArray(entry['changes']) ? entry['changes'] : [];
  return changes.flatMap((change: unknown) => {
    const value = isObject(change) && isObject(change['value']) ? change['value'] : {};
    return Array.isArray(value['statuses']) ? value['statuses'].filter(isObject) : [];
  });
}
