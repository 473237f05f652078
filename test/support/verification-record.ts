import type { VerificationRecord } from '../../functions/core/verification.ts';

/** The unit tests' clock start, the destination key and the validity of the record below. */
export const T0 = Date.parse('2026-11-23T10:00:00.000Z');
export const KEY = 'AAAAAAAAAAAAAAAAAAAAAA';
export const VALIDITY_MS = 300_000;

/**
 * A verification as the store reads it (sealed fields stand-ins, never a code): a pending SMS to a US
 * number sent at T0, with `overrides` on top. For unit tests of what reads records (activity, feedback).
 */
export const verificationRecord = (overrides: Partial<VerificationRecord> = {}): VerificationRecord => ({
  id: `${KEY}.first000000000`,
  destinationKey: KEY,
  sealedTo: 'v1.SEALED-DESTINATION',
  maskedTo: '+1********23',
  channel: 'sms',
  country: 'US',
  status: 'pending',
  codeMac: 'MAC-OF-THE-CODE',
  sealedCode: 'v1.SEALED-CODE',
  codeLength: 6,
  locale: 'en',
  createdAt: T0,
  expiresAt: T0 + VALIDITY_MS,
  lastSentAt: T0,
  attempts: 0,
  maxAttempts: 5,
  sends: 1,
  ...overrides,
});
