/**
 * Codes bound to a payment, over DynamoDB Local through the HTTP routes: the transaction is read and
 * shown, a check naming another payment is a counted wrong guess, the code's MAC covers the stored
 * transaction (an item altered in the table no longer approves), a check naming none approves in a
 * second write and keeps the attempt bound under racing guesses, and a resend keeps the payment while
 * a new payment replaces the pending verification.
 */
import { type AttributeValue, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { destinationKeyOf } from '../../functions/core/ids.ts';
import { localDynamoDbClient } from '../../local/dynamodb-local.ts';
import { auditedServices } from '../support/audit.ts';
import { wrongCodeFor } from '../support/codes.ts';
import { routes, type TestService } from '../support/service.ts';
import { barrierClient, countingClient, idOf } from './helpers.ts';

const services = auditedServices();
const PAYMENT = { amount: '49.9', currency: 'EUR', payee: ' Acme Shop' };
const NORMAL = { amount: '49.90', currency: 'EUR', payee: 'Acme Shop' };
const OTHER = { amount: '4990.00', currency: 'EUR', payee: 'Acme Shop' };

/** The stored item of a verification, raw. */
async function itemOf(s: TestService, id: string): Promise<Record<string, AttributeValue>> {
  const client = localDynamoDbClient(inject('dynamodbEndpoint'));
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: s.tableName,
      Key: { pk: { S: `v#${destinationKeyOf(id)}` } },
      ConsistentRead: true,
    }),
  );
  client.destroy();
  return Item as Record<string, AttributeValue>;
}

/** What someone with write access to the table might do: make the stored payment another one. */
async function alterStoredTransaction(s: TestService, id: string, transaction: object) {
  const client = localDynamoDbClient(inject('dynamodbEndpoint'));
  await client.send(
    new UpdateItemCommand({
      TableName: s.tableName,
      Key: { pk: { S: `v#${destinationKeyOf(id)}` } },
      UpdateExpression: 'SET #transaction = :transaction',
      ExpressionAttributeNames: { '#transaction': 'transaction' },
      ExpressionAttributeValues: { ':transaction': { S: JSON.stringify(transaction) } },
    }),
  );
  client.destroy();
}

