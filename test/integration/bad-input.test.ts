/**
 * Whatever a caller sends, the answer is a 4xx in the error envelope `{error: {code, message, field?}}`,
 * never a 5xx and never a trace of the service's insides.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { auditedServices } from '../support/audit.ts';
import { routes, type TestResponse, type TestService, VERIFICATIONS } from '../support/service.ts';
import { idOf, rawRequest } from './helpers.ts';

const services = auditedServices();
const ANA_PHONE = '+14155550123';
const sms = { to: ANA_PHONE, channel: 'sms' };

/** A service with one pending verification (to ANA_PHONE): the target of the malformed requests. */
async function servicePending(): Promise<{ s: TestService; pendingId: string }> {
  const s = await services.create();
  return { s, pendingId: idOf(await routes(s).send(sms)) };
}

/** Read-only for the tests below: none of their requests may change it (the last of them checks). */
let shared: { s: TestService; pendingId: string };
beforeAll(async () => {
  shared = await servicePending();
});

interface Case {
  name: string;
  method?: 'POST' | 'GET' | 'DELETE';
  /** The start route unless given; `id` is a pending verification's. */
  path?: (id: string) => string;
  /** A string goes out verbatim; anything else as JSON; undefined sends no body. */
  body?: unknown;
  base64?: boolean;
  headers?: Record<string, string>;
  status: number;
  code: string;
  field?: string;
}

const check = (id: string) => `${VERIFICATIONS}/${id}/check`;
const one = (id: string) => `${VERIFICATIONS}/${id}`;
const MEGABYTE = 'x'.repeat(1024 * 1024);
/** A valid start body padded to exactly `bytes` bytes. */
const bodyOfBytes = (bytes: number) => {
  const empty = JSON.stringify({ ...sms, p: '' });
  return JSON.stringify({ ...sms, p: 'x'.repeat(bytes - empty.length) });
};

