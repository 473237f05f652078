/**
 * A representative session — every channel, resends, right and wrong checks, a cancel, an expiry, a
 * refused delivery, rate limits, Idempotency-Key replays — and then an audit of everything the
 * service wrote down: its log lines and every item of its table. No plain code, no full phone number
 * or email address, no device IP may be in either. (Every other file audits its own services for
 * codes in logs and items and destinations in logs, through `auditedServices`.)
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { findSecrets, type Secrets, scanTable } from '../support/audit.ts';
import { deliveredCodes, wrongCodeFor } from '../support/codes.ts';
import { createTestService, routes, type TestService } from '../support/service.ts';
import { idOf, latestCode } from './helpers.ts';

const ANA_PHONE = '+14155550123';
const BEN_PHONE = '+442079460958';
const CARA_PHONE = '+33612345678';
const ANA_EMAIL = 'ana.silva@example.com';
const DEVICE_IP = '203.0.113.77';

let s: TestService;
let items: string[];
const submittedCodes: string[] = [];

/** The session: what a real app would do on a busy afternoon. */
beforeAll(async () => {
  s = await createTestService();
  const api = routes(s);
  const check = async (id: string, code: string) => {
    submittedCodes.push(code);
    return api.check(id, { code });
  };

  // Ana: SMS, a resend by voice, a wrong code, the right one, and a request during the cooldown.
  const ana = idOf(
    await api.send({ to: '+1 (415) 555-0123', channel: 'sms', deviceIp: DEVICE_IP, locale: 'pt-BR' }),
  );
  const anaCode = s.lastCode(ANA_PHONE);
  s.clock.advance(30);
  await api.send({ to: ANA_PHONE, channel: 'voice', deviceIp: DEVICE_IP });
  await api.send({ to: ANA_PHONE, channel: 'sms', deviceIp: DEVICE_IP }); // 429 cooldown
  await check(ana, wrongCodeFor(anaCode));
  await check(ana, anaCode);
  await check(ana, anaCode); // 409 approved

  // Ana by email, with an Idempotency-Key replayed, and a mismatched reuse of it.
  const headers = { 'Idempotency-Key': 'signup-ana-1' };
  const mail = idOf(await api.send({ to: ANA_EMAIL, channel: 'email', locale: 'fr' }, headers));
  await api.send({ to: ANA_EMAIL, channel: 'email', locale: 'fr' }, headers);
  await api.send({ to: ANA_EMAIL, channel: 'email', locale: 'de' }, headers); // 422
  await api.cancel(mail);
  await check(mail, s.lastCode(ANA_EMAIL)); // 409 canceled

  // Ben: the channel refuses; then a new verification that runs out of attempts.
  s.outbox.failNext();
  await api.send({ to: BEN_PHONE, channel: 'sms' }); // 502
  const ben = idOf(await api.send({ to: BEN_PHONE, channel: 'voice' }));
  const benCode = latestCode(s, BEN_PHONE);
  for (let i = 0; i < 6; i++) await check(ben, wrongCodeFor(benCode));
  await api.check(ben, { code: benCode.slice(0, 5) }); // malformed

  // Cara: a code left to expire, then checked too late.
  const cara = idOf(await api.send({ to: CARA_PHONE, channel: 'sms', deviceIp: DEVICE_IP }));
  s.clock.advance(301);
  await check(cara, s.lastCode(CARA_PHONE));
  await api.get(cara);

  items = (await scanTable(s)).map((item) => JSON.stringify(item));
});

const secrets = (): Secrets => ({
  codes: [...deliveredCodes(s), ...submittedCodes],
  destinations: [ANA_PHONE, BEN_PHONE, CARA_PHONE, ANA_EMAIL],
});

describe('After a representative session', () => {
  it('wrote down real traffic: masked destinations in the logs, sealed codes in the table', () => {
    expect(s.outbox.messages.map((m) => m.channel).sort()).toEqual(['email', 'sms', 'sms', 'voice', 'voice']);
    const logs = s.logs.join('\n');
    for (const masked of ['+1********23', '+44********58', 'a***@example.com'])
      expect(logs).toContain(masked);
    expect(items.filter((item) => item.includes('"sealedCode"'))).toHaveLength(4);
    expect(items.filter((item) => item.includes('"codeMac"'))).toHaveLength(4);
  });

  it('logged no code, sent or typed, and no full phone number or email address', () => {
    expect(findSecrets(s.logs, secrets(), { codes: true, destinations: true })).toEqual([]);
  });

  it('stored no code in plain text', () => {
    expect(findSecrets(items, secrets(), { codes: true, destinations: false })).toEqual([]);
  });

  it('stored no full phone number or email address', () => {
    expect(findSecrets(items, secrets(), { codes: false, destinations: true })).toEqual([]);
  });

  it("logged and stored no end user's device IP", () => {
    for (const text of [...s.logs, ...items]) expect(text).not.toContain(DEVICE_IP);
  });
});
