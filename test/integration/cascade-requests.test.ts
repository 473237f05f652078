/**
 * The cascade as a start request names it, over DynamoDB Local and the real routes: what is accepted
 * and stored, what is refused (a 400 naming the field), the defaults and the `voiceFallback`
 * shorthand, a resend, and a first message the channel refuses. Placing the steps is the workflow's
 * (test/workflow/cascade.test.ts); here the step task's engine call runs directly where a step is due.
 */
import { describe, expect, it } from 'vitest';
import { placeDueSteps } from '../../functions/core/cascade-step.ts';
import type { CascadeScheduler } from '../../functions/core/ports.ts';
import { auditedServices } from '../support/audit.ts';
import { routes } from '../support/service.ts';
import { idOf } from './helpers.ts';

const services = auditedServices();
const phone = (i: number) => `+1415555${String(600 + i).padStart(4, '0')}`;

/** A service with the cascade on, recording what the start route scheduled. */
async function cascadeService(settings: NonNullable<Parameters<typeof services.create>[0]>['settings'] = {}) {
  const scheduled: Array<[string, number]> = [];
  const cascade: CascadeScheduler = {
    async schedule(id, delaySeconds) {
      scheduled.push([id, delaySeconds]);
    },
  };
  const s = await services.create({ settings, cascade });
  return { s, api: routes(s), scheduled };
}

const stepsOf = async (api: ReturnType<typeof routes>, id: string) =>
  (await api.get(id)).body['cascade'] as Array<Record<string, unknown>> | undefined;

describe('Cascade requests: accepted', () => {
  it('stores the steps, each with its channel and masked destination, and schedules the first', async () => {
    const { api, scheduled } = await cascadeService();
    const id = idOf(
      await api.send({
        to: phone(1),
        channel: 'sms',
        cascade: [
          { channel: 'voice', afterSeconds: 30 },
          { channel: 'email', to: 'Ada.Lovelace@example.com', afterSeconds: 60 },
        ],
      }),
    );
    expect(scheduled).toEqual([[id, 30]]);
    expect(await stepsOf(api, id)).toEqual([
      { channel: 'voice', to: '+1********01', afterSeconds: 30, status: 'scheduled' },
      { channel: 'email', to: 'a***@example.com', afterSeconds: 60, status: 'scheduled' },
    ]);
  });

  it('keeps the cascade on a resend, and schedules nothing more', async () => {
    const { s, api, scheduled } = await cascadeService();
    const id = idOf(
      await api.send({ to: phone(2), channel: 'sms', cascade: [{ channel: 'voice', afterSeconds: 45 }] }),
    );
    s.clock.advance(31);
    const resent = await api.send({ to: phone(2), channel: 'sms' });
    expect([resent.status, resent.body['id']]).toEqual([200, id]);
    expect(scheduled).toHaveLength(1);
    expect(await stepsOf(api, id)).toMatchObject([
      { channel: 'voice', afterSeconds: 45, status: 'scheduled' },
    ]);
  });

  it('gives an sms the voice fallback by default, `voiceFallback: false` or `cascade: []` none, and email none', async () => {
    const { api, scheduled } = await cascadeService({ voiceFallbackSeconds: 40 });
    const byDefault = idOf(await api.send({ to: phone(3), channel: 'sms' }));
    expect(await stepsOf(api, byDefault)).toEqual([
      { channel: 'voice', to: '+1********03', afterSeconds: 40, status: 'scheduled' },
    ]);
    const off = idOf(await api.send({ to: phone(4), channel: 'sms', voiceFallback: false }));
    const empty = idOf(await api.send({ to: phone(5), channel: 'sms', cascade: [] }));
    const email = idOf(await api.send({ to: 'no-fallback@example.com', channel: 'email' }));
    for (const id of [off, empty, email]) expect((await api.get(id)).body).not.toHaveProperty('cascade');
    expect(scheduled.map(([id]) => id)).toEqual([byDefault]);
  });

  it('applies the configured default cascade, keeping only the steps that suit the request', async () => {
    const { api } = await cascadeService({
      defaultCascade: [
        { channel: 'voice', afterSeconds: 20 },
        { channel: 'email', afterSeconds: 40 },
      ],
    });
    // An email step cannot follow a phone number: only the voice step is kept.
    const sms = idOf(await api.send({ to: phone(6), channel: 'sms' }));
    expect((await stepsOf(api, sms))?.map((step) => step['channel'])).toEqual(['voice']);
    // A voice step cannot follow an email address: only the email step (a resend, after the cooldown).
    const email = idOf(await api.send({ to: 'first@example.com', channel: 'email' }));
    expect(await stepsOf(api, email)).toEqual([
      { channel: 'email', to: 'f***@example.com', afterSeconds: 40, status: 'scheduled' },
    ]);
  });
});

