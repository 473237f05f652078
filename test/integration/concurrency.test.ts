/**
 * The rules that must hold however many requests race: each is one conditional write in DynamoDB,
 * and these tests fire the requests at once against DynamoDB Local to prove it.
 */
import { describe, expect, it } from 'vitest';
import { auditedServices } from '../support/audit.ts';
import { wrongCodeFor } from '../support/codes.ts';
import { routes, type TestResponse } from '../support/service.ts';
import { idOf } from './helpers.ts';

const services = auditedServices();
const ANA_PHONE = '+14155550123';
const phone = (i: number) => `+1415555${String(100 + i).padStart(4, '0')}`;

/** "status/detail" → how many answers had it, e.g. { '200/approved': 1, '409/approved': 24 }. */
function tally(answers: TestResponse[], detail: (a: TestResponse) => unknown) {
  const counts: Record<string, number> = {};
  for (const answer of answers) {
    const key = `${answer.status}/${String(detail(answer))}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
const statusOf = (a: TestResponse) => a.body['status'];
const reasonOf = (a: TestResponse) => a.body.error?.reason ?? a.body.error?.code ?? a.body['status'];

async function started() {
  const s = await services.create();
  const api = routes(s);
  const id = idOf(await api.send({ to: ANA_PHONE, channel: 'sms' }));
  return { s, api, id, code: s.lastCode(ANA_PHONE) };
}

describe('Racing checks', () => {
  it('approves a code at most once under 25 parallel checks', async () => {
    const { api, id, code } = await started();
    const answers = await Promise.all(Array.from({ length: 25 }, () => api.check(id, { code })));

    expect(tally(answers, statusOf)).toEqual({ '200/approved': 1, '409/approved': 24 });
    for (const closed of answers.filter((a) => a.status === 409)) {
      expect(closed.body.error?.code).toBe('verification_closed');
    }
    expect((await api.get(id)).body).toMatchObject({ status: 'approved', attemptsRemaining: 5 });
  });

  it('counts no more than the 5 allowed attempts under 20 parallel wrong codes', async () => {
    const { api, id, code } = await started();
    const wrong = wrongCodeFor(code);
    const answers = await Promise.all(Array.from({ length: 20 }, () => api.check(id, { code: wrong })));

    const counted = answers.filter((a) => a.status === 200);
    expect(counted.map((a) => a.body['attemptsRemaining']).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(counted.every((a) => a.body['valid'] === false)).toBe(true);
    expect(tally(answers, statusOf)).toEqual({
      '200/pending': 4,
      '200/max_attempts_reached': 1,
      '409/max_attempts_reached': 15,
    });
    expect((await api.get(id)).body).toMatchObject({ status: 'max_attempts_reached', attemptsRemaining: 0 });
    expect((await api.check(id, { code })).status).toBe(409);
  });

  it('lets exactly one of racing cancels and right-code checks close the verification', async () => {
    const { api, id, code } = await started();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? api.cancel(id) : api.check(id, { code }))),
    );

    const winners = answers.filter((a) => a.status === 200);
    expect(winners).toHaveLength(1);
    const final = winners[0]!.body['status'];
    expect(['approved', 'canceled']).toContain(final);
    expect(tally(answers, statusOf)).toEqual({ [`200/${final}`]: 1, [`409/${final}`]: 19 });
  });

  it('keeps answering checks, never with a 5xx, while resends of the same verification race them', async () => {
    const { s, api, id, code } = await started();
    s.clock.advance(30);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0 ? api.send({ to: ANA_PHONE, channel: 'sms' }) : api.check(id, { code }),
      ),
    );

    expect(answers.filter((a) => a.status >= 500).map((a) => a.body)).toEqual([]);
    const checks = answers.filter((_, i) => i % 2 === 1);
    const sends = answers.filter((_, i) => i % 2 === 0);
    expect(checks.filter((a) => a.status === 200).map(statusOf)).toEqual(['approved']);
    // The others see it approved, or (once a send after the approval started a new verification to
    // the same destination, which replaces it) no longer find it.
    for (const other of checks.filter((a) => a.status !== 200)) {
      expect([
        [409, 'approved'],
        [404, undefined],
      ]).toContainEqual([other.status, other.body['status']]);
    }
    // At most one resend of it and one new verification after the approval go out.
    expect(sends.filter((a) => a.status === 200).length).toBeLessThanOrEqual(1);
    expect(sends.filter((a) => a.status === 201).length).toBeLessThanOrEqual(1);
    expect(sends.filter((a) => a.status >= 300).map(reasonOf)).toEqual(
      Array(sends.filter((a) => a.status >= 300).length).fill('cooldown'),
    );
    expect(s.outbox.messages.length).toBe(1 + sends.filter((a) => a.status < 300).length);
  });
});

describe('Racing sends', () => {
  it('delivers exactly one message when 20 sends to one destination arrive at once', async () => {
    const s = await services.create();
    const api = routes(s);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => api.send({ to: ANA_PHONE, channel: 'sms' })),
    );

    expect(tally(answers, reasonOf)).toEqual({ '201/pending': 1, '429/cooldown': 19 });
    expect(s.outbox.messages).toHaveLength(1);
    for (const refused of answers.filter((a) => a.status === 429)) {
      expect(Number(refused.headers['retry-after'])).toBe(30);
    }
  });

  it('sends one message when retries with the same Idempotency-Key arrive at once', async () => {
    const s = await services.create();
    const api = routes(s);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        api.send({ to: ANA_PHONE, channel: 'sms' }, { 'Idempotency-Key': 'signup-7' }),
      ),
    );

    expect(s.outbox.messages).toHaveLength(1);
    const ids = new Set(answers.filter((a) => a.status === 201).map((a) => a.body['id']));
    expect(ids.size).toBe(1);
    for (const other of answers.filter((a) => a.status !== 201)) {
      expect([other.status, other.body.error?.code]).toEqual([409, 'idempotency_in_progress']);
    }
  });

  it('lets exactly 7 of 100 parallel SMS sends through a spend brake of 7 per minute', async () => {
    const s = await services.create({ settings: { phoneSendsPerMinute: 7 } });
    const api = routes(s);
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => api.send({ to: phone(i), channel: 'sms' })),
    );

    expect(tally(answers, reasonOf)).toEqual({ '201/pending': 7, '429/spend_limit': 93 });
    expect(s.outbox.messages).toHaveLength(7);
    const secondsToNextMinute = 60 - new Date(s.clock.now).getUTCSeconds();
    for (const refused of answers.filter((a) => a.status === 429)) {
      expect(refused.headers['retry-after']).toBe(String(secondsToNextMinute));
    }

    const email = await api.send({ to: 'ana@example.com', channel: 'email' });
    expect(email.status).toBe(201);
    const voice = await api.send({ to: phone(100), channel: 'voice' });
    expect([voice.status, voice.body.error?.reason]).toEqual([429, 'spend_limit']);

    s.clock.advance(secondsToNextMinute);
    expect((await api.send({ to: phone(100), channel: 'sms' })).status).toBe(201);
  }, 90_000); // DynamoDB Local runs transactions one at a time: ~650 of them here
});
