/**
 * docs/openapi.yaml against the real handlers: every (route, status) the document promises is
 * produced here by a real request, every answer validates against the schema documented for its
 * status, and every answer the handlers give is documented; so is every answer API Gateway gives
 * itself on a route (infra/gateway-responses.ts, rendered as the gateway renders its templates).
 * Each scenario runs on its own services;
 * the last test runs them all to compare what they produced with what the document lists.
 */
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { DeliveryError } from '../../functions/core/errors.ts';
import type { MessageSender } from '../../functions/core/ports.ts';
import { DEFAULT_SETTINGS } from '../../functions/core/settings.ts';
import { MAX_BODY_BYTES } from '../../functions/http/request.ts';
import { GATEWAY_ERRORS, gatewayTemplate } from '../../infra/gateway-responses.ts';
import { localDynamoDbClient } from '../../local/dynamodb-local.ts';
import {
  at,
  escapePointer,
  expectValid,
  follow,
  isObject,
  object,
  operationPointer,
  ROUTES,
  type Route,
} from '../support/openapi.ts';
import { createTestService, type TestResponse, type TestService } from '../support/service.ts';

/** What a test's requests produced: every (METHOD path status) answered, every rate-limit reason. */
class Produced {
  readonly pairs = new Set<string>();
  readonly reasons = new Set<string>();
}

/** Checks an answer against the document: status documented, body valid, required headers present. */
function conform(
  produced: Produced,
  route: Route,
  response: TestResponse,
  requestBody?: unknown,
): TestResponse {
  const { method, path } = ROUTES[route];
  const label = `${method.toUpperCase()} ${path} ${response.status}`;
  produced.pairs.add(label);
  const responses = object(at(`${operationPointer(route)}/responses`), label);
  expect(Object.keys(responses), `${label} is not documented`).toContain(String(response.status));

  const documented = follow(`${operationPointer(route)}/responses/${response.status}`);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(documented.node['content'], label).toHaveProperty(['application/json']);
  expectValid(`${documented.pointer}/content/application~1json/schema`, response.body, label);

  for (const [name, header] of Object.entries(object(documented.node['headers'] ?? {}, label))) {
    const resolved = follow(`${documented.pointer}/headers/${escapePointer(name)}`);
    const value = response.headers[name.toLowerCase()];
    if (object(header, name)['required'] === true || resolved.node['required'] === true) {
      expect(value, `${label} must carry ${name}`).toBeDefined();
    }
    if (value !== undefined) expectValid(`${resolved.pointer}/schema`, value, `${label} header ${name}`);
  }
  // A header the handlers add is documented for this status (content-type and cache-control aside).
  for (const name of Object.keys(response.headers)) {
    if (name === 'content-type' || name === 'cache-control') continue;
    const names = Object.keys(object(documented.node['headers'] ?? {}, label)).map((h) => h.toLowerCase());
    expect(names, `${label} sends an undocumented header ${name}`).toContain(name);
  }

  if (response.status < 300 && requestBody !== undefined && isObject(requestBody)) {
    expectValid(
      `${operationPointer(route)}/requestBody/content/application~1json/schema`,
      requestBody,
      `${label} request`,
    );
  }
  const reason = response.body.error?.reason;
  if (reason !== undefined) produced.reasons.add(reason);
  return response;
}

