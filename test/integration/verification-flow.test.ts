/**
 * The verification flow of the contract, route by route, against DynamoDB Local over the wire:
 * start, check, status, cancel, expiry, resend, the send limits and Idempotency-Key.
 */
import { describe, expect, it } from 'vitest';
import { auditedServices } from '../support/audit.ts';
import { testClockStart } from '../support/clock.ts';
import { codeOf, deliveredCodes, wrongCodeFor } from '../support/codes.ts';
import { routes } from '../support/service.ts';
import { idOf } from './helpers.ts';

const services = auditedServices();
const ANA_PHONE = '+14155550123';
const ANA_EMAIL = 'ana@example.com';
const START = testClockStart();
const at = (seconds: number) => new Date(START + seconds * 1000).toISOString();
/** Distinct valid US numbers: +14155550100, +14155550101, ... */
const phone = (i: number) => `+1415555${String(100 + i).padStart(4, '0')}`;

async function started(settings: Parameters<typeof services.create>[0] = {}) {
  const s = await services.create({ startAt: START, ...settings });
  const api = routes(s);
  const sent = await api.send({ to: ANA_PHONE, channel: 'sms' });
  expect(sent.status).toBe(201);
  return { s, api, id: idOf(sent), code: s.lastCode(ANA_PHONE) };
}

describe('Starting a verification', () => {
  it('sends an SMS code and answers 201 with the pending verification, destination masked', async () => {
    const s = await services.create({ startAt: START });
    const sent = await routes(s).send({ to: ANA_PHONE, channel: 'sms' });

    expect(sent.status).toBe(201);
    expect(sent.body).toEqual({
      id: expect.stringMatching(/^[A-Za-z0-9_.-]{20,}$/), // URL-safe
      to: '+1********23',
      channel: 'sms',
      status: 'pending',
      expiresAt: at(300),
      attemptsRemaining: 5,
      resendAvailableAt: at(30),
    });
    expect(s.outbox.messages).toHaveLength(1);
    expect(s.outbox.messages[0]).toMatchObject({
      channel: 'sms',
      to: ANA_PHONE,
      verificationId: sent.body['id'],
    });
    expect(s.lastCode(ANA_PHONE)).toMatch(/^\d{6}$/);

    s.clock.advance(12);
    const id = sent.body['id'] as string;
    expect((await routes(s).get(id)).body).toEqual({
      id,
      to: '+1********23',
      channel: 'sms',
      status: 'pending',
      createdAt: at(0),
      expiresAt: at(300),
      attemptsRemaining: 5,
      delivery: 'unknown',
    });
  });

  it('accepts human spacing and punctuation in a phone number as the same destination', async () => {
    const s = await services.create({ startAt: START });
    const api = routes(s);
    const id = idOf(await api.send({ to: '+1 (415) 555-0123', channel: 'sms' }));
    s.clock.advance(30);
    const dotted = await api.send({ to: '+1.415.555.0123', channel: 'sms' });
    s.clock.advance(30);
    const dashed = await api.send({ to: ' +1-415-555-0123 ', channel: 'voice' });

    expect([dotted.status, dotted.body['id']]).toEqual([200, id]);
    expect([dashed.status, dashed.body['id'], dashed.body['to']]).toEqual([200, id, '+1********23']);
    expect(s.outbox.messages.map((m) => m.to)).toEqual([ANA_PHONE, ANA_PHONE, ANA_PHONE]);
  });

  it('sends an email code to the address as written (trimmed) and shows it as a***@example.com', async () => {
    const s = await services.create({ startAt: START });
    const sent = await routes(s).send({ to: 'Ana@Example.COM', channel: 'email' });

    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ to: 'a***@example.com', channel: 'email', status: 'pending' });
    const [message] = s.outbox.messages;
    expect(message).toMatchObject({ channel: 'email', to: 'Ana@Example.COM', subject: expect.any(String) });
    expect(message?.html).toContain(codeOf(message!));
  });

  it('refuses a phone number outside the allowed countries on the to field, for SMS and voice', async () => {
    const s = await services.create({ startAt: START, settings: { allowedCountries: ['US'] } });
    const api = routes(s);
    for (const channel of ['sms', 'voice']) {
      const refused = await api.send({ to: '+442079460958', channel });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'country_not_allowed', field: 'to' });
    }
    expect((await api.send({ to: ANA_PHONE, channel: 'sms' })).status).toBe(201);
    expect((await api.send({ to: ANA_EMAIL, channel: 'email' })).status).toBe(201);
    expect(s.outbox.messages.map((m) => m.to)).toEqual([ANA_PHONE, ANA_EMAIL]);
  });

  it('refuses a destination that does not fit the channel on the to field', async () => {
    const s = await services.create({ startAt: START });
    const api = routes(s);
    const cases = [
      { to: ANA_EMAIL, channel: 'sms' },
      { to: ANA_EMAIL, channel: 'voice' },
      { to: ANA_PHONE, channel: 'email' },
      { to: '4155550123', channel: 'sms' }, // national format: no country
      { to: '+1415555', channel: 'sms' }, // too short to be a number
      { to: 'ana@', channel: 'email' },
    ];
    for (const body of cases) {
      const refused = await api.send(body);
      expect(
        [refused.status, refused.body.error?.code, refused.body.error?.field],
        JSON.stringify(body),
      ).toEqual([400, 'invalid_request', 'to']);
    }
    expect(s.outbox.messages).toEqual([]);
  });

  it('sends codes of the configured length', async () => {
    const { s, api, id, code } = await started({ settings: { codeLength: 8 } });
    expect(code).toMatch(/^\d{8}$/);
    const sixDigits = await api.check(id, { code: code.slice(0, 6) });
    expect([sixDigits.status, sixDigits.body.error?.field]).toEqual([400, 'code']);
    expect((await api.check(id, { code })).body).toMatchObject({ status: 'approved', valid: true });
    expect(s.outbox.messages).toHaveLength(1);
  });
});

