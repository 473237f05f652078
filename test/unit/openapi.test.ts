import { readFileSync } from 'node:fs';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { MAX_CODE_LENGTH, MIN_CODE_LENGTH } from '../../functions/core/codes.ts';
import { DeliveryError } from '../../functions/core/errors.ts';
import type { MessageSender } from '../../functions/core/ports.ts';
import { DEFAULT_SETTINGS } from '../../functions/core/settings.ts';
import { CHANNELS, DELIVERY_STATES, STATUSES } from '../../functions/core/verification.ts';
import { IDEMPOTENCY_TTL_SECONDS } from '../../functions/http/idempotency.ts';
import { MAX_BODY_BYTES } from '../../functions/http/request.ts';
import { localDynamoDbClient } from '../../local/dynamodb-local.ts';
import { createTestService, type TestResponse, type TestService } from '../support/service.ts';

/**
 * docs/openapi.yaml against the real handlers: every (route, status) the document promises is
 * produced here by a real request, every answer validates against the schema documented for its
 * status, and every answer the handlers give is documented.
 */
type Json = { [key: string]: unknown };

const doc = parse(readFileSync(new URL('../../docs/openapi.yaml', import.meta.url), 'utf8')) as Json;
const addFormats = addFormatsModule.default;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(doc, 'openapi');

const ROUTES = {
  start: { method: 'post', path: '/v1/verifications' },
  check: { method: 'post', path: '/v1/verifications/{id}/check' },
  get: { method: 'get', path: '/v1/verifications/{id}' },
  cancel: { method: 'delete', path: '/v1/verifications/{id}' },
} as const;
type Route = keyof typeof ROUTES;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const object = (value: unknown, where: string): Json => {
  if (!isObject(value)) throw new Error(`${where} is not an object in docs/openapi.yaml`);
  return value;
};
const escapePointer = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');
const unescapePointer = (segment: string) => segment.replaceAll('~1', '/').replaceAll('~0', '~');

/** The node at a JSON pointer of the document. */
function at(pointer: string): unknown {
  let node: unknown = doc;
  for (const segment of pointer.split('/').slice(1)) {
    if (typeof node !== 'object' || node === null) throw new Error(`${pointer} is not in docs/openapi.yaml`);
    node = (node as Json)[unescapePointer(segment)];
  }
  return node;
}

/** Follows `$ref`s (local ones only) to the node they name, keeping its pointer. */
function follow(pointer: string): { pointer: string; node: Json } {
  let node = object(at(pointer), pointer);
  while (typeof node['$ref'] === 'string') {
    const ref = node['$ref'];
    if (!ref.startsWith('#/')) throw new Error(`non-local $ref ${ref}`);
    pointer = ref.slice(1);
    node = object(at(pointer), pointer);
  }
  return { pointer, node };
}

const validators = new Map<string, ValidateFunction>();
/** A validator for the schema at `pointer` (refs inside it resolve against the whole document). */
function validatorAt(pointer: string): ValidateFunction {
  let validate = validators.get(pointer);
  if (!validate) {
    const fragment = pointer
      .split('/')
      .map((segment) => encodeURIComponent(segment))
      .join('/');
    validate = ajv.compile({ $ref: `openapi#${fragment}` });
    validators.set(pointer, validate);
  }
  return validate;
}

function expectValid(pointer: string, value: unknown, what: string) {
  const validate = validatorAt(pointer);
  const valid = validate(value);
  expect(valid ? null : validate.errors, `${what} against ${pointer}: ${JSON.stringify(value)}`).toBeNull();
}

const operationPointer = (route: Route) =>
  `/paths/${escapePointer(ROUTES[route].path)}/${ROUTES[route].method}`;

/** Every (METHOD path status) the handlers answered with in this file. */
const produced = new Set<string>();
const reasonsProduced = new Set<string>();

/** Checks an answer against the document: status documented, body valid, required headers present. */
function conform(route: Route, response: TestResponse, requestBody?: unknown): TestResponse {
  const { method, path } = ROUTES[route];
  const label = `${method.toUpperCase()} ${path} ${response.status}`;
  produced.add(label);
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
  if (reason !== undefined) reasonsProduced.add(reason);
  return response;
}

