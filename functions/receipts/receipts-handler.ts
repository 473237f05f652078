import {
  type DeliveryDeps,
  type DeliveryReceipt,
  type DeliveryResult,
  recordDelivery,
} from '../core/delivery.ts';
import { canonicalDestination } from '../core/destination.ts';
import type { ParsedReceipts } from './parsed.ts';
import { isSesEvent, parseSesEvent } from './ses-events.ts';
import { isCloudWatchLogsEvent, parseSnsSmsLogs } from './sns-sms-logs.ts';
import { isSnsEvent, parseVoiceEvents } from './voice-events.ts';
import { isWhatsAppEvent, parseWhatsAppEvents } from './whatsapp-events.ts';

export interface ReceiptsHandlerOptions {
  /** Destinations written at once (receipts of one destination stay in order). @default 16 */
  concurrency?: number;
  /** The service's WhatsApp phone number id: statuses of other numbers of the account are not read. */
  whatsAppPhoneNumberId?: string | undefined;
}

export type ReceiptsSummary = Partial<Record<DeliveryResult, number>> & { unreadable?: number };

/**
 * One handler for the shapes receipts arrive in: a CloudWatch Logs subscription event (SNS SMS
 * delivery status logs), an EventBridge event from SES, an SNS event carrying SMS-Voice v2 voice
 * events or WhatsApp statuses relayed by End User Messaging Social. Each receipt is one conditional write (functions/core/delivery.ts), so a retried event
 * changes nothing it already recorded. Receipts of one destination are written in the order they
 * came; different destinations in parallel.
 *
 * A write that fails (beyond the SDK's retries) fails the invocation after the others are done, so
 * Lambda's asynchronous retries (and then the dead-letter queue) take it; unreadable entries are
 * logged and skipped: retrying cannot fix them.
 */
export function createReceiptsHandler(deps: DeliveryDeps, options: ReceiptsHandlerOptions = {}) {
  const concurrency = Math.max(1, options.concurrency ?? 16);

  return async (event: unknown): Promise<ReceiptsSummary> => {
    const parsed = parse(event, options.whatsAppPhoneNumberId);
    if (!parsed) {
      deps.log.warn('delivery receipts: event of no known shape ignored', { keys: keysOf(event) });
      return {};
    }
    const summary: ReceiptsSummary = {};
    if (parsed.source.unreadable > 0) {
      summary.unreadable = parsed.source.unreadable;
      deps.log.warn('delivery receipts: unreadable entries skipped', {
        source: parsed.name,
        unreadable: parsed.source.unreadable,
      });
    }

    const failures: unknown[] = [];
    const queues = [...groupByDestination(parsed.source.receipts).values()];
    const worker = async () => {
      for (let queue = queues.shift(); queue; queue = queues.shift()) {
        for (const receipt of queue) {
          try {
            const result = await recordDelivery(deps, receipt);
            summary[result] = (summary[result] ?? 0) + 1;
          } catch (error) {
            failures.push(error);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queues.length) }, worker));

    if (failures.length > 0) {
      const first = failures[0];
      deps.log.error('delivery receipts not recorded; the invocation fails so Lambda retries it', {
        source: parsed.name,
        failed: failures.length,
        of: parsed.source.receipts.length,
        error: first instanceof Error ? `${first.name}: ${first.message}` : String(first),
      });
      throw new Error(`${failures.length} delivery receipt(s) not recorded`);
    }
    return summary;
  };
}

function parse(
  event: unknown,
  whatsAppPhoneNumberId: string | undefined,
): { name: string; source: ParsedReceipts } | undefined {
  if (isCloudWatchLogsEvent(event)) return { name: 'sns-sms-logs', source: parseSnsSmsLogs(event) };
  if (isSesEvent(event)) return { name: 'ses-events', source: parseSesEvent(event) };
  if (isSnsEvent(event) && isWhatsAppEvent(event)) {
    return { name: 'whatsapp-events', source: parseWhatsAppEvents(event, whatsAppPhoneNumberId) };
  }
  if (isSnsEvent(event)) return { name: 'voice-events', source: parseVoiceEvents(event) };
  return undefined;
}

/** Receipts grouped by destination as given (case aside), each group in arrival order. */
function groupByDestination(receipts: DeliveryReceipt[]): Map<string, DeliveryReceipt[]> {
  const groups = new Map<string, DeliveryReceipt[]>();
  for (const receipt of receipts) {
    // The destination's storage key: receipts that land on one item are written one by one.
    const key = canonicalDestination(receipt.destination.trim());
    const group = groups.get(key);
    if (group) group.push(receipt);
    else groups.set(key, [receipt]);
  }
  return groups;
}

/** The top-level keys of an unknown event (never its values: they may name a destination). */
const keysOf = (event: unknown) =>
  typeof event === 'object' && event !== null ? Object.keys(event).slice(0, 10) : typeof event;
