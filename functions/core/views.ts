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
    ...(record.voiceCall === undefined ? {} : { voiceCall: voiceCallView(record) }),
  };
}

/** The fallback call as `GET` shows it: what happened and when, and which limit skipped it. */
function voiceCallView(record: VerificationRecord) {
  return {
    status: record.voiceCall,
    at: iso(record.voiceCallAt ?? record.createdAt),
    ...(record.voiceCallSkipped === undefined ? {} : { reason: record.voiceCallSkipped }),
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
