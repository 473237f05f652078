/**
 * Delivery receipts over the wire (DynamoDB Local): a provider's receipt, handled by the receipts
 * handler the Lambda entry builds, shows on the verification's GET — and never on a newer
 * verification, never on a destination with none, never in a log line with the full destination.
 */
import { describe, expect, inject, it } from 'vitest';
import { DynamoDeliveryStore } from '../../functions/adapters/dynamodb/delivery-store.ts';
import type { Log } from '../../functions/core/ports.ts';
import { Sealer } from '../../functions/core/sealing.ts';
import { createReceiptsHandler } from '../../functions/receipts/receipts-handler.ts';
import { localDynamoDbClient } from '../../local/dynamodb-local.ts';
import { Outbox } from '../../local/outbox.ts';
import { LocalDeliveryReceipts } from '../../local/outbox-receipts.ts';
import { auditedServices, findSecrets, scanTable } from '../support/audit.ts';
import { codeOf } from '../support/codes.ts';
import {
  cloudWatchLogsEvent,
  sesEvent,
  snsSmsLogLine,
  snsTime,
  voiceSnsEvent,
  WHATSAPP_PHONE_NUMBER_ID,
  whatsAppSnsEvent,
} from '../support/receipt-events.ts';
import { routes, type TestService } from '../support/service.ts';
import { idOf, latestCode } from './helpers.ts';

const services = auditedServices();
const PHONE = '+14155550123';
const EMAIL = 'ana@example.com';

/** The receipts handler as functions/handlers/delivery-receipts.ts builds it, on the service's table. */
function receiptsOf(s: TestService) {
  const record =
    (level: string) =>
    (message: string, ...fields: Record<string, unknown>[]) =>
      s.logs.push(JSON.stringify({ level, message, ...Object.assign({}, ...fields) }));
  const log: Log = { info: record('INFO'), warn: record('WARN'), error: record('ERROR') };
  const client = localDynamoDbClient(inject('dynamodbEndpoint'));
  return createReceiptsHandler(
    { store: new DynamoDeliveryStore({ client, tableName: s.tableName }), sealer: new Sealer(s.secret), log },
    { whatsAppPhoneNumberId: WHATSAPP_PHONE_NUMBER_ID },
  );
}

/** An SNS SMS delivery status log for a message to `to` published at `sentAt`. */
const smsLog = (to: string, sentAt: number, success: boolean) =>
  cloudWatchLogsEvent(
    [
      {
        message: snsSmsLogLine({ destination: to, timestamp: snsTime(sentAt), success }),
        timestamp: sentAt + 900,
      },
    ],
    { failureGroup: !success },
  );

