/**
 * The small interfaces the engine needs from the outside world: the core's boundary. The AWS adapters
 * (functions/adapters/) implement them; local mode (local/) wires the same adapters to DynamoDB Local
 * and its outbox; tests pass their own.
 */
import type { RateLimitReason } from './errors.ts';
import type { Channel, SendLimits, StoredDelivery, VerificationRecord } from './verification.ts';

/** A message ready for a channel. The plain code only ever exists here, on its way out. */
export interface OutgoingMessage {
  channel: Channel;
  /** Full destination: E.164 phone number or email address. Never log it; log `maskedTo`. */
  to: string;
  maskedTo: string;
  /** Text for SMS, plain-text body for email, plain text for voice, what a WhatsApp or push user reads. */
  body: string;
  /** Email: the subject. Push: the notification's title. */
  subject?: string;
  /** Email only. */
  html?: string;
  /** Voice only: SSML that reads the code one symbol at a time, twice. */
  ssml?: string;
  /**
   * The code on its own: WhatsApp's authentication template's body parameter and copy-code button (the
   * template's text is Meta's), a push notification's data (autofill), Notify's template variable
   * (SMS and voice). Absent for email.
   */
  code?: string;
  /** Push, SMS and voice: seconds the message is worth delivering, never more than the code's remaining validity. */
  ttlSeconds?: number;
  /** The language the message is worded in (`en`, `es`, ...): WhatsApp picks its template language by it. */
  locale?: string;
  /** The verification this message belongs to (for delivery receipts and logs). */
  verificationId: string;
}

/** What a provider answered for a message it accepted. */
export interface SentMessage {
  providerMessageId?: string;
  /**
   * The send asked the provider for conversion feedback (End User Messaging's `MessageFeedbackEnabled`:
   * `SendTextMessage`, `SendVoiceMessage`, Notify): its `providerMessageId` is recorded on the
   * verification, and reported received once the code is approved (functions/core/feedback.ts).
   */
  feedback?: true;
}

/** Sends one message on one channel. Throws `DeliveryError` when the provider refuses it. */
export interface MessageSender {
  send(message: OutgoingMessage): Promise<SentMessage>;
}

export type Senders = Partial<Record<Channel, MessageSender>>;

/** What the store answers when a send could not be written. */
export type SendRejection = { kind: RateLimitReason; retryAfterSeconds: number };

export type StartOutcome =
  | { kind: 'created'; record: VerificationRecord }
  | { kind: 'resent'; record: VerificationRecord }
  | { kind: 'rejected'; rejection: SendRejection };

export type CheckOutcome =
  | { kind: 'approved'; record: VerificationRecord }
  | { kind: 'wrong_code'; record: VerificationRecord }
  | { kind: 'not_found' }
  /** Not pending any more (approved, canceled, expired, max attempts, delivery failed). */
  | { kind: 'closed'; record: VerificationRecord };

export type CancelOutcome =
  | { kind: 'canceled'; record: VerificationRecord }
  | { kind: 'not_found' }
  | { kind: 'closed'; record: VerificationRecord };

/** A fresh verification the engine wants written, with everything sealed already. */
export interface NewVerification {
  record: VerificationRecord;
  limits: SendLimits;
}

/**
 * Storage for verifications and the counters that limit sends. Every rule that must hold under
 * concurrency (single use, attempts, cooldown, hourly limits, spend brake) is one conditional write
 * inside the store, never a read followed by a write.
 *
 * Split by door, so that a function bundles only the writes it makes (the check function's size and
 * cold start are budgeted against a bare DynamoDB client).
 */
export interface CheckStore {
  /**
   * Counts one guess of a live verification (pending, unexpired, attempts left) and compares it in the
   * same conditional write: `approved` when one of `macs` (the guess under each accepted key, see
   * Sealer.macs) is the code's MAC, `wrong_code` otherwise. A guess that finds the verification
   * closed is neither counted nor compared.
   */
  guess(id: string, macs: readonly string[], now: number): Promise<CheckOutcome>;
  /**
   * Approves a verification whose guess `guess` has already counted, when one of `macs` is its code's
   * MAC and it is still pending and unexpired (the attempt limit is not asked again: the counted guess
   * may have been the last). Counts nothing and answers the approved record, or undefined. The second
   * write of a check that names no transaction on a verification bound to one (functions/core/check.ts).
   */
  approveCounted(id: string, macs: readonly string[], now: number): Promise<VerificationRecord | undefined>;
}

/** Reads only: the status function is granted GetItem and nothing else. */
export interface ReadStore {
  get(id: string): Promise<VerificationRecord | undefined>;
  /** The verification still pending for a destination, if any (Cognito points a retried sign-in at it). */
  findPending(destinationKey: string, now: number): Promise<VerificationRecord | undefined>;
}