describe('Codes with letters (codeAlphabet: alphanumeric)', () => {
  it('sends letters and digits, and checks them whatever the case, spaces and dashes', async () => {
    const { s, api, id, code } = await started({ settings: { codeAlphabet: 'alphanumeric', codeLength: 8 } });
    expect(code).toMatch(/^[2-9A-HJKMNP-Z]{8}$/);

    const digitsOnly = await api.check(id, { code: '12345678' });
    expect([digitsOnly.status, digitsOnly.body.error?.message]).toEqual([
      400,
      '`code` must be a string of 8 letters and digits.',
    ]);
    const wrong = await api.check(id, { code: wrongCodeFor(code).toLowerCase() });
    expect(wrong.body).toMatchObject({ valid: false, attemptsRemaining: 4 });

    const typed = `${code.slice(0, 4).toLowerCase()} - ${code.slice(4)}`;
    expect((await api.check(id, { code: typed })).body).toMatchObject({ status: 'approved', valid: true });
    expect(s.outbox.messages).toHaveLength(1);
  });
});

describe('Checking a code', () => {
  it('approves the verification with the right code, once', async () => {
    const { api, id, code } = await started();

    const approved = await api.check(id, { code });
    expect(approved.status).toBe(200);
    expect(approved.body).toEqual({ id, status: 'approved', valid: true, attemptsRemaining: 5 });

    const again = await api.check(id, { code });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      error: { code: 'verification_closed', message: expect.any(String) },
      status: 'approved',
    });
    expect((await api.get(id)).body).toMatchObject({ id, status: 'approved' });
  });

  it('counts down the attempts left with each wrong code, and the right code still approves', async () => {
    const { api, id, code } = await started();
    for (const left of [4, 3, 2, 1]) {
      const wrong = await api.check(id, { code: wrongCodeFor(code) });
      expect(wrong.status).toBe(200);
      expect(wrong.body).toEqual({ id, status: 'pending', valid: false, attemptsRemaining: left });
    }
    expect((await api.get(id)).body['attemptsRemaining']).toBe(1);
    expect((await api.check(id, { code })).body).toEqual({
      id,
      status: 'approved',
      valid: true,
      attemptsRemaining: 1,
    });
  });

  it('closes the verification on the last wrong attempt; the right code is refused after that', async () => {
    const { api, id, code } = await started();
    for (let i = 0; i < 4; i++) await api.check(id, { code: wrongCodeFor(code) });

    const last = await api.check(id, { code: wrongCodeFor(code) });
    expect(last.status).toBe(200);
    expect(last.body).toEqual({ id, status: 'max_attempts_reached', valid: false, attemptsRemaining: 0 });

    const right = await api.check(id, { code });
    expect(right.status).toBe(409);
    expect(right.body['status']).toBe('max_attempts_reached');
    expect((await api.get(id)).body).toMatchObject({ status: 'max_attempts_reached', attemptsRemaining: 0 });
  });

  it('refuses a malformed code on the code field without using an attempt', async () => {
    const { api, id, code } = await started();
    const malformed: unknown[] = [
      code.slice(0, 5),
      `${code}0`,
      `${code.slice(0, 5)}a`,
      'abcdef',
      '',
      ` ${code.slice(0, 5)}`,
      '１２３４５６', // full-width digits
      `${code.slice(0, 5)}\u0000`,
      Number(code),
      null,
      [code],
      { code },
      true,
    ];
    for (const bad of malformed) {
      const refused = await api.check(id, { code: bad });
      expect(
        [refused.status, refused.body.error?.code, refused.body.error?.field],
        JSON.stringify(bad),
      ).toEqual([400, 'invalid_request', 'code']);
    }
    const missing = await api.check(id, {});
    expect([missing.status, missing.body.error?.field]).toEqual([400, 'code']);

    expect((await api.get(id)).body['attemptsRemaining']).toBe(5);
    expect((await api.check(id, { code })).body).toMatchObject({ status: 'approved', attemptsRemaining: 5 });
  });

  it('answers 404 not_found for an unknown or malformed id on check, status and cancel', async () => {
    const { s, api, id, code } = await started();
    const swap = (c: string | undefined) => (c === 'A' ? 'B' : 'A');
    const ids = [
      `${id.slice(0, -1)}${swap(id.at(-1))}`, // same destination, another random part
      `${swap(id[0])}${id.slice(1)}`, // another destination, same random part
      Buffer.alloc(26, 7).toString('base64url'),
      'abc',
      `${id}A`,
      encodeURIComponent('../../etc/passwd'),
      encodeURIComponent('ünïcödé-✓'),
      encodeURIComponent(`${id.slice(0, 10)}/${id.slice(11)}`),
    ];
    for (const unknown of ids) {
      for (const answer of [
        await api.check(unknown, { code }),
        await api.get(unknown),
        await api.cancel(unknown),
      ]) {
        expect([answer.status, answer.body.error?.code], unknown).toEqual([404, 'not_found']);
      }
    }
    expect((await api.get(id)).body['status']).toBe('pending');
    expect(s.outbox.messages).toHaveLength(1);
  });

  it('never lets an earlier verification id reach the newer verification to the same destination', async () => {
    const { s, api, id: first, code: firstCode } = await started();
    await api.check(first, { code: firstCode });
    const second = idOf(await api.send({ to: ANA_PHONE, channel: 'sms' }));
    const secondCode = s.lastCode(ANA_PHONE);

    expect(second).not.toBe(first);
    const crossed = await api.check(first, { code: secondCode });
    expect([crossed.status, crossed.body.error?.code]).toEqual([404, 'not_found']);
    expect((await api.get(second)).body).toMatchObject({ status: 'pending', attemptsRemaining: 5 });
    expect((await api.check(second, { code: secondCode })).body['status']).toBe('approved');
  });
});

