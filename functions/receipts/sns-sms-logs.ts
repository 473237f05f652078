import { gunzipSync } from 'node:zlib';
import type { CloudWatchLogsDecodedData, CloudWatchLogsEvent } from 'aws-lambda';
import { smsLogOutcome } from '../core/delivery.ts';
import { isObject, type ParsedReceipts, parseJson } from './parsed.ts';

/**
 * Amazon SNS SMS delivery status logs, delivered by a CloudWatch Logs subscription filter on the
 * log groups `sns/<region>/<account>/DirectPublishToPhoneNumber` (successes) and
 * `…/DirectPublishToPhoneNumber/Failure`. The subscription event is `{"awslogs": {"data": <base64 of
 * gzip of JSON>}}`; the JSON holds `messageType` (`DATA_MESSAGE`, or `CONTROL_MESSAGE` when
 * CloudWatch Logs checks the destination) and `logEvents[]`, whose `message` is one SNS log line
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html):
 *
 * ```json
 * {"notification": {"messageId": "34d9b400-…", "timestamp": "2016-06-28 00:40:34.558"},
 *  "delivery": {"destination": "+1XXX5550100", "providerResponse": "Message has been accepted by phone carrier",
 *               "dwellTimeMs": 599, "smsType": "Transactional", …},
 *  "status": "SUCCESS"}
 * ```
 * (https://repost.aws/knowledge-center/monitor-sns-texts-cloudwatch). `notification.timestamp` is
 * when SNS accepted the publish, in UTC without a zone; the log event's own `timestamp` is when the
 * outcome was logged.
 */
export function isCloudWatchLogsEvent(event: unknown): event is CloudWatchLogsEvent {
  return isObject(event) && isObject(event['awslogs']) && typeof event['awslogs']['data'] === 'string';
}

export function parseSnsSmsLogs(event: CloudWatchLogsEvent): ParsedReceipts {
  const decoded = decode(event.awslogs.data);
  if (!decoded) return { receipts: [], unreadable: 1 };
  if (decoded.messageType !== 'DATA_MESSAGE') return { receipts: [], unreadable: 0 };
  const parsed: ParsedReceipts = { receipts: [], unreadable: 0 };
  for (const logEvent of decoded.logEvents ?? []) {
    const line = parseJson(logEvent.message);
    const notification = isObject(line) ? line['notification'] : undefined;
    const delivery = isObject(line) ? line['delivery'] : undefined;
    const destination = isObject(delivery) ? delivery['destination'] : undefined;
    const timestamp = isObject(notification) ? notification['timestamp'] : undefined;
    if (!isObject(line) || typeof destination !== 'string' || typeof timestamp !== 'string') {
      parsed.unreadable++;
      continue;
    }
    parsed.receipts.push({
      channel: 'sms',
      destination,
      outcome: smsLogOutcome(line['status']),
      sentAt: snsTimestamp(timestamp),
      at: logEvent.timestamp,
    });
  }
  return parsed;
}

function decode(data: string): CloudWatchLogsDecodedData | undefined {
  try {
    const json = parseJson(gunzipSync(Buffer.from(data, 'base64')).toString('utf8'));
    return isObject(json) ? (json as unknown as CloudWatchLogsDecodedData) : undefined;
  } catch {
    return undefined;
  }
}

/** `2016-06-28 00:40:34.558` (UTC, no zone) → epoch ms; an ISO string with a zone is read as it is. */
export function snsTimestamp(text: string): number {
  const iso = text.trim().replace(' ', 'T');
  return Date.parse(/(?:Z|[+-]\d\d:?\d\d)$/.test(iso) ? iso : `${iso}Z`);
}