async function call(
  s: TestService,
  route: Route,
  options: { id?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<TestResponse> {
  const path = ROUTES[route].path.replace('{id}', encodeURIComponent(options.id ?? ''));
  const response = await s.request(ROUTES[route].method.toUpperCase(), path, options.body, options.headers);
  return conform(route, response, options.body);
}

const PHONE = '+14155550123';
const EMAIL = 'ana@example.com';
const wrongCodeFor = (code: string) => (code === '000000' ? '111111' : '000000');
const failing: MessageSender = {
  send: async () => {
    throw new DeliveryError('refused by the provider');
  },
};

describe('docs/openapi.yaml', () => {
  it('is an OpenAPI 3.1 document of the four v1 routes, with the x-api-key scheme', () => {
    expect(doc['openapi']).toMatch(/^3\.1\.\d+$/);
    const paths = object(doc['paths'], 'paths');
    const operations = Object.entries(paths).flatMap(([path, item]) =>
      Object.keys(object(item, path))
        .filter((key) => ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(key))
        .map((method) => `${method} ${path}`),
    );
    expect(operations.sort()).toEqual(
      Object.values(ROUTES)
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    );
    expect(at('/components/securitySchemes/apiKey')).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'x-api-key',
    });
    expect(doc['security']).toEqual([{ apiKey: [] }]);
    const startParameters = object(at(operationPointer('start')), 'start')['parameters'] as Json[];
    const names = startParameters.map(
      (_, i) => follow(`${operationPointer('start')}/parameters/${i}`).node['name'],
    );
    expect(names).toContain('Idempotency-Key');
  });

  it('agrees with the code on enums, defaults and limits', () => {
    expect(at('/components/schemas/Channel/enum')).toEqual([...CHANNELS]);
    expect(at('/components/schemas/Status/enum')).toEqual([...STATUSES]);
    expect(at('/components/schemas/ClosedStatus/enum')).toEqual(STATUSES.filter((s) => s !== 'pending'));
    expect(at('/components/schemas/Delivery/enum')).toEqual([...DELIVERY_STATES]);
    const start = '/components/schemas/StartRequest';
    expect(at(`${start}/properties/locale/default`)).toBe(DEFAULT_SETTINGS.defaultLocale);
    expect(at(`${start}/properties/voiceFallback/default`)).toBe(true);
    expect(at(`${start}/additionalProperties`)).toBe(true);
    expect(at('/components/schemas/CheckRequest/additionalProperties')).toBe(true);
    expect(at('/components/schemas/CheckRequest/properties/code/minLength')).toBe(MIN_CODE_LENGTH);
    expect(at('/components/schemas/CheckRequest/properties/code/maxLength')).toBe(MAX_CODE_LENGTH);
    // The examples are what a default service answers: 5 attempts, 300 s validity, 30 s cooldown.
    const created = object(
      at(`${operationPointer('start')}/responses/201/content/application~1json/example`),
      '201',
    );
    expect(created['attemptsRemaining']).toBe(DEFAULT_SETTINGS.maxAttempts);
    expect(Date.parse(String(created['expiresAt'])) - Date.parse(String(created['resendAvailableAt']))).toBe(
      (DEFAULT_SETTINGS.ttlSeconds - DEFAULT_SETTINGS.resendCooldownSeconds) * 1000,
    );
    const info = String(object(doc['info'], 'info')['description']);
    expect(info).toContain(`${DEFAULT_SETTINGS.codeLength}-digit codes`);
    expect(info).toContain(`valid ${DEFAULT_SETTINGS.ttlSeconds} s`);
    expect(info).toContain(`${DEFAULT_SETTINGS.maxAttempts} check attempts`);
    expect(info).toContain(`${DEFAULT_SETTINGS.resendCooldownSeconds} s resend cooldown`);
    expect(info).toContain(`${DEFAULT_SETTINGS.maxSendsPerHour} sends per destination`);
    expect(info).toContain(`${DEFAULT_SETTINGS.maxSendsPerDeviceIpPerHour} sends per device IP`);
    expect(info).toContain(`${MAX_BODY_BYTES.toLocaleString('en-US')} bytes`);
    const tooLarge = JSON.stringify(
      at('/components/responses/PayloadTooLarge/content/application~1json/example'),
    );
    expect(tooLarge).toContain(`${MAX_BODY_BYTES / 1024} KiB`);
    const idempotency = String(at('/components/parameters/IdempotencyKey/description'));
    expect(idempotency).toContain(`${IDEMPOTENCY_TTL_SECONDS / 60} minutes`);
  });

  it('has an example for every request body and response, each valid against its own schema', () => {
    let examples = 0;
    for (const route of Object.keys(ROUTES) as Route[]) {
      const operation = object(at(operationPointer(route)), route);
      const media: string[] = [];
      if (operation['requestBody'])
        media.push(`${operationPointer(route)}/requestBody/content/application~1json`);
      for (const status of Object.keys(object(operation['responses'], route))) {
        const response = follow(`${operationPointer(route)}/responses/${status}`);
        media.push(`${response.pointer}/content/application~1json`);
        for (const name of Object.keys(object(response.node['headers'] ?? {}, status))) {
          const header = follow(`${response.pointer}/headers/${escapePointer(name)}`);
          expect(header.node, `${route} ${status} header ${name}`).toHaveProperty('example');
          expectValid(
            `${header.pointer}/schema`,
            header.node['example'],
            `${route} ${status} header example`,
          );
        }
      }
      for (const pointer of media) {
        const node = object(at(pointer), pointer);
        const values =
          'example' in node
            ? [node['example']]
            : Object.values(object(node['examples'], pointer)).map((e) => object(e, pointer)['value']);
        expect(values.length, `${pointer} has no example`).toBeGreaterThan(0);
        for (const value of values) {
          expectValid(`${pointer}/schema`, value, `example of ${pointer}`);
          examples++;
        }
      }
    }
    for (const name of Object.keys(object(at('/components/parameters'), 'parameters'))) {
      const parameter = object(at(`/components/parameters/${name}`), name);
      expectValid(`/components/parameters/${name}/schema`, parameter['example'], `parameter ${name}`);
    }
    expect(examples).toBeGreaterThanOrEqual(25);
  });

  it('catches a body that does not match (the validation can fail)', () => {
    const pointer = `${operationPointer('check')}/responses/200/content/application~1json/schema`;
    const good = {
      id: 'AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBB',
      status: 'approved',
      valid: true,
      attemptsRemaining: 4,
    };
    expect(validatorAt(pointer)(good)).toBe(true);
    expect(validatorAt(pointer)({ ...good, status: 'approved!' })).toBe(false);
    expect(validatorAt(pointer)({ ...good, extra: 1 })).toBe(false);
    expect(validatorAt(pointer)({ ...good, attemptsRemaining: -1 })).toBe(false);
    const closed = follow(`${operationPointer('check')}/responses/409`).pointer;
    expect(
      validatorAt(`${closed}/content/application~1json/schema`)({ error: { code: 'x', message: 'y' } }),
    ).toBe(false);
  });
});