describe('Closed verifications', () => {
  it('cancels a pending verification once; a second cancel and any check then answer 409 canceled', async () => {
    const { api, id, code } = await started();

    const canceled = await api.cancel(id);
    expect(canceled.status).toBe(200);
    expect(canceled.body).toEqual({ id, status: 'canceled' });

    for (const answer of [await api.cancel(id), await api.check(id, { code })]) {
      expect(answer.status).toBe(409);
      expect(answer.body).toMatchObject({ error: { code: 'verification_closed' }, status: 'canceled' });
    }
    expect((await api.get(id)).body['status']).toBe('canceled');
  });

  it('accepts the right code up to the last second of its validity', async () => {
    const { s, api, id, code } = await started();
    s.clock.advance(299);
    expect((await api.get(id)).body['status']).toBe('pending');
    expect((await api.check(id, { code })).body['status']).toBe('approved');
  });

  it('expires the verification after 300 s: status expired, check and cancel answer 409 expired', async () => {
    const { s, api, id, code } = await started();
    s.clock.advance(301);

    expect((await api.get(id)).body).toMatchObject({ id, status: 'expired', expiresAt: at(300) });
    for (const answer of [await api.check(id, { code }), await api.cancel(id)]) {
      expect(answer.status).toBe(409);
      expect(answer.body).toMatchObject({ error: { code: 'verification_closed' }, status: 'expired' });
    }
  });

  const closers: Record<string, (flow: Awaited<ReturnType<typeof started>>) => Promise<unknown>> = {
    approved: ({ api, id, code }) => api.check(id, { code }),
    canceled: ({ api, id }) => api.cancel(id),
    expired: async ({ s }) => s.clock.advance(300),
    max_attempts_reached: async ({ api, id, code }) => {
      for (let i = 0; i < 5; i++) await api.check(id, { code: wrongCodeFor(code) });
    },
    // (delivery_failed closes only a verification whose first message was refused: its start answered
    // 502 without an id; a refused resend closes nothing, test/integration/faults.test.ts.)
  };

  it.each(Object.keys(closers))(
    'answers a check of a %s verification with 409 and that status',
    async (status) => {
      const flow = await started();
      await closers[status]!(flow);

      const answer = await flow.api.check(flow.id, { code: flow.code });
      expect(answer.status).toBe(409);
      expect(answer.body).toEqual({
        error: { code: 'verification_closed', message: expect.any(String) },
        status,
      });
      expect((await flow.api.get(flow.id)).body['status']).toBe(status);
      const cancel = await flow.api.cancel(flow.id);
      expect([cancel.status, cancel.body['status']]).toEqual([409, status]);
    },
  );

  it('answers 502 delivery_failed when the channel refuses the first message, and the verification is closed', async () => {
    const s = await services.create({ startAt: START });
    const api = routes(s);
    s.outbox.failNext();

    const refused = await api.send({ to: ANA_PHONE, channel: 'sms' });
    expect(refused.status).toBe(502);
    expect(refused.body.error?.code).toBe('delivery_failed');

    // Asking again starts a new verification: the refused one is not usable.
    const retried = await api.send({ to: ANA_PHONE, channel: 'sms' });
    expect(retried.status).toBe(201);
    expect(retried.body['status']).toBe('pending');
    expect(s.outbox.messages).toHaveLength(1);
  });

  it('starts a new verification with a new id once the previous one to the destination is closed', async () => {
    const { s, api, id } = await started();
    s.clock.advance(301);
    const next = await api.send({ to: ANA_PHONE, channel: 'sms' });
    expect(next.status).toBe(201);
    expect(next.body['id']).not.toBe(id);
    expect(next.body['expiresAt']).toBe(at(601));
    expect((await api.get(id)).status).toBe(404);
  });
});

