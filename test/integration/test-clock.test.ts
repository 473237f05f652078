/**
 * The suite's clock against DynamoDB Local's TTL, which deletes by the real date: a test service's
 * clock starts at or after the real time, so nothing it writes can vanish mid-test, whatever day the
 * suite runs on (a clock fixed at a past date lost live verifications once the calendar moved on).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditedServices, pastTtl, scanTable } from '../support/audit.ts';
import { testClockStart } from '../support/clock.ts';
import { routes } from '../support/service.ts';
import { idOf } from './helpers.ts';

const services = auditedServices();
const DAY = 86_400_000;

describe('the test clock', () => {
  it('starts at the first 10:00 UTC at or after the real time', () => {
    const start = (iso: string) => new Date(testClockStart(Date.parse(iso))).toISOString();
    expect(start('2026-12-03T09:40:12.345Z')).toBe('2026-12-03T10:00:00.000Z');
    expect(start('2026-12-03T10:00:00.000Z')).toBe('2026-12-03T10:00:00.000Z');
    expect(start('2026-12-03T10:00:00.001Z')).toBe('2026-12-04T10:00:00.000Z');
    expect(start('2026-12-31T23:59:59.999Z')).toBe('2027-01-01T10:00:00.000Z');
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('2000-01-01'), max: Date.parse('2100-01-01') }), (now) => {
        const begins = testClockStart(now);
        expect(begins).toBeGreaterThanOrEqual(now);
        expect(begins - now).toBeLessThan(DAY);
        expect(begins % DAY).toBe(10 * 3_600_000);
      }),
    );
  });

  it('gives every item a test service writes a ttl well past the real time, so DynamoDB Local keeps it', async () => {
    const s = await services.create();
    expect(s.clock.now).toBeGreaterThanOrEqual(Date.now());
    const api = routes(s);
    // A verification, its send counters, and an idempotency record.
    const id = idOf(await api.send({ to: '+14155550123', channel: 'sms' }, { 'idempotency-key': 'k-1' }));
    const items = await scanTable(s);
    expect(items.map((item) => item['pk']?.S?.split('#')[0]).sort()).toEqual(
      expect.arrayContaining(['c', 'i', 'v']),
    );
    for (const item of items) {
      expect(Number(item['ttl']?.N) * 1000, JSON.stringify(item['pk'])).toBeGreaterThan(
        Date.now() + 10 * 60_000,
      );
    }
    expect(pastTtl(items)).toEqual([]);
    // The audit's check can fail: a day later by the real clock, every one of them is due.
    expect(pastTtl(items, s.clock.now + 2 * DAY)).toHaveLength(items.length);
    expect((await api.get(id)).body).toMatchObject({ id, status: 'pending' });
  });
});
