/**
 * Every message a verification sends counts under the destination's limits, and phone messages under
 * the spend brake, whatever path sends it: the voice-fallback call (a cascade step) like the SMS it
 * follows, and a new verification right after the previous one was canceled or ran out of attempts
 * (the cooldown belongs to the destination). Over DynamoDB Local; the call runs the workflow task's
 * engine call.
 */
import { describe, expect, it } from 'vitest';
import { placeDueSteps } from '../../functions/core/cascade-step.ts';
import type { CascadeScheduler } from '../../functions/core/ports.ts';
import { auditedServices } from '../support/audit.ts';
import { wrongCodeFor } from '../support/codes.ts';
import { routes, type TestService } from '../support/service.ts';
import { idOf } from './helpers.ts';

const services = auditedServices();
const phone = (i: number) => `+1415555${String(300 + i).padStart(4, '0')}`;

/** A service whose SMS ask for the fallback (the workflow itself is tested in test/workflow/). */
async function fallbackService(settings: Parameters<typeof services.create>[0] = {}) {
  const started: string[] = [];
  const cascade: CascadeScheduler = {
    async schedule(id) {
      started.push(id);
    },
  };
  // A 30 s fallback wait: the calls below come within the same minute of the spend brake as their SMS.
  const s = await services.create({
    ...settings,
    settings: { voiceFallbackSeconds: 30, ...settings.settings },
    cascade,
  });
  return { s, api: routes(s), started };
}

const voiceCalls = (s: TestService) => s.outbox.messages.filter((m) => m.channel === 'voice');
/** Runs the step task for `id`, and answers what GET then shows of its call (the first cascade step). */
async function callFallback(s: TestService, id: string) {
  await placeDueSteps(s.api.deps, id);
  const step = ((await routes(s).get(id)).body['cascade'] as Array<Record<string, unknown>>)[0]!;
  return step['status'] === 'sent' ? { called: true } : { called: false, reason: step['reason'] };
}

describe('The voice-fallback call is a phone send', () => {
  it('is refused by a full spend brake: 3 unverified SMS under a brake of 3 a minute bring no call', async () => {
    const { s, api } = await fallbackService({
      settings: { phoneSendsPerMinute: 3, phoneSendsPerDay: 1000, spendBrakeShards: 1 },
    });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(idOf(await api.send({ to: phone(i), channel: 'sms' })));
    s.clock.advance(30); // the fallback wait, within the same minute window of the brake

    const results = [];
    for (const id of ids) results.push(await callFallback(s, id));

    expect(results).toEqual(ids.map(() => ({ called: false, reason: 'spend_limit' })));
    expect(voiceCalls(s)).toHaveLength(0);
    const shown = (await api.get(ids[0]!)).body;
    expect(shown).toMatchObject({
      status: 'pending',
      cascade: [
        {
          channel: 'voice',
          status: 'skipped',
          at: new Date(s.clock.now).toISOString(),
          reason: 'spend_limit',
        },
      ],
    });
    // Skipped is final: the workflow's retry or a duplicate execution does not call later.
    s.clock.advance(60);
    expect(await callFallback(s, ids[0]!)).toEqual({ called: false, reason: 'spend_limit' });
    expect(voiceCalls(s)).toHaveLength(0);
  });

  it('takes its place under the brake: with room for 4, three SMS and the first fallback call pass', async () => {
    const { s, api } = await fallbackService({
      settings: { phoneSendsPerMinute: 4, phoneSendsPerDay: 1000, spendBrakeShards: 2 },
    });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(idOf(await api.send({ to: phone(10 + i), channel: 'sms' })));
    s.clock.advance(30);

    const results = [];
    for (const id of ids) results.push(await callFallback(s, id));

    expect(results).toEqual([
      { called: true },
      { called: false, reason: 'spend_limit' },
      { called: false, reason: 'spend_limit' },
    ]);
    expect(voiceCalls(s)).toHaveLength(1);
    expect((await api.get(ids[0]!)).body['cascade']).toEqual([
      {
        channel: 'voice',
        to: '+1********10',
        afterSeconds: 30,
        status: 'sent',
        at: new Date(s.clock.now).toISOString(),
      },
    ]);
  });

  it("is refused by the destination's hourly limit, and counts toward it when placed", async () => {
    const { s, api } = await fallbackService({ settings: { maxSendsPerHour: 2, resendCooldownSeconds: 30 } });
    const to = phone(20);
    const id = idOf(await api.send({ to, channel: 'sms' }));
    s.clock.advance(30);
    expect(await callFallback(s, id)).toEqual({ called: true }); // the second send this hour

    s.clock.advance(30);
    const third = await api.send({ to, channel: 'sms' }); // a resend: the third message this hour
    expect([third.status, third.body.error?.reason]).toEqual([429, 'destination_limit']);

    // A second destination: its SMS is the first send, its call the second; a resend then is refused.
    const other = phone(21);
    const otherId = idOf(await api.send({ to: other, channel: 'sms' }));
    s.clock.advance(31);
    expect((await api.send({ to: other, channel: 'sms' })).status).toBe(200); // resend: 2 of 2
    expect(await callFallback(s, otherId)).toEqual({ called: false, reason: 'destination_limit' });
    expect((await api.get(otherId)).body['cascade']).toMatchObject([
      { status: 'skipped', reason: 'destination_limit' },
    ]);
  });

  it('is a message under the cooldown too: a resend right after the call waits', async () => {
    const { s, api } = await fallbackService();
    const to = phone(31);
    const id = idOf(await api.send({ to, channel: 'sms' }));
    s.clock.advance(60);
    expect(await callFallback(s, id)).toEqual({ called: true });

    s.clock.advance(5);
    const resend = await api.send({ to, channel: 'sms' });

    expect([resend.status, resend.body.error?.reason, resend.headers['retry-after']]).toEqual([
      429,
      'cooldown',
      '25',
    ]);
  });

  it('is shown in GET as scheduled while no call was due', async () => {
    const { api, started } = await fallbackService();
    const id = idOf(await api.send({ to: phone(30), channel: 'sms' }));
    expect(started).toEqual([id]);
    expect((await api.get(id)).body['cascade']).toEqual([
      { channel: 'voice', to: '+1********30', afterSeconds: 30, status: 'scheduled' },
    ]);
  });
});