describe('Resending', () => {
  it('re-delivers the same code under the same id, answers 200, and keeps the expiry', async () => {
    const { s, api, id } = await started();
    s.clock.advance(30);

    const resent = await api.send({ to: ANA_PHONE, channel: 'sms' });
    expect(resent.status).toBe(200);
    expect(resent.body).toEqual({
      id,
      to: '+1********23',
      channel: 'sms',
      status: 'pending',
      expiresAt: at(300),
      attemptsRemaining: 5,
      resendAvailableAt: at(60),
    });
    const [first, second] = deliveredCodes(s);
    expect(second).toBe(first);
    expect(s.outbox.messages.map((m) => m.verificationId)).toEqual([id, id]);
  });

  it('switches a resend from SMS to a voice call that reads the same code', async () => {
    const { s, api, id, code } = await started();
    s.clock.advance(45);

    const voice = await api.send({ to: ANA_PHONE, channel: 'voice' });
    expect(voice.status).toBe(200);
    expect(voice.body).toMatchObject({ id, channel: 'voice', expiresAt: at(300) });
    const call = s.outbox.messages[1];
    expect(call?.channel).toBe('voice');
    expect(codeOf(call!)).toBe(code);
    expect(call?.ssml).toContain('<speak');
    expect((await api.get(id)).body['channel']).toBe('voice');
    expect((await api.check(id, { code })).body['status']).toBe('approved');
  });

  it('refuses a resend during the cooldown with 429 cooldown and a Retry-After of the seconds left', async () => {
    const { s, api, id } = await started();
    s.clock.advance(10);

    const early = await api.send({ to: ANA_PHONE, channel: 'sms' });
    expect(early.status).toBe(429);
    expect(early.body).toEqual({
      error: { code: 'rate_limited', message: expect.any(String), reason: 'cooldown' },
    });
    expect(early.headers['retry-after']).toBe('20');
    expect(s.outbox.messages).toHaveLength(1);

    // resendAvailableAt of the first answer is exactly when a resend is accepted.
    s.clock.advance(20);
    const onTime = await api.send({ to: ANA_PHONE, channel: 'sms' });
    expect([onTime.status, onTime.body['id']]).toEqual([200, id]);
  });

  it('refuses the sixth send to a destination within the hour with 429 destination_limit', async () => {
    const s = await services.create({ startAt: START });
    const api = routes(s);
    const sms = { to: ANA_PHONE, channel: 'sms' };

    const first = idOf(await api.send(sms)); // send 1
    s.clock.advance(30);
    expect((await api.send(sms)).status).toBe(200); // send 2: a resend counts as a send
    await api.check(first, { code: s.lastCode(ANA_PHONE) });
    s.clock.advance(30);
    const second = await api.send(sms); // send 3: a new verification, the first is closed
    expect(second.status).toBe(201);
    expect(second.body['id']).not.toBe(first);
    for (let send = 4; send <= 5; send++) {
      s.clock.advance(30);
      expect((await api.send(sms)).status).toBe(200);
    }
    s.clock.advance(30);

    const sixth = await api.send(sms);
    expect(sixth.status).toBe(429);
    expect(sixth.body.error).toMatchObject({ code: 'rate_limited', reason: 'destination_limit' });
    expect(sixth.headers['retry-after']).toBe(String(3600 - 150));
    expect(s.outbox.messages).toHaveLength(5);

    expect((await api.send({ to: phone(1), channel: 'sms' })).status).toBe(201);
    s.clock.advance(3600 - 150);
    expect((await api.send(sms)).status).toBe(201);
  });

  it('limits sends per device IP per hour with 429 ip_limit, whatever the destination or channel', async () => {
    const s = await services.create({ startAt: START, settings: { maxSendsPerDeviceIpPerHour: 3 } });
    const api = routes(s);
    const deviceIp = '203.0.113.7';
    for (let i = 0; i < 3; i++) {
      expect((await api.send({ to: phone(i), channel: 'sms', deviceIp })).status).toBe(201);
    }

    for (const body of [
      { to: phone(3), channel: 'sms', deviceIp },
      { to: ANA_EMAIL, channel: 'email', deviceIp },
    ]) {
      const refused = await api.send(body);
      expect(refused.status).toBe(429);
      expect(refused.body.error?.reason).toBe('ip_limit');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect((await api.send({ to: phone(3), channel: 'sms', deviceIp: '203.0.113.8' })).status).toBe(201);
    expect((await api.send({ to: phone(4), channel: 'sms' })).status).toBe(201);
    expect(s.outbox.messages).toHaveLength(5);
  });

  it('allows 20 sends per device IP per hour by default', async () => {
    const s = await services.create({ startAt: START });
    const api = routes(s);
    const deviceIp = '2001:db8::42';
    for (let i = 0; i < 20; i++) {
      expect((await api.send({ to: phone(i), channel: 'sms', deviceIp })).status).toBe(201);
    }
    const refused = await api.send({ to: phone(20), channel: 'sms', deviceIp });
    expect([refused.status, refused.body.error?.reason]).toEqual([429, 'ip_limit']);
  });

  it('counts one device IP written in another notation against the same device limit', async () => {
    const s = await services.create({ startAt: START, settings: { maxSendsPerDeviceIpPerHour: 1 } });
    const api = routes(s);
    const sameAddress = [
      ['2001:db8::7', '2001:DB8:0:0:0:0:0:7'],
      ['203.0.113.7', '::ffff:203.0.113.7'],
    ];
    let i = 0;
    for (const [first, other] of sameAddress) {
      expect((await api.send({ to: phone(i++), channel: 'sms', deviceIp: first })).status).toBe(201);
      const again = await api.send({ to: phone(i++), channel: 'sms', deviceIp: other });
      expect([again.status, again.body.error?.reason], `${first} then ${other}`).toEqual([429, 'ip_limit']);
    }
  });
});

describe('Idempotency-Key', () => {
  const sms = { to: ANA_PHONE, channel: 'sms' };

  async function withKey() {
    const s = await services.create({ startAt: START });
    const api = routes(s);
    const first = await api.send(sms, { 'Idempotency-Key': 'order-42' });
    expect(first.status).toBe(201);
    return { s, api, first };
  }

  it('answers a repeated request with the first response and sends nothing more', async () => {
    const { s, api, first } = await withKey();
    s.clock.advance(60); // past the cooldown: without the key this would be a resend

    const replayed = await api.send(sms, { 'idempotency-key': 'order-42' });
    expect(replayed.status).toBe(201);
    expect(replayed.body).toEqual(first.body);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    const reordered = await api.send({ channel: 'sms', to: ANA_PHONE }, { 'Idempotency-Key': 'order-42' });
    expect([reordered.status, reordered.body['id']]).toEqual([201, first.body['id']]);
    expect(s.outbox.messages).toHaveLength(1);
  });

  it('refuses the same key with a different body with 422 and sends nothing', async () => {
    const { s, api } = await withKey();
    const other = await api.send({ to: ANA_PHONE, channel: 'voice' }, { 'Idempotency-Key': 'order-42' });
    expect(other.status).toBe(422);
    expect(other.body.error).toMatchObject({ code: 'idempotency_key_reused', field: 'Idempotency-Key' });
    expect(s.outbox.messages).toHaveLength(1);
  });

  it('treats different keys as different requests', async () => {
    const { s, api, first } = await withKey();
    const duringCooldown = await api.send(sms, { 'Idempotency-Key': 'order-43' });
    expect([duringCooldown.status, duringCooldown.body.error?.reason]).toEqual([429, 'cooldown']);

    s.clock.advance(30);
    const resent = await api.send(sms, { 'Idempotency-Key': 'order-44' });
    expect([resent.status, resent.body['id']]).toEqual([200, first.body['id']]);
    expect(resent.headers['idempotent-replayed']).toBeUndefined();
    expect(s.outbox.messages).toHaveLength(2);
  });

  it('lets a rate-limited request be retried with the same key once the limit passes', async () => {
    const { s, api, first } = await withKey();
    expect((await api.send(sms, { 'Idempotency-Key': 'order-43' })).status).toBe(429);
    s.clock.advance(30);
    const retried = await api.send(sms, { 'Idempotency-Key': 'order-43' });
    expect([retried.status, retried.body['id']]).toEqual([200, first.body['id']]);
    expect(s.outbox.messages).toHaveLength(2);
  });

  it('answers a refused delivery again under its key without calling the channel a second time', async () => {
    const s = await services.create({ startAt: START });
    const api = routes(s);
    s.outbox.failNext();
    const refused = await api.send(sms, { 'Idempotency-Key': 'k-502' });
    expect(refused.status).toBe(502);

    const replayed = await api.send(sms, { 'Idempotency-Key': 'k-502' });
    expect(replayed.status).toBe(502);
    expect(replayed.body).toEqual(refused.body);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(s.outbox.messages).toEqual([]);
  });

  it('forgets a key after 10 minutes', async () => {
    const { s, api, first } = await withKey();
    s.clock.advance(601);
    const later = await api.send(sms, { 'Idempotency-Key': 'order-42' });
    expect(later.status).toBe(201);
    expect(later.body['id']).not.toBe(first.body['id']);
    expect(later.headers['idempotent-replayed']).toBeUndefined();
    expect(s.outbox.messages).toHaveLength(2);
  });
});