describe('the handlers answer as documented', () => {
  it('start: 201, resend 200, cooldown 429, invalid 400, 413, idempotent replay, 422; GET 200; DELETE 200 and 409', async () => {
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
    const reused = await call(s, 'start', { body: { to: 'bo@example.com', channel: 'email' }, headers: key });
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
  });

  it('check: wrong 200, right 200, replay 409, malformed 400, unknown 404, 413; GET/DELETE 404', async () => {
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
  });

  it('check: the last wrong code answers max_attempts_reached, then 409; expiry answers 409 expired', async () => {
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
  });

  it('start: 400 country_not_allowed and 429 for every limit reason, each with Retry-After', async () => {
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
  });

  it('start: 502 delivery_failed closes the verification; 409 while the same Idempotency-Key runs', async () => {
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
    expect(conform('start', await firstRequest, body).status).toBe(201);
  });

  it('every route: 500 internal_error, without detail, when the store fails', async () => {
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
  });

  it('produced exactly the documented (route, status) pairs, and every rate-limit reason', () => {
    const documented = new Set<string>();
    for (const route of Object.keys(ROUTES) as Route[]) {
      const { method, path } = ROUTES[route];
      for (const status of Object.keys(object(at(`${operationPointer(route)}/responses`), route))) {
        documented.add(`${method.toUpperCase()} ${path} ${status}`);
      }
    }
    expect([...produced].sort()).toEqual([...documented].sort());
    expect([...reasonsProduced].sort()).toEqual(
      [...(at('/components/schemas/RateLimitReason/enum') as string[])].sort(),
    );
  });
});
