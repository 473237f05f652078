/**
 * Delivery receipts: what the providers report after they accepted a message, recorded on the
 * verification so `GET` can say whether the code reached the person (`delivery`).
 *
 * Receipts are matched by **destination**, not by provider message id: every provider's receipt
 * names the full destination (SNS SMS delivery logs, SES events, SMS-Voice v2 events), and the
 * destination's keyed hash is the verification item's key. So a send stays one DynamoDB write (no
 * message id to store), and a receipt is one conditional UpdateItem.
 *
 * The rule (one condition, see docs/storage.md): a receipt is recorded on the current verification of
 * its destination when
 * - that verification was created at or before the message was sent (`createdAt <= sentAt`), so a
 *   late receipt of an older verification never lands on a newer one; and
 * - no receipt of a later message is recorded already (`deliverySentAt <= sentAt`, or none yet).
 *
 * So `delivery` is the outcome of the latest message whose receipt has arrived (a resend, or the
 * voice-fallback call after its SMS, replaces the earlier outcome once its own receipt arrives); two
 * receipts of the same message: the later one wins (an email that bounced after it was delivered is
 * `failed`). No receipt yet, or only in-flight ones: `unknown`.
 */

import { type Destination, parseDestination } from './destination.ts';
import { EngineError } from './errors.ts';
import { maskDestination } from './masking.ts';
import type { DeliveryStore, Log } from './ports.ts';
import type { Sealer } from './sealing.ts';
import type { Channel, Delivery } from './verification.ts';

/** One provider receipt, as the parsers (functions/receipts/) read it. */
export interface DeliveryReceipt {
  channel: Channel;
  /** The full destination as the provider names it. Never log it; `recordDelivery` masks it. */
  destination: string;
  outcome: Delivery;
  /** When the provider accepted the message (epoch ms). */
  sentAt: number;
  /** When the provider reported the outcome (epoch ms). */
  at: number;
}

/** What became of one receipt. */
export type DeliveryResult =
  /** Written on the verification. */
  | 'recorded'
  /** No verification to this destination (never started here, or removed by TTL): nothing written. */
  | 'no_verification'
  /** For a message older than the verification or than the receipt already recorded. */
  | 'stale'
  /** Says nothing yet (in flight, delayed): not written. */
  | 'ignored'
  /** No destination the service could have sent to, or no send time: nothing written. */
  | 'unreadable';

export interface DeliveryDeps {
  store: DeliveryStore;
  sealer: Pick<Sealer, 'destinationKey'>;
  log: Log;
}

/**
 * Records one receipt: reads the destination as a send does (E.164; an email address keyed by its
 * canonical form) but without the country allow-list (a number the service sent to must be found even
 * if the list changed since), computes its key and writes the outcome with one conditional UpdateItem.
 */
export async function recordDelivery(deps: DeliveryDeps, receipt: DeliveryReceipt): Promise<DeliveryResult> {
  const destination = normaliseDestination(receipt.channel, receipt.destination);
  const to = destination === undefined ? '***' : maskDestination(destination.to);
  const fields = { channel: receipt.channel, to, outcome: receipt.outcome };
  if (destination === undefined) {
    deps.log.warn('delivery receipt skipped: unreadable destination', fields);
    return 'unreadable';
  }
  if (receipt.outcome === 'unknown') return 'ignored';
  if (!Number.isFinite(receipt.sentAt) || !Number.isFinite(receipt.at)) {
    deps.log.warn('delivery receipt skipped: no send time', fields);
    return 'unreadable';
  }
  const result = await deps.store.recordDelivery(deps.sealer.destinationKey(destination.canonical), {
    outcome: receipt.outcome,
    sentAt: receipt.sentAt,
    at: receipt.at,
  });
  deps.log.info(result === 'recorded' ? 'delivery recorded' : 'delivery receipt not applied', {
    ...fields,
    result,
    sentAt: new Date(receipt.sentAt).toISOString(),
  });
  return result;
}

/** The destination as a send reads it, or undefined when it cannot be one. */
function normaliseDestination(channel: Channel, destination: string): Destination | undefined {
  // A provider may name a recipient with a display name: `"Ana" <ana@example.com>`.
  const bare = channel === 'email' ? (/<([^<>]+)>\s*$/.exec(destination)?.[1] ?? destination) : destination;
  try {
    // '*' turns the country allow-list off: a receipt for any number the service sent to counts.
    return parseDestination(channel, bare, ['*']);
  } catch (error) {
    if (error instanceof EngineError) return undefined;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------
// Provider statuses → outcome. Anything not listed is `unknown` (not recorded).

/**
 * Amazon SNS SMS delivery status log `status`: `SUCCESS` (accepted by the carrier / delivered) or
 * `FAILURE` (https://repost.aws/knowledge-center/monitor-sns-texts-cloudwatch).
 */
export function smsLogOutcome(status: unknown): Delivery {
  if (status === 'SUCCESS') return 'delivered';
  if (status === 'FAILURE') return 'failed';
  return 'unknown';
}

/**
 * Amazon SES event publishing `eventType` (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_EventDestination.html):
 * `Delivery` → delivered; `Bounce` (hard, or soft after SES gave up retrying), `Reject` (virus) and
 * `Rendering Failure` → failed. `DeliveryDelay` is in flight; `Send`, `Open`, `Click`, `Subscription`
 * say nothing about delivery; `Complaint` follows a `Delivery` that already said so.
 */
export function sesEventOutcome(eventType: unknown): Delivery {
  switch (eventType) {
    case 'Delivery':
      return 'delivered';
    case 'Bounce':
    case 'Reject':
    case 'Rendering Failure':
    case 'RenderingFailure':
      return 'failed';
    default:
      return 'unknown';
  }
}

/**
 * AWS End User Messaging SMS and Voice v2 voice event `eventType` (the SDK's EventType enum and
 * https://docs.aws.amazon.com/sms-voice/latest/userguide/configuration-sets-event-types.html):
 * `VOICE_COMPLETED` (the message was played) → delivered; `VOICE_BUSY`, `VOICE_NO_ANSWER`,
 * `VOICE_FAILED`, `VOICE_TTL_EXPIRED` → failed; `VOICE_INITIATED`, `VOICE_RINGING`, `VOICE_ANSWERED`
 * are in flight.
 */
export function voiceEventOutcome(eventType: unknown): Delivery {
  switch (eventType) {
    case 'VOICE_COMPLETED':
      return 'delivered';
    case 'VOICE_BUSY':
    case 'VOICE_NO_ANSWER':
    case 'VOICE_FAILED':
    case 'VOICE_TTL_EXPIRED':
      return 'failed';
    default:
      return 'unknown';
  }
}