describe('A code bound to a payment', () => {
  it('is shown in the message, answered normalised by start, GET and check', async () => {
    const s = await services.create();
    const api = routes(s);
    const started = await api.send({ to: 'pay@example.com', channel: 'email', transaction: PAYMENT });
    expect(started.status).toBe(201);
    expect(started.body['transaction']).toEqual(NORMAL);
    const mail = s.outbox.messages.at(-1)!;
    expect(mail.subject).toBe('Your onetime verification code to pay €49.90 to Acme Shop');
    expect(mail.body).toContain('to pay €49.90 to Acme Shop is:');
    const id = idOf(started);
    expect((await api.get(id)).body).toMatchObject({ status: 'pending', transaction: NORMAL });
    const approved = await api.check(id, { code: s.lastCode('pay@example.com'), transaction: PAYMENT });
    expect(approved.body).toEqual({
      id,
      status: 'approved',
      valid: true,
      attemptsRemaining: 5,
      transaction: NORMAL,
    });
    expect((await api.get(id)).body).toMatchObject({ status: 'approved', transaction: NORMAL });
  });

  it('refuses a malformed transaction with a 400 naming the member, at start and at check (no attempt used)', async () => {
    const s = await services.create();
    const api = routes(s);
    const start = (transaction: unknown) =>
      api.send({ to: 'bad@example.com', channel: 'email', transaction });
    for (const [transaction, field] of [
      ['49.90 EUR', 'transaction'],
      [{ amount: 49.9, currency: 'EUR', payee: 'Acme' }, 'transaction.amount'],
      [{ amount: '49.901', currency: 'EUR', payee: 'Acme' }, 'transaction.amount'],
      [{ amount: '0', currency: 'EUR', payee: 'Acme' }, 'transaction.amount'],
      [{ amount: '1000000000000', currency: 'EUR', payee: 'Acme' }, 'transaction.amount'],
      [{ amount: '100.5', currency: 'JPY', payee: 'Acme' }, 'transaction.amount'],
      [{ amount: '1', currency: 'eur', payee: 'Acme' }, 'transaction.currency'],
      [{ amount: '1', currency: 'ZZZ', payee: 'Acme' }, 'transaction.currency'],
      [{ amount: '1', currency: 'EUR' }, 'transaction.payee'],
      [{ amount: '1', currency: 'EUR', payee: '   ' }, 'transaction.payee'],
      [{ amount: '1', currency: 'EUR', payee: 'x'.repeat(65) }, 'transaction.payee'],
      [{ amount: '1', currency: 'EUR', payee: 'Acme\u202eShop' }, 'transaction.payee'],
      [{ amount: '1', currency: 'EUR', payee: 'Acme\u200bShop' }, 'transaction.payee'],
      [{ amount: '1', currency: 'EUR', payee: 'Acme\nShop' }, 'transaction.payee'],
    ] as const) {
      const refused = await start(transaction);
      expect(refused.status, JSON.stringify(transaction)).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'invalid_request', field });
    }
    expect(s.outbox.messages).toHaveLength(0);

    const id = idOf(await start(PAYMENT));
    for (const [transaction, field] of [
      [42, 'transaction'],
      [{ amount: '49,90', currency: 'EUR', payee: 'Acme Shop' }, 'transaction.amount'],
      [{ amount: '49.90', currency: 'Euro', payee: 'Acme Shop' }, 'transaction.currency'],
      [{ amount: '49.90', currency: 'EUR', payee: 7 }, 'transaction.payee'],
    ] as const) {
      const refused = await api.check(id, { code: s.lastCode('bad@example.com'), transaction });
      expect(refused.status, JSON.stringify(transaction)).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'invalid_request', field });
    }
    expect((await api.get(id)).body['attemptsRemaining']).toBe(5);
  });

  it('counts a check naming another payment as a wrong attempt, then approves with the right one', async () => {
    const s = await services.create();
    const api = routes(s);
    const id = idOf(await api.send({ to: '+14155550123', channel: 'sms', transaction: PAYMENT }));
    const code = s.lastCode('+14155550123');
    for (const other of [OTHER, { ...NORMAL, payee: 'Acme Shops' }, { ...NORMAL, currency: 'USD' }]) {
      expect((await api.check(id, { code, transaction: other })).body).toMatchObject({
        status: 'pending',
        valid: false,
      });
    }
    expect(Number((await itemOf(s, id))['attempts']?.N)).toBe(3);
    expect((await api.check(id, { code, transaction: NORMAL })).body).toMatchObject({
      status: 'approved',
      valid: true,
      attemptsRemaining: 2,
    });
  });

  it('no longer approves once the stored transaction is altered, whether the check names one or not', async () => {
    const s = await services.create();
    const api = routes(s);
    const id = idOf(await api.send({ to: 'alter@example.com', channel: 'email', transaction: PAYMENT }));
    const code = s.lastCode('alter@example.com');
    await alterStoredTransaction(s, id, OTHER);
    expect((await api.get(id)).body['transaction']).toEqual(OTHER);

    expect((await api.check(id, { code, transaction: OTHER })).body).toMatchObject({
      valid: false,
      attemptsRemaining: 4,
    });
    expect((await api.check(id, { code })).body).toMatchObject({ valid: false, attemptsRemaining: 3 });
    expect((await itemOf(s, id))['status']?.S).toBe('pending');
  });

  it('approves a check that names no transaction in two writes (one when it names it), attempts counted once', async () => {
    const counting = countingClient();
    const s = await services.create({ client: counting.client });
    const api = routes(s);
    const id = idOf(await api.send({ to: 'two@example.com', channel: 'email', transaction: PAYMENT }));
    const code = s.lastCode('two@example.com');

    counting.counts.clear();
    expect((await api.check(id, { code: wrongCodeFor(code) })).body).toMatchObject({ attemptsRemaining: 4 });
    expect(counting.counts.get('UpdateItem')).toBe(2);

    counting.counts.clear();
    expect((await api.check(id, { code })).body).toEqual({
      id,
      status: 'approved',
      valid: true,
      attemptsRemaining: 4,
      transaction: NORMAL,
    });
    expect(counting.counts.get('UpdateItem')).toBe(2);
    expect((await api.check(id, { code })).status).toBe(409);

    const other = idOf(await api.send({ to: 'one@example.com', channel: 'email', transaction: PAYMENT }));
    counting.counts.clear();
    await api.check(other, { code: s.lastCode('one@example.com'), transaction: PAYMENT });
    expect(counting.counts.get('UpdateItem')).toBe(1);
  });

  it('approves the last attempt in the second write too', async () => {
    const s = await services.create();
    const api = routes(s);
    const id = idOf(await api.send({ to: 'last@example.com', channel: 'email', transaction: PAYMENT }));
    const code = s.lastCode('last@example.com');
    for (let i = 0; i < 4; i++) await api.check(id, { code: wrongCodeFor(code) });
    expect((await api.check(id, { code })).body).toMatchObject({ status: 'approved', valid: true });
  });

  it('compares at most 5 of 30 racing checks that name no transaction, approving at most once', async () => {
    const barrier = barrierClient();
    const s = await services.create({ client: barrier.client });
    const api = routes(s);
    for (let trial = 0; trial < 4; trial++) {
      const to = `race-${trial}@example.com`;
      const id = idOf(await api.send({ to, channel: 'email', transaction: PAYMENT }));
      const code = s.lastCode(to);
      const guesses = Array.from({ length: 30 }, (_, i) =>
        String((Number(code) + i * 7919) % 1e6).padStart(6, '0'),
      );
      // The right code is the first guess: held with the others, it is compared only if it is counted.
      barrier.holdNext(guesses.length);
      const answers = await Promise.all(guesses.map((guess) => api.check(id, { code: guess })));
      const compared = answers.filter((answer) => answer.status === 200);
      for (const answer of answers) expect([200, 409]).toContain(answer.status);
      expect(compared.length).toBeLessThanOrEqual(5);
      expect(Number((await itemOf(s, id))['attempts']?.N)).toBe(compared.length);
      const approvals = answers.filter((answer) => answer.body['valid'] === true);
      expect(approvals.length).toBe(answers[0]!.status === 200 ? 1 : 0);
    }
  });
});

