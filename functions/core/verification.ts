/** The verification record, its statuses, and the rules that decide a status at a given moment. */
import type { RateLimitReason } from './errors.ts';
import type { Transaction } from './transaction.ts';

export const DELIVERY_STATES = ['delivered', 'failed', 'unknown'] as const;
/** What `GET` shows: `unknown` until a receipt says otherwise (an absent attribute is `unknown`). */
export type Delivery = (typeof DELIVERY_STATES)[number];
/** The outcomes a receipt records; `unknown` ones (in flight, delayed) are not written. */
export type RecordedDelivery = Exclude<Delivery, 'unknown'>;

/** What the store writes: the receipt without its destination (the key names the item). */
export interface StoredDelivery {
  outcome: RecordedDelivery;
  sentAt: number;
  at: number;
}

export const CHANNELS = ['sms', 'email', 'voice', 'whatsapp', 'push'] as const;
export type Channel = (typeof CHANNELS)[number];

/** What a channel's `to` is: a phone number, an email address, an SNS platform-endpoint ARN. */
export type DestinationKind = 'phone' | 'email' | 'push_endpoint';

/**
 * What the engine needs to know of each channel, in one table so that a new channel is one row here
 * (and a renderer and a sender), never another `if` in the rules.
 */
export interface ChannelTraits {
  destination: DestinationKind;
  /** Paid per message: counts under the service-wide spend brake. */
  spendBrake: boolean;
}

export const CHANNEL_TRAITS: Readonly<Record<Channel, ChannelTraits>> = {
  sms: { destination: 'phone', spendBrake: true },
  email: { destination: 'email', spendBrake: false },
  voice: { destination: 'phone', spendBrake: true },
  whatsapp: { destination: 'phone', spendBrake: true },
  push: { destination: 'push_endpoint', spendBrake: false },
};
/* The cascade's steps (rules in cascade.ts): as a request names them, and as the record stores them. */

/** A step as a request (or the `OTP_CASCADE` default) names it. */
export interface CascadeStepRequest {
  channel: Channel;
  /** Where this step goes; the request's own `to` when absent. */
  to?: string | undefined;
  /** Seconds after the send before it (the first send, or the previous step). */
  afterSeconds: number;
}

/**
 * A step's progress, as stored: `waiting` until its time, `sending` once claimed (by a conditional
 * write, so a duplicated execution never sends it twice), then `sent` or `failed` (the channel refused
 * it), or `skipped` when a limit it counts under refused it (`reason`).
 */
export type StepState = 'waiting' | 'sending' | 'sent' | 'failed' | 'skipped';

/** A step's own destination, sealed like the verification's (only its key and mask are readable). */
export interface StepDestination {
  /** Keyed hash of the destination: its hourly limit counts the step. */
  key: string;
  sealedTo: string;
  maskedTo: string;
}

export interface CascadeStep {
  channel: Channel;
  afterSeconds: number;
  state: StepState;
  /** Absent when the step goes to the verification's own destination. */
  destination?: StepDestination;
  /** When it was claimed, and then when it was sent, failed or skipped. */
  at?: number;
  /** The limit that skipped it. */
  reason?: RateLimitReason;
}

export const STATUSES = [
  'pending',
  'approved',
  'expired',
  'max_attempts_reached',
  'canceled',
  'delivery_failed',
] as const;
export type Status = (typeof STATUSES)[number];

/** Statuses that are written to storage; `expired` and `max_attempts_reached` are derived. */
export type StoredStatus = 'pending' | 'approved' | 'canceled' | 'delivery_failed';

/**
 * One verification as stored. It holds the code only as a keyed MAC (for checking) and an
 * authenticated encryption (for re-delivery); never in plain text.
 */
export interface VerificationRecord {
  id: string;
  /** Keyed hash of the destination: the partition the verification lives in. */
  destinationKey: string;
  /**
   * The destination, sealed like the code (the table never holds a full number or address): opened
   * only where a call must be placed without a request naming it (the voice fallback).
   */
  sealedTo: string;
  /** The destination as responses and logs show it: "+1********23", "a***@example.com". */
  maskedTo: string;
  channel: Channel;
  /**
   * ISO 3166 alpha-2 country of a phone destination (from its number), for metrics by country. Not
   * personal data on its own; absent for email.
   */
  country?: string;
  status: StoredStatus;
  /** The code's MAC, bound to `transaction` when there is one (Sealer.mac). */
  codeMac: string;
  sealedCode: string;
  /**
   * The payment the code approves, when the start named one: every message shows it, and the code's
   * MAC covers it, so an item altered to name another payment no longer approves with the code.
   */
  transaction?: Transaction;
  codeLength: number;
  locale: string;
  createdAt: number;
  expiresAt: number;
  lastSentAt: number;
  attempts: number;
  /** Fixed when the verification starts, so a settings change never alters a live one. */
  maxAttempts: number;
  sends: number;
  /**
   * The keyed hash of the device IP the start named (`deviceIp`): its cascade steps count under that
   * IP's hourly limit too. Absent when the start named none.
   */
  deviceIpKey?: string;
  /** The steps that follow the first send (functions/core/cascade.ts); absent when there are none. */
  cascade?: CascadeStep[];
  /** The error that ended the cascade's workflow (written by its Catch path): no later step follows. */
  cascadeError?: string;
  approvedAt?: number;
  /** When the last guess was counted (the last attempt's time for `max_attempts_reached`). */
  lastGuessAt?: number;
  /** When it was canceled, or its message refused (`canceled`, `delivery_failed`). */
  closedAt?: number;
  /**
   * The latest delivery receipt (functions/core/delivery.ts): absent until one arrives (`GET` then
   * shows `unknown`). `deliveryAt` is when the provider reported it, `deliverySentAt` when the message
   * it is about was sent (a receipt of an older message never replaces it).
   */
  delivery?: RecordedDelivery;
  deliveryAt?: number;
  deliverySentAt?: number;
  /**
   * The provider message id of the latest message, when that message asked for conversion feedback
   * (functions/core/feedback.ts): reported received when the code is approved. Every later message
   * removes it (a resend, a cascade step) and sets its own if it asks for feedback too.
   */
  feedbackMessageId?: string;
}

/** The limits a send must respect, resolved by the engine from its settings. */
export interface SendLimits {
  resendCooldownSeconds: number;
  maxSendsPerHour: number;
  /** Present when the request carried `deviceIp`: a keyed hash of it, and its hourly limit. */
  deviceIp?: { key: string; maxSendsPerHour: number };
  /** Present for phone channels (sms, voice, whatsapp): the account-wide spend brake, its counters split over `shards` items. */
  spendBrake?: { perMinute: number; perDay: number; shards: number };
}

/**
 * The status a caller sees at `now`. Expiry is decided here, by the service: DynamoDB's TTL deletion is
 * only cleanup and may lag by days.
 */
export function effectiveStatus(record: VerificationRecord, now: number): Status {
  if (record.status !== 'pending') return record.status;
  if (record.attempts >= record.maxAttempts) return 'max_attempts_reached';
  if (now >= record.expiresAt) return 'expired';
  return 'pending';
}

export function attemptsRemaining(record: VerificationRecord): number {
  return Math.max(0, record.maxAttempts - record.attempts);
}