export interface CancelStore {
  /** Cancels a live verification, by a conditional write. */
  cancel(id: string, now: number): Promise<CancelOutcome>;
}

export interface SendStore {
  /**
   * Creates the verification, or, when one to the same destination is still pending, marks a resend
   * of it (same id, same sealed code) — enforcing cooldown and limits in the same write.
   */
  startOrResend(input: NewVerification, now: number): Promise<StartOutcome>;
  /** Closes a verification whose message the channel refused. */
  markDeliveryFailed(id: string, now: number): Promise<void>;
  /**
   * Records that the channel refused a new verification's first message, leaving it pending: its
   * cascade moves on to the first step at once.
   */
  recordFailedFirstSend(id: string, now: number): Promise<void>;
  /**
   * Records the provider message id of the message sent at `sentAt` (a first send or a resend) for
   * conversion feedback, unless the verification was replaced or a later message left since. One
   * conditional write, made only for providers that asked for feedback; best effort (feedback.ts).
   */
  recordFeedbackMessage(id: string, sentAt: number, messageId: string): Promise<void>;
}

/** How a cascade step's claim ended. */
export type StepClaim =
  | { kind: 'claimed' }
  /** The verification closed, was replaced, or another execution claimed the step first. */
  | { kind: 'taken' }
  /** A limit the step counts under is full: it must not be sent. */
  | { kind: 'refused'; rejection: SendRejection };

/** The cascade's steps on a verification (functions/core/cascade-step.ts). */
export interface CascadeStore {
  /** The verification as it is now (a consistent read). */
  get(id: string): Promise<VerificationRecord | undefined>;
  /**
   * Claims step `index` of a live verification while it is `waiting`, counting it under `limits` in
   * the same write like any send, so a retried or duplicated execution never sends it twice.
   */
  claimStep(record: VerificationRecord, index: number, limits: SendLimits, now: number): Promise<StepClaim>;
  /**
   * Records how a claimed step ended; a step sent through a provider that asked for feedback records
   * its message id in the same write (`feedbackMessageId`).
   */
  finishStep(
    id: string,
    index: number,
    outcome: 'sent' | 'failed',
    now: number,
    feedbackMessageId?: string,
  ): Promise<void>;
  /** Records that a limit refused a waiting step (it was not sent), while the verification is pending. */
  skipStep(id: string, index: number, reason: RateLimitReason, now: number): Promise<void>;
}

export interface VerificationStore extends CheckStore, ReadStore, CancelStore, SendStore, CascadeStore {}

/**
 * Delivery receipts: records one on the current verification of a destination, by one conditional
 * write that holds the matching rule stated in functions/core/delivery.ts. Never creates an item.
 */
export interface DeliveryStore {
  recordDelivery(
    destinationKey: string,
    receipt: StoredDelivery,
  ): Promise<'recorded' | 'no_verification' | 'stale'>;
}

/** Remembers responses by `Idempotency-Key` so a retried request returns the first answer. */
export interface IdempotencyStore {
  /**
   * Claims `key` for a request whose body hashes to `fingerprint`. Returns the stored response when
   * the key was already completed, `in_progress` when another request holds it, `mismatch` when the
   * key was used with another body, or `claimed` when this request should run.
   */
  claim(
    key: string,
    fingerprint: string,
    now: number,
    ttlSeconds: number,
  ): Promise<
    | { kind: 'claimed' }
    | { kind: 'completed'; statusCode: number; body: string }
    | { kind: 'in_progress' }
    | { kind: 'mismatch' }
  >;
  complete(key: string, statusCode: number, body: string, now: number, ttlSeconds: number): Promise<void>;
  /** Gives the key back when the request failed in a way a retry may fix. */
  release(key: string): Promise<void>;
}

/**
 * Starts a verification's cascade when its first step is due: a delayed message whose consumer starts
 * the workflow only if the verification is still pending then (most are verified before). Only the id
 * goes in.
 */
export interface CascadeScheduler {
  schedule(verificationId: string, delaySeconds: number): Promise<void>;
}

/** Starts the cascade workflow: one execution per verification, named after it, its id the only input. */
export interface WorkflowStarter {
  startCascade(verificationId: string): Promise<void>;
}

/** The current time in epoch milliseconds; injected so tests can move it. */
export type Clock = () => number;

/** Structured logging. Powertools Logger fits it; never pass a code or a full destination. */
export interface Log {
  info(message: string, ...fields: Record<string, unknown>[]): void;
  warn(message: string, ...fields: Record<string, unknown>[]): void;
  error(message: string, ...fields: Record<string, unknown>[]): void;
}