const startCases: Case[] = [
  { name: 'broken JSON', body: '{"to": "+1415', status: 400, code: 'invalid_request' },
  { name: 'an empty body', body: '', status: 400, code: 'invalid_request' },
  { name: 'no body at all', body: undefined, status: 400, code: 'invalid_request' },
  { name: 'JSON null', body: 'null', status: 400, code: 'invalid_request' },
  { name: 'a JSON array', body: [sms], status: 400, code: 'invalid_request' },
  { name: 'a JSON number', body: '42', status: 400, code: 'invalid_request' },
  { name: 'a JSON string', body: '"+14155550123"', status: 400, code: 'invalid_request' },
  { name: 'an empty object', body: {}, status: 400, code: 'invalid_request', field: 'to' },
  { name: 'no to', body: { channel: 'sms' }, status: 400, code: 'invalid_request', field: 'to' },
  {
    name: 'to as a number',
    body: { to: 14155550123, channel: 'sms' },
    status: 400,
    code: 'invalid_request',
    field: 'to',
  },
  {
    name: 'to as null',
    body: { to: null, channel: 'sms' },
    status: 400,
    code: 'invalid_request',
    field: 'to',
  },
  {
    name: 'to as an array',
    body: { to: [ANA_PHONE], channel: 'sms' },
    status: 400,
    code: 'invalid_request',
    field: 'to',
  },
  {
    name: 'to as an object',
    body: { to: { e164: ANA_PHONE }, channel: 'sms' },
    status: 400,
    code: 'invalid_request',
    field: 'to',
  },
  {
    name: 'to as an empty string',
    body: { to: '', channel: 'sms' },
    status: 400,
    code: 'invalid_request',
    field: 'to',
  },
  {
    name: 'to as blanks',
    body: { to: '   ', channel: 'sms' },
    status: 400,
    code: 'invalid_request',
    field: 'to',
  },
  {
    name: 'to as a huge number literal',
    body: '{"to": 1e400, "channel": "sms"}',
    status: 400,
    code: 'invalid_request',
    field: 'to',
  },
  {
    name: 'to as emoji',
    body: { to: '📱📞☎️', channel: 'sms' },
    status: 400,
    code: 'invalid_request',
    field: 'to',
  },
  {
    name: 'to as Arabic text (RTL)',
    body: { to: 'مرحبا بالعالم', channel: 'voice' },
    status: 400,
    code: 'invalid_request',
    field: 'to',
  },
  {
    name: 'an email with an RTL override in its domain',
    body: { to: 'ana@\u202eelpmaxe.com', channel: 'email' },
    status: 400,
    code: 'invalid_request',
    field: 'to',
  },
  {
    name: 'an email with a NUL byte',
    body: { to: 'ana\u0000@example.com', channel: 'email' },
    status: 400,
    code: 'invalid_request',
    field: 'to',
  },
  {
    name: 'a 10,000-character email',
    body: { to: `${'a'.repeat(10_000)}@example.com`, channel: 'email' },
    status: 400,
    code: 'invalid_request',
    field: 'to',
  },
  {
    name: 'a 300-character phone number',
    body: { to: `+1${'4'.repeat(300)}`, channel: 'sms' },
    status: 400,
    code: 'invalid_request',
    field: 'to',
  },
  { name: 'no channel', body: { to: ANA_PHONE }, status: 400, code: 'invalid_request', field: 'channel' },
  {
    name: 'an unknown channel',
    body: { to: ANA_PHONE, channel: 'fax' },
    status: 400,
    code: 'invalid_request',
    field: 'channel',
  },
  {
    name: 'a channel in capitals',
    body: { to: ANA_PHONE, channel: 'SMS' },
    status: 400,
    code: 'invalid_request',
    field: 'channel',
  },
  {
    name: 'channel as a number',
    body: { to: ANA_PHONE, channel: 1 },
    status: 400,
    code: 'invalid_request',
    field: 'channel',
  },
  {
    name: 'channel as a list',
    body: { to: ANA_PHONE, channel: ['sms', 'voice'] },
    status: 400,
    code: 'invalid_request',
    field: 'channel',
  },
  {
    name: 'locale as a number',
    body: { ...sms, locale: 33 },
    status: 400,
    code: 'invalid_request',
    field: 'locale',
  },
  {
    name: 'a locale that is no language tag',
    body: { ...sms, locale: 'en US; DROP' },
    status: 400,
    code: 'invalid_request',
    field: 'locale',
  },
  {
    name: 'a 5,000-character locale',
    body: { ...sms, locale: 'e'.repeat(5000) },
    status: 400,
    code: 'invalid_request',
    field: 'locale',
  },
  {
    name: 'an emoji locale',
    body: { ...sms, locale: '🇫🇷' },
    status: 400,
    code: 'invalid_request',
    field: 'locale',
  },
  {
    name: 'voiceFallback as a string',
    body: { ...sms, voiceFallback: 'yes' },
    status: 400,
    code: 'invalid_request',
    field: 'voiceFallback',
  },
  {
    name: 'voiceFallback as null',
    body: { ...sms, voiceFallback: null },
    status: 400,
    code: 'invalid_request',
    field: 'voiceFallback',
  },
  {
    name: 'an impossible IPv4 deviceIp',
    body: { ...sms, deviceIp: '999.1.1.1' },
    status: 400,
    code: 'invalid_request',
    field: 'deviceIp',
  },
  {
    name: 'deviceIp as a number',
    body: { ...sms, deviceIp: 3405803783 },
    status: 400,
    code: 'invalid_request',
    field: 'deviceIp',
  },
  {
    name: 'an empty deviceIp',
    body: { ...sms, deviceIp: '' },
    status: 400,
    code: 'invalid_request',
    field: 'deviceIp',
  },
  {
    name: 'a deviceIp with a payload',
    body: { ...sms, deviceIp: "203.0.113.7' OR '1'='1" },
    status: 400,
    code: 'invalid_request',
    field: 'deviceIp',
  },
  {
    name: 'a __proto__ member carrying the fields',
    body: '{"__proto__": {"to": "+14155550123", "channel": "sms"}}',
    status: 400,
    code: 'invalid_request',
    field: 'to',
  },
  {
    name: 'a constructor.prototype member',
    body: '{"constructor": {"prototype": {"to": "+14155550123"}}, "channel": "sms"}',
    status: 400,
    code: 'invalid_request',
    field: 'to',
  },
  {
    name: 'a 1 MB body',
    body: JSON.stringify({ ...sms, padding: MEGABYTE }),
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'a body one byte over 16 KiB',
    body: bodyOfBytes(16 * 1024 + 1),
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'a base64 flag over garbage',
    body: '!!!% not base64 %!!!',
    base64: true,
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'a base64 flag over broken JSON',
    body: Buffer.from('{"to":').toString('base64'),
    base64: true,
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'a base64-encoded 1 MB body',
    body: Buffer.from(MEGABYTE).toString('base64'),
    base64: true,
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'a 256-character Idempotency-Key',
    body: sms,
    headers: { 'Idempotency-Key': 'k'.repeat(256) },
    status: 400,
    code: 'invalid_request',
    field: 'Idempotency-Key',
  },
  {
    name: 'a non-ASCII Idempotency-Key',
    body: sms,
    headers: { 'Idempotency-Key': 'ключ-🔑' },
    status: 400,
    code: 'invalid_request',
    field: 'Idempotency-Key',
  },
  {
    name: 'an empty Idempotency-Key',
    body: sms,
    headers: { 'Idempotency-Key': '' },
    status: 400,
    code: 'invalid_request',
    field: 'Idempotency-Key',
  },
];

