import type { CascadeStep } from './verification.ts';
import { attemptsRemaining, effectiveStatus, type VerificationRecord } from './verification.ts';

/** The shapes the API answers with (see the contract). Destinations only ever leave masked. */
const iso = (epochMs: number) => new Date(epochMs).toISOString();

export function sendView(record: VerificationRecord, now: number, resendCooldownSeconds: number) {
  return {
    id: record.id,
    to: record.maskedTo,
    channel: record.channel,
    status: effectiveStatus(record, now),
    expiresAt: iso(record.expiresAt),
    attemptsRemaining: attemptsRemaining(record),
    resendAvailableAt: iso(record.lastSentAt + resendCooldownSeconds * 1000),
    /** The payment the code approves; absent (undefined is not written) when it approves none. */
    transaction: record.transaction,
  };
}

export function statusView(record: VerificationRecord, now: number) {
  return {
    id: record.id,
    to: record.maskedTo,
    channel: record.channel,
    status: effectiveStatus(record, now),
    createdAt: iso(record.createdAt),
    expiresAt: iso(record.expiresAt),
    attemptsRemaining: attemptsRemaining(record),
    /** The latest delivery receipt (functions/core/delivery.ts); `unknown` until one arrives. */
    delivery: record.delivery ?? 'unknown',
    transaction: record.transaction,
    ...(record.cascade === undefined
      ? {}
      : { cascade: record.cascade.map((step) => stepView(record, step, now)) }),
  };
}

/**
 * How long a claimed step may take before its outcome counts as unknown: far beyond the step task's
 * whole run (a 10-second function and the sender's bounded retries). A task stopped after the claim
 * (its function timed out or crashed) never records an outcome, and a retry moves on rather than send
 * the step again; its claim stays `sending` in storage.
 */
export const STEP_OUTCOME_UNKNOWN_AFTER_MS = 5 * 60_000;

/**
 * A cascade step as `GET` shows it: its channel and masked destination, and what became of it:
 * `scheduled` (still to come), `sending`, `sent` or `failed` (the channel refused it) with when,
 * `unknown` (claimed, with when, but its task stopped before recording whether the message left), or
 * `skipped` with why: the limit that refused it, or the verification's own status when it closed
 * before the step was due (`approved`, `canceled`, `expired`, …).
 */
function stepView(record: VerificationRecord, step: CascadeStep, now: number) {
  const base = {
    channel: step.channel,
    to: step.destination?.maskedTo ?? record.maskedTo,
    afterSeconds: step.afterSeconds,
  };
  if (step.state === 'waiting') {
    const status = effectiveStatus(record, now);
    if (status !== 'pending') return { ...base, status: 'skipped', reason: status };
    // The workflow ended on an error (alarmed): nothing will place this step.
    if (record.cascadeError !== undefined) return { ...base, status: 'skipped', reason: 'cascade_failed' };
    return { ...base, status: 'scheduled' };
  }
  const stopped = step.state === 'sending' && now - (step.at ?? 0) > STEP_OUTCOME_UNKNOWN_AFTER_MS;
  return {
    ...base,
    status: stopped ? 'unknown' : step.state,
    ...(step.at === undefined ? {} : { at: iso(step.at) }),
    ...(step.reason === undefined ? {} : { reason: step.reason }),
  };
}

export function checkView(record: VerificationRecord, now: number) {
  const status = effectiveStatus(record, now);
  return {
    id: record.id,
    status,
    valid: status === 'approved',
    attemptsRemaining: attemptsRemaining(record),
    transaction: record.transaction,
  };
}