describe('delivery receipts', () => {
  it('an SMS shows delivery "unknown" until its SNS delivery log says SUCCESS, then "delivered"', async () => {
    const s = await services.create();
    const api = routes(s);
    const id = idOf(await api.send({ to: PHONE, channel: 'sms' }));
    expect((await api.get(id)).body['delivery']).toBe('unknown');

    expect(await receiptsOf(s)(smsLog(PHONE, s.clock.now + 150, true))).toEqual({ recorded: 1 });
    expect((await api.get(id)).body).toMatchObject({ id, status: 'pending', delivery: 'delivered' });
    // The code still works: a receipt is a report, not a status.
    expect((await api.check(id, { code: latestCode(s, PHONE) })).body['status']).toBe('approved');
    expect((await api.get(id)).body).toMatchObject({ status: 'approved', delivery: 'delivered' });
  });

  it('an email that bounced shows "failed"', async () => {
    const s = await services.create();
    const api = routes(s);
    const id = idOf(await api.send({ to: 'Ana@Example.com', channel: 'email' }));
    const bounce = sesEvent({
      eventType: 'Bounce',
      destination: EMAIL,
      sentAt: s.clock.now + 80,
      at: s.clock.now + 2_000,
    });
    expect(await receiptsOf(s)(bounce)).toEqual({ recorded: 1 });
    expect((await api.get(id)).body['delivery']).toBe('failed');
  });

  it('a delivery delay changes nothing; the later delivery does', async () => {
    const s = await services.create();
    const api = routes(s);
    const id = idOf(await api.send({ to: EMAIL, channel: 'email' }));
    const handle = receiptsOf(s);
    const sentAt = s.clock.now + 50;
    expect(
      await handle(sesEvent({ eventType: 'DeliveryDelay', destination: EMAIL, sentAt, at: sentAt + 60_000 })),
    ).toEqual({
      ignored: 1,
    });
    expect((await api.get(id)).body['delivery']).toBe('unknown');
    await handle(sesEvent({ eventType: 'Delivery', destination: EMAIL, sentAt, at: sentAt + 600_000 }));
    expect((await api.get(id)).body['delivery']).toBe('delivered');
  });

  it('a voice call that completed shows "delivered"', async () => {
    const s = await services.create();
    const api = routes(s);
    const id = idOf(await api.send({ to: PHONE, channel: 'voice' }));
    const requestedAt = s.clock.now + 120;
    await receiptsOf(s)(
      voiceSnsEvent([
        { eventType: 'VOICE_RINGING', destination: PHONE, requestedAt, at: requestedAt + 3_000 },
        { eventType: 'VOICE_COMPLETED', destination: PHONE, requestedAt, at: requestedAt + 25_000 },
      ]),
    );
    expect((await api.get(id)).body['delivery']).toBe('delivered');
  });

  it('a WhatsApp message read shows "delivered", one Meta failed shows "failed"; other numbers of the account change nothing', async () => {
    const s = await services.create();
    const api = routes(s);
    const id = idOf(await api.send({ to: PHONE, channel: 'whatsapp' }));
    const at = s.clock.now + 2_000;
    const handle = receiptsOf(s);
    // The account's other phone number (another app's messages): not this service's.
    const other = 'phone-number-id-fedcba9876543210fedcba9876543210';
    await handle(whatsAppSnsEvent([{ status: 'failed', to: PHONE, at, phoneNumberId: other }]));
    await handle(whatsAppSnsEvent([{ status: 'sent', to: PHONE, at }]));
    expect((await api.get(id)).body['delivery']).toBe('unknown');
    await handle(whatsAppSnsEvent([{ status: 'read', to: PHONE, at: at + 5_000 }]));
    expect((await api.get(id)).body['delivery']).toBe('delivered');

    const other2 = '+14155550124';
    const second = idOf(await api.send({ to: other2, channel: 'whatsapp' }));
    await handle(whatsAppSnsEvent([{ status: 'failed', to: other2, at: s.clock.now + 1_000 }]));
    expect((await api.get(second)).body['delivery']).toBe('failed');
  });

  it('a late receipt of an older verification is not applied to the newer one to the same number', async () => {
    const s = await services.create();
    const api = routes(s);
    const firstSentAt = s.clock.now + 100;
    const first = idOf(await api.send({ to: PHONE, channel: 'sms' }));
    await api.check(first, { code: latestCode(s, PHONE) });
    s.clock.advance(60);
    const second = idOf(await api.send({ to: PHONE, channel: 'sms' }));
    expect(second).not.toBe(first);

    const handle = receiptsOf(s);
    expect(await handle(smsLog(PHONE, firstSentAt, false))).toEqual({ stale: 1 });
    expect((await api.get(second)).body['delivery']).toBe('unknown');

    await handle(smsLog(PHONE, s.clock.now + 100, true));
    expect((await api.get(second)).body['delivery']).toBe('delivered');
  });

  it('the latest message wins: a resend delivered is not undone by the first send failing late', async () => {
    const s = await services.create();
    const api = routes(s);
    const id = idOf(await api.send({ to: PHONE, channel: 'sms' }));
    const firstSentAt = s.clock.now + 100;
    s.clock.advance(40);
    expect((await api.send({ to: PHONE, channel: 'sms' })).status).toBe(200);
    const handle = receiptsOf(s);
    await handle(smsLog(PHONE, s.clock.now + 100, true));
    expect(await handle(smsLog(PHONE, firstSentAt, false))).toEqual({ stale: 1 });
    expect((await api.get(id)).body['delivery']).toBe('delivered');
  });

  it('a receipt for a destination with no verification writes nothing and raises nothing', async () => {
    const s = await services.create();
    services.remember(s, { destinations: ['+14155550199', 'nobody@example.com'] });
    const handle = receiptsOf(s);
    expect(await handle(smsLog('+14155550199', s.clock.now, true))).toEqual({ no_verification: 1 });
    expect(
      await handle(
        sesEvent({
          eventType: 'Delivery',
          destination: 'nobody@example.com',
          sentAt: s.clock.now,
          at: s.clock.now,
        }),
      ),
    ).toEqual({ no_verification: 1 });
    expect(await scanTable(s)).toEqual([]);
  });

  it('no log line of the receipts holds a full destination', async () => {
    const s = await services.create();
    const api = routes(s);
    await api.send({ to: PHONE, channel: 'sms' });
    await api.send({ to: EMAIL, channel: 'email' });
    services.remember(s, { destinations: ['+442071838750'] });
    const handle = receiptsOf(s);
    const before = s.logs.length;
    await handle(smsLog(PHONE, s.clock.now + 1, true));
    await handle(smsLog('+442071838750', s.clock.now + 1, false));
    await handle(
      sesEvent({ eventType: 'Delivery', destination: EMAIL, sentAt: s.clock.now + 1, at: s.clock.now + 2 }),
    );
    await handle({ unexpected: PHONE });
    const receiptLines = s.logs.slice(before);
    expect(receiptLines.length).toBeGreaterThanOrEqual(4);
    expect(
      findSecrets(
        receiptLines,
        { codes: [], destinations: [PHONE, EMAIL, '+442071838750'] },
        { codes: false, destinations: true },
      ),
    ).toEqual([]);
  });
});

describe('local mode: the outbox delivers', () => {
  it('marks every message the outbox takes "delivered", and one it refuses "failed"', async () => {
    const outbox = new Outbox();
    const client = localDynamoDbClient(inject('dynamodbEndpoint'));
    const log: Log = { info() {}, warn() {}, error() {} };
    let receipts: LocalDeliveryReceipts | undefined;
    // The table is the service's own, known once it is created: the receipts bind to it lazily.
    const s = await services.create({
      senders: {
        sms: { send: (m) => receipts!.wrap(outbox.senders()).sms.send(m) },
        email: { send: (m) => receipts!.wrap(outbox.senders()).email.send(m) },
      },
    });
    receipts = new LocalDeliveryReceipts({ client, tableName: s.tableName, log }).attach(s.api.deps);
    services.remember(s, { destinations: [PHONE, EMAIL] });

    const api = routes(s);
    const id = idOf(await api.send({ to: PHONE, channel: 'sms' }));
    expect((await api.get(id)).body).toMatchObject({ status: 'pending', delivery: 'delivered' });

    outbox.failNext();
    const refused = await api.send({ to: EMAIL, channel: 'email' });
    expect(refused.status).toBe(502);
    const [item] = (await scanTable(s)).filter((i) => i['maskedTo']?.S === 'a***@example.com');
    expect(item?.['status']?.S).toBe('delivery_failed');
    expect(item?.['delivery']?.S).toBe('failed');
    services.remember(s, { codes: outbox.messages.map(codeOf) });
  });
});