const checkCases: Case[] = [
  { name: 'broken JSON', body: '{"code": ', status: 400, code: 'invalid_request' },
  { name: 'no body', body: undefined, status: 400, code: 'invalid_request' },
  { name: 'a JSON array', body: ['123456'], status: 400, code: 'invalid_request' },
  {
    name: 'code as a huge number literal',
    body: '{"code": 1e400}',
    status: 400,
    code: 'invalid_request',
    field: 'code',
  },
  {
    name: 'code as NUL bytes',
    body: { code: '\u0000'.repeat(6) },
    status: 400,
    code: 'invalid_request',
    field: 'code',
  },
  { name: 'code as emoji', body: { code: '🔢🔢🔢' }, status: 400, code: 'invalid_request', field: 'code' },
  {
    name: 'code with an RTL override',
    body: { code: '\u202e12345' },
    status: 400,
    code: 'invalid_request',
    field: 'code',
  },
  {
    name: 'code as a 1,000-digit string',
    body: { code: '1'.repeat(1000) },
    status: 400,
    code: 'invalid_request',
    field: 'code',
  },
  {
    name: 'code hidden in __proto__',
    body: '{"__proto__": {"code": "123456"}}',
    status: 400,
    code: 'invalid_request',
    field: 'code',
  },
  {
    name: 'a 1 MB body',
    body: JSON.stringify({ code: '123456', padding: MEGABYTE }),
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'an id with ../',
    path: () => check(encodeURIComponent('../../admin')),
    body: { code: '123456' },
    status: 404,
    code: 'not_found',
  },
  {
    name: 'a 5,000-character id',
    path: () => check('A'.repeat(5000)),
    body: { code: '123456' },
    status: 404,
    code: 'not_found',
  },
];

const manageCases: Case[] = [
  {
    name: 'GET of an id with a NUL byte',
    method: 'GET',
    path: () => one('%00'),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'GET of an emoji id',
    method: 'GET',
    path: () => one(encodeURIComponent('🪪🪪🪪')),
    status: 404,
    code: 'not_found',
  },
  { name: 'GET of __proto__', method: 'GET', path: () => one('__proto__'), status: 404, code: 'not_found' },
  {
    name: 'GET of an id with an encoded slash',
    method: 'GET',
    path: (id) => one(`${id.slice(0, 5)}%2F${id.slice(6)}`),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'GET of an id with a broken percent escape',
    method: 'GET',
    path: () => one('%E0%A4%A'),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'GET of an RTL id',
    method: 'GET',
    path: () => one(encodeURIComponent('\u202emoc.elpmaxe')),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'DELETE of constructor',
    method: 'DELETE',
    path: () => one('constructor'),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'DELETE of an SQL-looking id',
    method: 'DELETE',
    path: () => one(encodeURIComponent("' OR 1=1 --")),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'DELETE of a 5,000-character id',
    method: 'DELETE',
    path: () => one('b'.repeat(5000)),
    status: 404,
    code: 'not_found',
  },
];

async function send(c: Case, { s, pendingId } = shared): Promise<TestResponse> {
  const method = c.method ?? 'POST';
  const body = c.body === undefined ? null : typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
  return rawRequest(s, {
    method,
    path: (c.path ?? (() => VERIFICATIONS))(pendingId),
    body,
    isBase64Encoded: c.base64 ?? false,
    headers: { 'content-type': 'application/json', ...c.headers },
  });
}

