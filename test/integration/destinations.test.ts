/**
 * Destinations as the limits see them, over DynamoDB Local: one mailbox however its address is
 * written (case, `+tag`, dots at Gmail) shares one verification, one cooldown and one hourly limit,
 * while each message goes to the address as written; an address carrying an invisible character is
 * refused; one device behind an IPv4 address is one device-IP bucket whichever IPv6 form carries it.
 */
import { describe, expect, inject, it } from 'vitest';
import { DynamoDeliveryStore } from '../../functions/adapters/dynamodb/delivery-store.ts';
import { Sealer } from '../../functions/core/sealing.ts';
import { createReceiptsHandler } from '../../functions/receipts/receipts-handler.ts';
import { localDynamoDbClient } from '../../local/dynamodb-local.ts';
import { auditedServices } from '../support/audit.ts';
import { codeOf } from '../support/codes.ts';
import { sesEvent } from '../support/receipt-events.ts';
import { routes } from '../support/service.ts';
import { idOf } from './helpers.ts';

const services = auditedServices();
const HOUR = 3_600_000;
/**
 * The next full clock hour by the real clock: every send of a test falls in one hourly window, and
 * DynamoDB Local's TTL (which goes by the real date) deletes nothing the test wrote.
 */
const START = Math.ceil(Date.now() / HOUR) * HOUR;

/** One mailbox, written six ways: the first creates the verification, the others find it. */
const ANA = [
  'Ana.Smith+x@GoogleMail.com',
  'anasmith@gmail.com',
  'ANA.SMITH@gmail.com',
  'a.n.a.smith+otp@googlemail.com',
  'AnaSmith@Gmail.Com',
  'anasmith+later@gmail.com',
];

describe('email addresses keyed canonically', () => {
  it('one mailbox written many ways: one verification, one code, one cooldown, one hourly limit', async () => {
    const s = await services.create({ startAt: START });
    const api = routes(s);
    const first = await api.send({ to: ANA[0], channel: 'email' });
    expect(first.status).toBe(201);
    expect(first.body['to']).toBe('a***@googlemail.com');
    const id = idOf(first);

    // Within the cooldown, another spelling is the same destination: refused, nothing sent.
    const tooSoon = await api.send({ to: ANA[1], channel: 'email' });
    expect([tooSoon.status, tooSoon.body.error?.reason]).toEqual([429, 'cooldown']);

    // After it: a resend of the same verification (same id, same code) to the address as written.
    for (const to of ANA.slice(1, 5)) {
      s.clock.advance(31);
      const resent = await api.send({ to, channel: 'email' });
      expect([resent.status, resent.body['id']], to).toEqual([200, id]);
    }
    expect(s.outbox.messages.map((m) => m.to)).toEqual(ANA.slice(0, 5));
    expect(new Set(s.outbox.messages.map(codeOf)).size).toBe(1);

    // Five sends this hour to the mailbox, whichever way it was written: the sixth is refused.
    s.clock.advance(31);
    const sixth = await api.send({ to: ANA[5], channel: 'email' });
    expect([sixth.status, sixth.body.error?.reason]).toEqual([429, 'destination_limit']);
    expect(s.outbox.messages).toHaveLength(5);

    // Another mailbox is not held back; dots count outside Gmail (two mailboxes at example.com).
    for (const to of ['bo@gmail.com', 'ana.smith@example.com', 'anasmith@example.com']) {
      expect((await api.send({ to, channel: 'email' })).status, to).toBe(201);
    }

    // The code approves the one verification, whichever spelling it was delivered to.
    const code = codeOf(s.outbox.messages[0]!);
    expect((await api.check(id, { code })).body).toMatchObject({ id, status: 'approved', valid: true });
  });

  it('a delivery receipt naming another spelling lands on the same verification', async () => {
    const s = await services.create({ startAt: START });
    const api = routes(s);
    const id = idOf(await api.send({ to: ANA[0], channel: 'email' }));
    const handle = createReceiptsHandler({
      store: new DynamoDeliveryStore({
        client: localDynamoDbClient(inject('dynamodbEndpoint')),
        tableName: s.tableName,
      }),
      sealer: new Sealer(s.secret),
      log: { info: () => {}, warn: () => {}, error: () => {} },
    });
    const bounce = sesEvent({
      eventType: 'Bounce',
      destination: 'anasmith@gmail.com',
      sentAt: s.clock.now + 80,
      at: s.clock.now + 2_000,
    });
    expect(await handle(bounce)).toEqual({ recorded: 1 });
    expect((await api.get(id)).body).toMatchObject({ id, delivery: 'failed' });
  });

  it('refuses an address carrying a zero-width space (or another invisible character): 400 on "to", nothing sent', async () => {
    const s = await services.create({ startAt: START });
    const api = routes(s);
    for (const [to, name] of [
      ['ana\u200bsmith@gmail.com', 'U+200B'],
      ['ana\u00adsmith@gmail.com', 'U+00AD'],
      ['\u202eana@example.com', 'U+202E'],
    ] as const) {
      const refused = await api.send({ to, channel: 'email' });
      expect(refused.status, name).toBe(400);
      expect(refused.body.error).toEqual({
        code: 'invalid_request',
        message: `\`to\` contains an invisible or formatting character (${name}); send the address without it.`,
        field: 'to',
      });
    }
    expect(s.outbox.messages).toHaveLength(0);
    // The address without it is fine.
    expect((await api.send({ to: 'anasmith@gmail.com', channel: 'email' })).status).toBe(201);
  });
});

describe('device IPs keyed by the IPv4 address an IPv6 form carries', () => {
  it('203.0.113.7 as IPv4, IPv4-mapped, NAT64, IPv4-compatible and 6to4 is one device: one hourly limit', async () => {
    const s = await services.create({ startAt: START, settings: { maxSendsPerDeviceIpPerHour: 4 } });
    const api = routes(s);
    const forms = ['203.0.113.7', '::ffff:203.0.113.7', '64:ff9b::cb00:7107', '::203.0.113.7'];
    for (const [i, deviceIp] of forms.entries()) {
      const sent = await api.send({ to: `user${i}@example.com`, channel: 'email', deviceIp });
      expect(sent.status, deviceIp).toBe(201);
    }
    const fifth = await api.send({
      to: 'user4@example.com',
      channel: 'email',
      deviceIp: '2002:cb00:7107::1',
    });
    expect([fifth.status, fifth.body.error?.reason]).toEqual([429, 'ip_limit']);
    // Another device is not held back, nor is :: / ::1 (not an IPv4 client).
    for (const [i, deviceIp] of ['203.0.113.8', '::1'].entries()) {
      expect((await api.send({ to: `other${i}@example.com`, channel: 'email', deviceIp })).status).toBe(201);
    }
  });
});