describe('Resend and replace', () => {
  it('a resend keeps the payment (named again or not); a new payment replaces the pending verification', async () => {
    const s = await services.create();
    const api = routes(s);
    const to = '+14155550124';
    const id = idOf(await api.send({ to, channel: 'sms', transaction: PAYMENT }));
    const code = s.lastCode(to);

    s.clock.advance(31);
    const plain = await api.send({ to, channel: 'sms' });
    expect(plain.status).toBe(200);
    expect(plain.body).toMatchObject({ id, transaction: NORMAL });
    expect(s.outbox.messages.at(-1)!.body).toContain('€49.90 to Acme Shop');
    expect(s.lastCode(to)).toBe(code);

    s.clock.advance(31);
    const same = await api.send({ to, channel: 'voice', transaction: NORMAL });
    expect(same.status).toBe(200);
    expect(same.body['id']).toBe(id);
    expect(s.outbox.messages.at(-1)!.body).toContain('49.90 euros to Acme Shop');

    // Another payment within the destination's cooldown waits like any new verification.
    const soon = await api.send({ to, channel: 'sms', transaction: OTHER });
    expect(soon.status).toBe(429);
    expect(soon.body.error?.reason).toBe('cooldown');

    s.clock.advance(31);
    const replaced = await api.send({ to, channel: 'sms', transaction: OTHER });
    expect(replaced.status).toBe(201);
    expect(replaced.body['id']).not.toBe(id);
    expect(replaced.body['transaction']).toEqual(OTHER);
    expect((await api.get(id)).status).toBe(404);
    expect((await api.check(id, { code, transaction: NORMAL })).status).toBe(404);
  });
});