describe('The resend cooldown belongs to the destination', () => {
  it('refuses a new code right after cancel-and-restart, with the seconds left, and sends it once the cooldown passed', async () => {
    const s = await services.create();
    const api = routes(s);
    const to = phone(40);
    const id = idOf(await api.send({ to, channel: 'sms' }));
    s.clock.advance(5);
    expect((await api.cancel(id)).status).toBe(200);

    const restarted = await api.send({ to, channel: 'sms' });

    expect([restarted.status, restarted.body.error?.reason]).toEqual([429, 'cooldown']);
    expect(restarted.headers['retry-after']).toBe('25');
    expect(s.outbox.messages).toHaveLength(1);
    s.clock.advance(25);
    expect((await api.send({ to, channel: 'sms' })).status).toBe(201);
    expect(s.outbox.messages).toHaveLength(2);
  });

  it('refuses a new code right after the attempts were burnt', async () => {
    const s = await services.create();
    const api = routes(s);
    const to = 'burn@example.com';
    const id = idOf(await api.send({ to, channel: 'email' }));
    const wrong = wrongCodeFor(s.lastCode(to));
    for (let i = 0; i < 5; i++) await api.check(id, { code: wrong });
    expect((await api.get(id)).body['status']).toBe('max_attempts_reached');

    const restarted = await api.send({ to, channel: 'email' });

    expect([restarted.status, restarted.body.error?.reason]).toEqual([429, 'cooldown']);
    expect(s.outbox.messages).toHaveLength(1);
  });

  it('sends no codes back to back through any mix of cancel, burn and restart: one per cooldown', async () => {
    const s = await services.create();
    const api = routes(s);
    const to = phone(41);
    // Five rounds of restart-then-cancel within a few seconds: one SMS in all.
    for (let round = 0; round < 5; round++) {
      const sent = await api.send({ to, channel: 'sms' });
      if (sent.status === 201) await api.cancel(sent.body['id'] as string);
      s.clock.advance(1);
    }
    expect(s.outbox.messages).toHaveLength(1);
  });

  it('keeps the cooldown after a refused resend: the first message did arrive', async () => {
    const s = await services.create();
    const api = routes(s);
    const to = phone(42);
    idOf(await api.send({ to, channel: 'sms' }));
    s.clock.advance(30);
    s.outbox.failNext();
    expect((await api.send({ to, channel: 'sms' })).status).toBe(502);

    const again = await api.send({ to, channel: 'sms' });

    expect([again.status, again.body.error?.reason]).toEqual([429, 'cooldown']);
    expect(s.outbox.messages).toHaveLength(1);
  });

  it('lifts the cooldown after a refused first message: nothing reached the destination', async () => {
    const s = await services.create();
    const api = routes(s);
    const to = phone(43);
    s.outbox.failNext();
    expect((await api.send({ to, channel: 'sms' })).status).toBe(502);

    expect((await api.send({ to, channel: 'sms' })).status).toBe(201);
  });

  it('lets a new verification start at once after an approval (whoever approved holds the destination)', async () => {
    const s = await services.create();
    const api = routes(s);
    const to = 'approved@example.com';
    const id = idOf(await api.send({ to, channel: 'email' }));
    expect((await api.check(id, { code: s.lastCode(to) })).body['valid']).toBe(true);

    const next = await api.send({ to, channel: 'email' });

    expect(next.status).toBe(201);
    expect(next.body['id']).not.toBe(id);
  });
});