describe('Cascade requests: refused with a 400 naming the field', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    [
      'four steps',
      { cascade: Array.from({ length: 4 }, () => ({ channel: 'voice', afterSeconds: 30 })) },
      'cascade',
    ],
    ['an unknown channel', { cascade: [{ channel: 'fax', afterSeconds: 10 }] }, 'cascade[0].channel'],
    ['a wait of zero', { cascade: [{ channel: 'voice', afterSeconds: 0 }] }, 'cascade[0].afterSeconds'],
    ['a fractional wait', { cascade: [{ channel: 'voice', afterSeconds: 1.5 }] }, 'cascade[0].afterSeconds'],
    [
      'waits past the code',
      {
        cascade: [
          { channel: 'voice', afterSeconds: 200 },
          { channel: 'sms', afterSeconds: 100 },
        ],
      },
      'cascade[1].afterSeconds',
    ],
    [
      'a step without the destination its channel needs',
      { cascade: [{ channel: 'email', afterSeconds: 10 }] },
      'to',
    ],
    [
      'a step destination that is not one',
      { cascade: [{ channel: 'email', to: 'not-an-address', afterSeconds: 10 }] },
      'cascade[0].to',
    ],
    [
      'both forms',
      { cascade: [{ channel: 'voice', afterSeconds: 10 }], voiceFallback: true },
      'voiceFallback',
    ],
    ['not an array', { cascade: { channel: 'voice' } }, 'cascade'],
    [
      'a step repeating the message before it sooner than the cooldown',
      { cascade: [{ channel: 'sms', afterSeconds: 10 }] },
      'cascade[0].afterSeconds',
    ],
  ];
  for (const [what, extra, field] of cases) {
    it(`refuses ${what}`, async () => {
      const { s, api, scheduled } = await cascadeService();
      const answer = await api.send({ to: phone(10), channel: 'sms', ...extra });
      expect(
        [answer.status, answer.body.error?.code, answer.body.error?.field],
        JSON.stringify(answer.body),
      ).toEqual([400, 'invalid_request', field]);
      expect(s.outbox.messages).toHaveLength(0);
      expect(scheduled).toHaveLength(0);
    });
  }

  it('refuses a step on a channel this service does not have, and any cascade where the cascade is off', async () => {
    const { senders } = await (async () => {
      const s = await services.create();
      const { voice: _voice, ...rest } = s.outbox.senders();
      return { senders: rest };
    })();
    const noVoice = await services.create({ senders, cascade: { async schedule() {} } });
    const answer = await routes(noVoice).send({
      to: phone(11),
      channel: 'sms',
      cascade: [{ channel: 'voice', afterSeconds: 10 }],
    });
    expect([answer.status, answer.body.error?.field]).toEqual([400, 'cascade[0].channel']);
    const off = await services.create();
    const refused = await routes(off).send({
      to: phone(12),
      channel: 'sms',
      cascade: [{ channel: 'sms', afterSeconds: 10 }],
    });
    expect([refused.status, refused.body.error?.field]).toEqual([400, 'cascade[0].channel']);
  });
});

describe('Cascade requests: a first message the channel refuses', () => {
  it('keeps the verification pending, answers 201 with delivery failed, and the first step is due at once', async () => {
    const { s, api, scheduled } = await cascadeService();
    s.outbox.failNext();
    const answer = await api.send({
      to: phone(20),
      channel: 'sms',
      cascade: [{ channel: 'email', to: 'fallback@example.com', afterSeconds: 60 }],
    });
    expect([answer.status, answer.body['status'], answer.body['delivery']]).toEqual([
      201,
      'pending',
      'failed',
    ]);
    const id = answer.body['id'] as string;
    expect(scheduled).toEqual([[id, 0]]);
    expect((await api.get(id)).body).toMatchObject({ status: 'pending', delivery: 'failed' });

    expect(await placeDueSteps(s.api.deps, id)).toEqual({ done: true });
    const email = s.outbox.messages.filter((m) => m.channel === 'email');
    expect(email.map((m) => m.to)).toEqual(['fallback@example.com']);
    const code = s.lastCode('fallback@example.com');
    expect((await api.check(id, { code })).body).toMatchObject({ status: 'approved' });
  });

  it('WhatsApp first, SMS after: a number without WhatsApp gets its SMS at once, with the same code', async () => {
    const { s, api, scheduled } = await cascadeService();
    s.outbox.failNext(); // Meta's refusal: no WhatsApp account on this number
    const answer = await api.send({
      to: phone(21),
      channel: 'whatsapp',
      cascade: [{ channel: 'sms', afterSeconds: 30 }],
    });
    expect([answer.status, answer.body['delivery']]).toEqual([201, 'failed']);
    const id = answer.body['id'] as string;
    expect(scheduled).toEqual([[id, 0]]);
    await placeDueSteps(s.api.deps, id);
    expect(s.outbox.messages.map((m) => m.channel)).toEqual(['sms']);
    expect((await api.check(id, { code: s.lastCode(phone(21)) })).body).toMatchObject({ status: 'approved' });
  });

  it('without a cascade, is still a 502 and closes the verification', async () => {
    const { s, api } = await cascadeService();
    s.outbox.failNext();
    const answer = await api.send({ to: 'plain@example.com', channel: 'email' });
    expect([answer.status, answer.body.error?.code]).toEqual([502, 'delivery_failed']);
  });
});

