import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  attemptsRemaining,
  effectiveStatus,
  STATUSES,
  type Status,
  type StoredStatus,
  type VerificationRecord,
} from '../../functions/core/verification.ts';
import {
  checkView,
  STEP_OUTCOME_UNKNOWN_AFTER_MS,
  sendView,
  statusView,
} from '../../functions/core/views.ts';

const CREATED = Date.parse('2026-11-23T10:00:00.000Z');
const EXPIRES = CREATED + 300_000;
const STORED: readonly StoredStatus[] = ['pending', 'approved', 'canceled', 'delivery_failed'];

const record = (overrides: Partial<VerificationRecord> = {}): VerificationRecord => ({
  id: 'AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBB',
  destinationKey: 'AAAAAAAAAAAAAAAAAAAAAA',
  sealedTo: 'v1.sealed-destination',
  maskedTo: '+1********23',
  channel: 'sms',
  status: 'pending',
  codeMac: 'mac',
  sealedCode: 'v1.sealed',
  codeLength: 6,
  locale: 'en',
  createdAt: CREATED,
  expiresAt: EXPIRES,
  lastSentAt: CREATED,
  attempts: 0,
  maxAttempts: 5,
  sends: 1,

  ...overrides,
});

/** The contract's rules, written out independently of the implementation. */
function expected(stored: StoredStatus, expired: boolean, attempts: number, maxAttempts: number): Status {
  if (stored !== 'pending') return stored; // a closed verification keeps the status it closed with
  if (attempts >= maxAttempts) return 'max_attempts_reached';
  if (expired) return 'expired';
  return 'pending';
}

describe('effectiveStatus: every stored status × expiry × attempts', () => {
  const moments = [
    { label: 'just created', now: CREATED, expired: false },
    { label: '1 ms before expiry', now: EXPIRES - 1, expired: false },
    { label: 'at expiry', now: EXPIRES, expired: true },
    { label: 'long after expiry', now: EXPIRES + 86_400_000, expired: true },
  ];
  const attemptCounts = [0, 1, 4, 5, 6];

  for (const stored of STORED) {
    for (const moment of moments) {
      for (const attempts of attemptCounts) {
        const want = expected(stored, moment.expired, attempts, 5);
        it(`${stored}, ${moment.label}, ${attempts}/5 attempts → ${want}`, () => {
          expect(effectiveStatus(record({ status: stored, attempts }), moment.now)).toBe(want);
        });
      }
    }
  }

  it('only ever answers one of the contract statuses', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STORED),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: CREATED - 1_000, max: EXPIRES + 1_000 }),
        (stored, attempts, maxAttempts, now) => {
          const status = effectiveStatus(record({ status: stored, attempts, maxAttempts }), now);
          expect(STATUSES).toContain(status);
          expect(status).toBe(expected(stored, now >= EXPIRES, attempts, maxAttempts));
        },
      ),
    );
  });

  it('an approved verification stays approved after expiry, and never turns max_attempts_reached', () => {
    const approved = record({ status: 'approved', attempts: 5, approvedAt: CREATED + 1 });
    expect(effectiveStatus(approved, EXPIRES + 1)).toBe('approved');
  });
});

describe('attemptsRemaining', () => {
  it('counts down from maxAttempts and never goes below zero', () => {
    expect(attemptsRemaining(record({ attempts: 0 }))).toBe(5);
    expect(attemptsRemaining(record({ attempts: 4 }))).toBe(1);
    expect(attemptsRemaining(record({ attempts: 5 }))).toBe(0);
    expect(attemptsRemaining(record({ attempts: 9 }))).toBe(0);
    fc.assert(
      fc.property(fc.nat(1_000), fc.integer({ min: 1, max: 100 }), (attempts, maxAttempts) => {
        const left = attemptsRemaining(record({ attempts, maxAttempts }));
        expect(left).toBeGreaterThanOrEqual(0);
        expect(left).toBe(Math.max(0, maxAttempts - attempts));
        expect(Number.isInteger(left)).toBe(true);
      }),
    );
  });
});

describe('views: what callers see of a record', () => {
  it('masks the destination and reports times as ISO 8601', () => {
    const r = record();
    expect(sendView(r, CREATED, 30)).toEqual({
      id: r.id,
      to: '+1********23',
      channel: 'sms',
      status: 'pending',
      expiresAt: '2026-11-23T10:05:00.000Z',
      attemptsRemaining: 5,
      resendAvailableAt: '2026-11-23T10:00:30.000Z',
    });
    expect(statusView(r, EXPIRES)).toEqual({
      id: r.id,
      to: '+1********23',
      channel: 'sms',
      status: 'expired',
      createdAt: '2026-11-23T10:00:00.000Z',
      expiresAt: '2026-11-23T10:05:00.000Z',
      attemptsRemaining: 5,
      delivery: 'unknown',
    });
    expect(JSON.stringify(statusView(record({ maskedTo: 'a***@example.com' }), CREATED))).toContain(
      'a***@example.com',
    );
  });

  it('a claimed step whose task stopped before recording its outcome shows as unknown, not sending forever', () => {
    const claimedAt = CREATED + 60_000;
    const r = record({ cascade: [{ channel: 'voice', afterSeconds: 60, state: 'sending', at: claimedAt }] });
    const stepAt = (now: number) => statusView(r, now).cascade?.[0];
    expect(stepAt(claimedAt + 10_000)).toMatchObject({ status: 'sending', at: '2026-11-23T10:01:00.000Z' });
    expect(stepAt(claimedAt + STEP_OUTCOME_UNKNOWN_AFTER_MS)).toMatchObject({ status: 'sending' });
    expect(stepAt(claimedAt + STEP_OUTCOME_UNKNOWN_AFTER_MS + 1)).toMatchObject({
      status: 'unknown',
      at: '2026-11-23T10:01:00.000Z',
    });
    // A step that ended keeps its outcome, however old.
    const sent = record({ cascade: [{ channel: 'voice', afterSeconds: 60, state: 'sent', at: claimedAt }] });
    expect(statusView(sent, claimedAt + 3_600_000).cascade?.[0]).toMatchObject({ status: 'sent' });
  });

  it('checkView is valid exactly when the status is approved', () => {
    for (const stored of STORED) {
      for (const attempts of [0, 5]) {
        const view = checkView(record({ status: stored, attempts }), CREATED);
        expect(view.valid).toBe(view.status === 'approved');
      }
    }
  });
});