/** Calls a route of `s` and checks the answer against the document, recording it in `produced`. */
function caller(produced: Produced) {
  return async (
    s: TestService,
    route: Route,
    options: { id?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<TestResponse> => {
    const path = ROUTES[route].path.replace('{id}', encodeURIComponent(options.id ?? ''));
    const response = await s.request(ROUTES[route].method.toUpperCase(), path, options.body, options.headers);
    return conform(produced, route, response, options.body);
  };
}

const PHONE = '+14155550123';
const EMAIL = 'ana@example.com';
const wrongCodeFor = (code: string) => (code === '000000' ? '111111' : '000000');
const failing: MessageSender = {
  send: async () => {
    throw new DeliveryError('refused by the provider');
  },
};

/** The scenarios, by test name; each records what it produced. */
const SCENARIOS: Record<string, (produced: Produced) => Promise<void>> = {
  'start: 201, resend 200, cooldown 429, invalid 400, 413, idempotent replay, 422; GET 200; DELETE 200 and 409':
    async (produced) => {
      const call = caller(produced);
      const s = await createTestService();
      const body = {
        to: '+1 (415) 555-0123',
        channel: 'sms',
        locale: 'pt-BR',
        deviceIp: '203.0.113.7',
        extra: 1,
      };
      const created = await call(s, 'start', { body });
      expect(created.status).toBe(201);
      expect(created.body['to']).toBe('+1********23');
      const id = String(created.body['id']);
      const code = s.lastCode(PHONE);

      const cooldown = await call(s, 'start', { body: { to: PHONE, channel: 'sms' } });
      expect(cooldown.status).toBe(429);
      expect(cooldown.body.error?.reason).toBe('cooldown');

      s.clock.advance(31);
      const resent = await call(s, 'start', { body: { to: PHONE, channel: 'voice', voiceFallback: false } });
      expect(resent.status).toBe(200);
      expect(resent.body['id']).toBe(id);
      expect(resent.body['channel']).toBe('voice');

      for (const bad of [
        { to: 'not a number', channel: 'sms' },
        { to: PHONE, channel: 'fax' },
        { to: PHONE },
        { to: 42, channel: 'sms' },
        { to: PHONE, channel: 'sms', locale: '../../etc' },
        { to: PHONE, channel: 'sms', voiceFallback: 'yes' },
        { to: PHONE, channel: 'sms', deviceIp: '999.1.1.1' },
        { to: 'ana@', channel: 'email' },
        '{"to": "+14155550123", "channel": ',
        '[]',
        'null',
        '',
      ]) {
        const refused = await call(s, 'start', { body: bad });
        expect(refused.status, JSON.stringify(bad)).toBe(400);
        expect(refused.body.error?.code).toBe('invalid_request');
      }
      // The documented answer to an email address carrying a zero-width space, word for word.
      const invisible = await call(s, 'start', { body: { to: 'ana\u200b@example.com', channel: 'email' } });
      expect(invisible.body).toEqual(
        at(
          `${operationPointer('start')}/responses/400/content/application~1json/examples/invisibleCharacter/value`,
        ),
      );
      const badKey = await call(s, 'start', {
        body: { to: EMAIL, channel: 'email' },
        headers: { 'Idempotency-Key': 'ключ' },
      });
      expect(badKey.status).toBe(400);
      expect(badKey.body.error?.field).toBe('Idempotency-Key');

      const tooLarge = await call(s, 'start', {
        body: JSON.stringify({ to: PHONE, channel: 'sms', pad: 'x'.repeat(MAX_BODY_BYTES) }),
      });
      expect(tooLarge.status).toBe(413);

      const key = { 'Idempotency-Key': 'order-4711' };
      const first = await call(s, 'start', { body: { to: EMAIL, channel: 'email' }, headers: key });
      expect(first.status).toBe(201);
      const replay = await call(s, 'start', { body: { channel: 'email', to: EMAIL }, headers: key });
      expect(replay.status).toBe(201);
      expect(replay.body).toEqual(first.body);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      const reused = await call(s, 'start', {
        body: { to: 'bo@example.com', channel: 'email' },
        headers: key,
      });
      expect(reused.status).toBe(422);

      const read = await call(s, 'get', { id });
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ id, status: 'pending', channel: 'voice', to: '+1********23' });

      const canceled = await call(s, 'cancel', { id });
      expect(canceled.body).toEqual({ id, status: 'canceled' });
      const again = await call(s, 'cancel', { id });
      expect(again.status).toBe(409);
      expect(again.body['status']).toBe('canceled');
      const afterCancel = await call(s, 'check', { id, body: { code } });
      expect(afterCancel.status).toBe(409);
      expect(afterCancel.body['status']).toBe('canceled');
    },

  'check: wrong 200, right 200, replay 409, malformed 400, unknown 404, 413; GET/DELETE 404': async (
    produced,
  ) => {
    const call = caller(produced);
    const s = await createTestService();
    const sent = await call(s, 'start', { body: { to: EMAIL, channel: 'email', locale: 'fr' } });
    const id = String(sent.body['id']);
    const code = s.lastCode(EMAIL);

    const wrong = await call(s, 'check', { id, body: { code: wrongCodeFor(code) } });
    expect(wrong.body).toMatchObject({ status: 'pending', valid: false, attemptsRemaining: 4 });
    for (const bad of [{ code: '12345' }, { code: 123456 }, { code: '12345a' }, {}, 'not json']) {
      const refused = await call(s, 'check', { id, body: bad });
      expect(refused.status, JSON.stringify(bad)).toBe(400);
    }
    const tooLarge = await call(s, 'check', {
      id,
      body: JSON.stringify({ code, pad: 'x'.repeat(MAX_BODY_BYTES) }),
    });
    expect(tooLarge.status).toBe(413);

    const right = await call(s, 'check', { id, body: { code, extra: true } });
    expect(right.body).toEqual({ id, status: 'approved', valid: true, attemptsRemaining: 4 });
    const replayed = await call(s, 'check', { id, body: { code } });
    expect(replayed.status).toBe(409);
    expect(replayed.body['status']).toBe('approved');
    expect((await call(s, 'cancel', { id })).body['status']).toBe('approved');

    const unknown = `${id.slice(0, 23)}${'A'.repeat(14)}`;
    for (const other of [unknown, 'nope', 'a.b', `${id}x`]) {
      expect((await call(s, 'check', { id: other, body: { code } })).status, other).toBe(404);
      expect((await call(s, 'get', { id: other })).status, other).toBe(404);
      expect((await call(s, 'cancel', { id: other })).status, other).toBe(404);
    }

    // A new verification to the same destination replaces the closed one: the old id is gone.
    const next = await call(s, 'start', { body: { to: EMAIL, channel: 'email' } });
    expect(next.status).toBe(201);
    expect(next.body['id']).not.toBe(id);
    expect((await call(s, 'get', { id })).status).toBe(404);
  },

  'check: the last wrong code answers max_attempts_reached, then 409; expiry answers 409 expired': async (
    produced,
  ) => {
    const call = caller(produced);
    const s = await createTestService();
    const sent = await call(s, 'start', { body: { to: PHONE, channel: 'sms' } });
    const id = String(sent.body['id']);
    const wrong = wrongCodeFor(s.lastCode(PHONE));
    for (let left = 4; left >= 1; left--) {
      expect((await call(s, 'check', { id, body: { code: wrong } })).body['attemptsRemaining']).toBe(left);
    }
    const last = await call(s, 'check', { id, body: { code: wrong } });
    expect(last.body).toMatchObject({ status: 'max_attempts_reached', valid: false, attemptsRemaining: 0 });
    const closed = await call(s, 'check', { id, body: { code: s.lastCode(PHONE) } });
    expect(closed.body['status']).toBe('max_attempts_reached');

    const mail = await call(s, 'start', { body: { to: EMAIL, channel: 'email' } });
    const mailId = String(mail.body['id']);
    s.clock.advance(DEFAULT_SETTINGS.ttlSeconds);
    const expired = await call(s, 'check', { id: mailId, body: { code: s.lastCode(EMAIL) } });
    expect(expired.status).toBe(409);
    expect(expired.body['status']).toBe('expired');
    expect((await call(s, 'get', { id: mailId })).body['status']).toBe('expired');
    expect((await call(s, 'cancel', { id: mailId })).body['status']).toBe('expired');
  },

  'start: 400 country_not_allowed and 429 for every limit reason, each with Retry-After': async (
    produced,
  ) => {
    const call = caller(produced);
    const s = await createTestService({
      settings: {
        allowedCountries: ['US'],
        maxSendsPerHour: 1,
        maxSendsPerDeviceIpPerHour: 1,
        phoneSendsPerMinute: 1,
      },
    });
    const country = await call(s, 'start', { body: { to: '+44 20 7183 8750', channel: 'sms' } });
    expect(country.status).toBe(400);
    expect(country.body.error).toMatchObject({ code: 'country_not_allowed', field: 'to' });

    expect(
      (await call(s, 'start', { body: { to: EMAIL, channel: 'email', deviceIp: '198.51.100.1' } })).status,
    ).toBe(201);
    const ipLimit = await call(s, 'start', {
      body: { to: 'bo@example.com', channel: 'email', deviceIp: '198.51.100.1' },
    });
    expect(ipLimit.body.error?.reason).toBe('ip_limit');

    s.clock.advance(31);
    const destinationLimit = await call(s, 'start', { body: { to: EMAIL, channel: 'email' } });
    expect(destinationLimit.body.error?.reason).toBe('destination_limit');

    expect((await call(s, 'start', { body: { to: PHONE, channel: 'sms' } })).status).toBe(201);
    const spend = await call(s, 'start', { body: { to: '+14155550124', channel: 'voice' } });
    expect(spend.body.error?.reason).toBe('spend_limit');
    for (const limited of [ipLimit, destinationLimit, spend]) {
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
  },

  'start: 502 delivery_failed closes the verification; 409 while the same Idempotency-Key runs': async (
    produced,
  ) => {
    const call = caller(produced);
    const failingService = await createTestService({
      senders: { sms: failing, email: failing, voice: failing },
    });
    const refused = await call(failingService, 'start', { body: { to: PHONE, channel: 'sms' } });
    expect(refused.status).toBe(502);
    expect(refused.body.error?.code).toBe('delivery_failed');

    let release!: () => void;
    let entered!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sending = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const slow: MessageSender = {
      send: async () => {
        entered();
        await gate;
        return {};
      },
    };
    const s = await createTestService({ senders: { email: slow } });
    const key = { 'Idempotency-Key': 'slow-1' };
    const body = { to: EMAIL, channel: 'email' };
    const firstRequest = s.request('POST', '/v1/verifications', body, key);
    await sending;
    const inProgress = await call(s, 'start', { body, headers: key });
    expect(inProgress.status).toBe(409);
    expect(inProgress.body.error?.code).toBe('idempotency_in_progress');
    release();
    expect(conform(produced, 'start', await firstRequest, body).status).toBe(201);
  },

  "start: 503 provider_unavailable when the phone provider's spend limit refuses every message": async (
    produced,
  ) => {
    const call = caller(produced);
    const spent: MessageSender = {
      send: async () => {
        throw new DeliveryError('sms delivery failed: ServiceQuotaExceededException', false, {
          providerLimit: { statusCode: 503, retryAfterSeconds: 3_600 },
        });
      },
    };
    const s = await createTestService({ senders: { sms: spent } });
    const unavailable = await call(s, 'start', { body: { to: PHONE, channel: 'sms' } });
    expect(unavailable.status).toBe(503);
    expect(unavailable.body.error?.code).toBe('provider_unavailable');
    expect(unavailable.headers['retry-after']).toBe('3600');
  },

  'transaction: start 201 and resend 200 carry it, check with and without it, GET shows it, 400 names the member':
    async (produced) => {
      const call = caller(produced);
      const s = await createTestService();
      const transaction = { amount: '49.9', currency: 'EUR', payee: 'Acme Shop' };
      const normal = { ...transaction, amount: '49.90' };
      const created = await call(s, 'start', { body: { to: EMAIL, channel: 'email', transaction } });
      expect(created.body['transaction']).toEqual(normal);
      const id = String(created.body['id']);
      s.clock.advance(31);
      const resent = await call(s, 'start', { body: { to: EMAIL, channel: 'email' } });
      expect(resent.status).toBe(200);
      expect(resent.body['transaction']).toEqual(normal);
      const code = s.lastCode(EMAIL);
      const other = { ...normal, amount: '4990.00' };
      const wrong = await call(s, 'check', { id, body: { code, transaction: other } });
      expect(wrong.body).toMatchObject({ valid: false, transaction: normal });
      const right = await call(s, 'check', { id, body: { code } });
      expect(right.body).toMatchObject({ valid: true, transaction: normal });
      expect((await call(s, 'get', { id })).body['transaction']).toEqual(normal);
      const refused = await call(s, 'start', {
        body: { to: PHONE, channel: 'sms', transaction: { ...transaction, currency: 'eur' } },
      });
      expect(refused.body.error).toMatchObject({ code: 'invalid_request', field: 'transaction.currency' });
      const badCheck = await call(s, 'check', { id, body: { code, transaction: 'EUR 49.90' } });
      expect(badCheck.body.error).toMatchObject({ code: 'invalid_request', field: 'transaction' });
    },

  "deployed: API Gateway's own answers (403, 415, 429 without a reason, 400, 413, 502, 504), on each route they reach":
    async (produced) => {
      let rendered = 0;
      for (const error of GATEWAY_ERRORS) {
        if (error.routes === 'none') continue;
        const routes = (Object.keys(ROUTES) as Route[]).filter(
          (route) => error.routes === 'every' || ROUTES[route].method === 'post',
        );
        // API Gateway's own message, as `$context.error.messageString` fills it in (quoted).
        const body = JSON.parse(
          gatewayTemplate(error).replace('$context.error.messageString', '"Forbidden"'),
        );
        const headers = Object.fromEntries(
          Object.entries({
            'Content-Type': 'application/json',
            'Cache-Control': 'no-store',
            ...error.headers,
          }).map(([name, value]) => [name.toLowerCase(), value]),
        );
        for (const route of routes) {
          for (const status of error.statuses) {
            const raw = { statusCode: status, headers, body: JSON.stringify(body) };
            const answer = conform(produced, route, { status, headers, body, raw });
            expect(answer.body.error?.reason).toBeUndefined();
            rendered++;
          }
        }
      }
      expect(rendered).toBeGreaterThanOrEqual(20);
    },

  'every route: 500 internal_error, without detail, when the store fails': async (produced) => {
    const call = caller(produced);
    const s = await createTestService();
    const sent = await call(s, 'start', { body: { to: EMAIL, channel: 'email' } });
    const id = String(sent.body['id']);
    await localDynamoDbClient(inject('dynamodbEndpoint')).send(
      new DeleteTableCommand({ TableName: s.tableName }),
    );
    const answers = [
      await call(s, 'start', { body: { to: PHONE, channel: 'sms' } }),
      await call(s, 'check', { id, body: { code: '123456' } }),
      await call(s, 'get', { id }),
      await call(s, 'cancel', { id }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(500);
      expect(answer.body).toEqual({
        error: { code: 'internal_error', message: 'Something went wrong on our side; try again.' },
      });
    }
  },
};

describe('the handlers answer as documented', () => {
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(name, () => scenario(new Produced()));
  }

  it('produced exactly the documented (route, status) pairs, and every rate-limit reason', async () => {
    const produced = new Produced();
    for (const scenario of Object.values(SCENARIOS)) await scenario(produced);
    const documented = new Set<string>();
    for (const route of Object.keys(ROUTES) as Route[]) {
      const { method, path } = ROUTES[route];
      for (const status of Object.keys(object(at(`${operationPointer(route)}/responses`), route))) {
        documented.add(`${method.toUpperCase()} ${path} ${status}`);
      }
    }
    expect([...produced.pairs].sort()).toEqual([...documented].sort());
    expect([...produced.reasons].sort()).toEqual(
      [...(at('/components/schemas/RateLimitReason/enum') as string[])].sort(),
    );
  });
});