describe('Cascade requests: a payment', () => {
  it('every step shows the payment the code approves, like the first message', async () => {
    const { s, api } = await cascadeService();
    const transaction = { amount: '49.90', currency: 'EUR', payee: 'Acme Shop' };
    const id = idOf(
      await api.send({
        to: phone(30),
        channel: 'sms',
        transaction,
        cascade: [{ channel: 'email', to: 'payer@example.com', afterSeconds: 30 }],
      }),
    );
    s.clock.advance(30);
    await placeDueSteps(s.api.deps, id);
    const [first, step] = s.outbox.messages;
    for (const message of [first!, step!]) {
      expect(message.body).toContain('Acme Shop');
      expect(message.body).toContain('49.90');
    }
    expect(step!.channel).toBe('email');
    const code = s.lastCode('payer@example.com');
    expect((await api.check(id, { code, transaction })).body).toMatchObject({
      status: 'approved',
      transaction,
    });
  });
});

describe('Cascade requests: what the review found', () => {
  it('a step counts under the device IP the start named', async () => {
    const { s, api } = await cascadeService({ maxSendsPerDeviceIpPerHour: 1 });
    const id = idOf(
      await api.send({
        to: phone(40),
        channel: 'sms',
        deviceIp: '203.0.113.7',
        cascade: [{ channel: 'email', to: 'ip@example.com', afterSeconds: 30 }],
      }),
    );
    s.clock.advance(30);
    await placeDueSteps(s.api.deps, id);
    expect(await stepsOf(api, id)).toMatchObject([{ status: 'skipped', reason: 'ip_limit' }]);
    expect(s.outbox.messages.map((m) => m.channel)).toEqual(['sms']);
  });

  it('a refused resend keeps the verification: the code the person has still approves', async () => {
    const { s, api } = await cascadeService();
    const to = phone(41);
    const id = idOf(
      await api.send({ to, channel: 'sms', cascade: [{ channel: 'voice', afterSeconds: 30 }] }),
    );
    const code = s.lastCode(to);
    s.clock.advance(31);
    s.outbox.failNext();
    expect((await api.send({ to, channel: 'sms' })).status).toBe(502);
    expect((await api.get(id)).body['status']).toBe('pending');
    expect((await api.check(id, { code })).body).toMatchObject({ status: 'approved' });
  });

  it("a step's destination outside the allowed countries answers country_not_allowed, naming the step", async () => {
    const { api } = await cascadeService({ allowedCountries: ['US'] });
    const answer = await api.send({
      to: phone(42),
      channel: 'sms',
      cascade: [{ channel: 'voice', to: '+33612345678', afterSeconds: 30 }],
    });
    expect([answer.status, answer.body.error?.code, answer.body.error?.field]).toEqual([
      400,
      'country_not_allowed',
      'cascade[0].to',
    ]);
  });

  it("a sent step keeps its claim's time: the next step counts from when it left, however long the send took", async () => {
    const { s, api } = await cascadeService();
    const id = idOf(
      await api.send({
        to: phone(43),
        channel: 'sms',
        cascade: [
          { channel: 'voice', afterSeconds: 30 },
          { channel: 'email', to: 'later@example.com', afterSeconds: 60 },
        ],
      }),
    );
    s.clock.advance(30);
    const claimedAt = s.clock.now;
    // The voice provider takes 5 s: the clock moves while the step is being sent.
    const voice = s.api.deps.senders.voice!;
    s.api.deps.senders.voice = {
      async send(message) {
        s.clock.advance(5);
        return voice.send(message);
      },
    };
    expect(await placeDueSteps(s.api.deps, id)).toEqual({ done: false, waitSeconds: 55 });
    expect((await stepsOf(api, id))?.[0]).toMatchObject({
      status: 'sent',
      at: new Date(claimedAt).toISOString(),
    });
  });
});