function expectEnvelope(answer: TestResponse, c: Pick<Case, 'status' | 'code' | 'field'>) {
  expect(answer.status).toBe(c.status);
  expect(answer.body).toEqual({
    error: {
      code: c.code,
      message: expect.any(String),
      ...(c.field === undefined ? {} : { field: c.field }),
    },
  });
  expect(answer.raw.body).not.toMatch(/\bat \S+ \(|Error:|node_modules|\.ts:\d+/);
}

describe('Malformed requests get a 4xx envelope, never a 5xx', () => {
  const allCases = [...startCases, ...checkCases.map((c) => ({ path: check, ...c })), ...manageCases];
  it.each(startCases)('start with $name → $status $code', async (c) => expectEnvelope(await send(c), c));
  it.each(checkCases)('check with $name → $status $code', async (c) =>
    expectEnvelope(await send({ path: check, ...c }), c),
  );
  it.each(manageCases)('$name → $status $code', async (c) => expectEnvelope(await send(c), c));

  it('sent nothing and used no attempt for any of them', async () => {
    const own = await servicePending();
    for (const c of allCases) await send(c, own);
    expect(own.s.outbox.messages).toHaveLength(1);
    expect((await routes(own.s).get(own.pendingId)).body).toMatchObject({
      status: 'pending',
      attemptsRemaining: 5,
    });
    expect(Object.prototype).not.toHaveProperty('to');
    expect(Object.prototype).not.toHaveProperty('code');
  });
});

describe('Answers a person reads', () => {
  it("names a missing field in the service's words, not the validator's", async () => {
    const api = routes(shared.s);
    expect((await api.send({ channel: 'sms' })).body).toEqual({
      error: { code: 'invalid_request', message: '`to` is required.', field: 'to' },
    });
    expect((await api.send({ to: ANA_PHONE })).body).toEqual({
      error: { code: 'invalid_request', message: '`channel` is required.', field: 'channel' },
    });
  });

  it('says why a closed verification refuses a check, in a sentence', async () => {
    const closed = await services.create();
    const api = routes(closed);
    const id = idOf(await api.send({ to: 'closed@example.com', channel: 'email' }));
    const wrong = closed.lastCode('closed@example.com') === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) await api.check(id, { code: wrong });
    expect((await api.check(id, { code: wrong })).body).toEqual({
      error: {
        code: 'verification_closed',
        message: 'This verification has no attempts left; start a new one.',
      },
      status: 'max_attempts_reached',
    });
  });
});

describe('Odd but valid requests', () => {
  it('accepts a base64-encoded JSON body, as API Gateway passes binary payloads', async () => {
    const t = await services.create();
    const answer = await rawRequest(t, {
      method: 'POST',
      path: VERIFICATIONS,
      body: Buffer.from(JSON.stringify(sms)).toString('base64'),
      isBase64Encoded: true,
    });
    expect(answer.status).toBe(201);
  });

  it('accepts a body of exactly 16 KiB', async () => {
    const t = await services.create();
    expect((await routes(t).send(bodyOfBytes(16 * 1024))).status).toBe(201);
  });

  it('ignores unknown members, prototype-polluting ones included', async () => {
    const t = await services.create();
    const answer = await routes(t).send(
      `{"to": "${ANA_PHONE}", "channel": "sms", "__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "extra": [1, {"a": null}]}`,
    );
    expect(answer.status).toBe(201);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('ignores a deeply nested unknown member, with an Idempotency-Key too', async () => {
    const t = await services.create();
    const nested = `${'['.repeat(7000)}${']'.repeat(7000)}`;
    const body = `{"to": "${ANA_PHONE}", "channel": "sms", "meta": ${nested}}`;
    expect(Buffer.byteLength(body)).toBeLessThan(16 * 1024);

    const answer = await routes(t).send(body, { 'Idempotency-Key': 'nested-1' });
    expect([answer.status, answer.body.error?.code]).toEqual([201, undefined]);
  });

  it('refuses a phone number followed by other text on the to field instead of cutting the text off', async () => {
    const t = await services.create();
    for (const to of [
      `${ANA_PHONE} please`,
      `${ANA_PHONE}\u0000`,
      `${ANA_PHONE};`,
      '+1 415 555 0123 ext. 99',
    ]) {
      const answer = await routes(t).send({ to, channel: 'sms' });
      expect([answer.status, answer.body.error?.field], JSON.stringify(to)).toEqual([400, 'to']);
    }
    expect(t.outbox.messages).toEqual([]);
  });
});
