/**
 * A fast-check fuzz of every route: well over 10,000 generated requests, valid and invalid, against the
 * real handlers on DynamoDB Local. Whatever comes in, the answer is never a 5xx (but the contract's
 * `502 delivery_failed` when a channel refuses), never a throw, and always of the contract's shape for
 * its status; every 429 carries Retry-After.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANNELS, DELIVERY_STATES, STATUSES } from '../../functions/core/verification.ts';
import { codeOf } from '../support/codes.ts';
import { createTestService, type TestResponse, type TestService, VERIFICATIONS } from '../support/service.ts';
import { rawRequest } from './helpers.ts';

type Route = 'start' | 'check' | 'get' | 'cancel';

const OPS_PER_RUN = 40;
/** Requests in flight at once: races between them are part of what is fuzzed. */
const PARALLEL = 6;

// ---- What may come back ---------------------------------------------------------------------------

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const REASONS = ['cooldown', 'destination_limit', 'ip_limit', 'spend_limit'];
const CLOSED = STATUSES.filter((status) => status !== 'pending');
const ALLOWED: Record<Route, number[]> = {
  start: [200, 201, 400, 409, 413, 422, 429, 502],
  check: [200, 400, 404, 409, 413],
  get: [200, 400, 404],
  cancel: [200, 400, 404, 409],
};

const keysOf = (value: object) => Object.keys(value).sort();
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const count = (value: unknown, max: number) =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;

/** Why `response` breaks the contract for `route`, or undefined when it keeps it. */
function contractBreach(route: Route, response: TestResponse): string | undefined {
  const { status, body, headers } = response;
  if (!ALLOWED[route].includes(status)) return `status ${status}`;
  if (!isObject(body)) return 'body is not a JSON object';
  if (headers['content-type'] !== 'application/json; charset=utf-8') return 'content-type';

  if (status < 300) {
    const masked = (to: unknown) => typeof to === 'string' && to.includes('*');
    const view = {
      start: () =>
        JSON.stringify(keysOf(body)) ===
          JSON.stringify([
            'attemptsRemaining',
            'channel',
            'expiresAt',
            'id',
            'resendAvailableAt',
            'status',
            'to',
          ]) &&
        body['status'] === 'pending' &&
        masked(body['to']) &&
        ISO.test(String(body['expiresAt'])) &&
        ISO.test(String(body['resendAvailableAt'])),
      check: () =>
        JSON.stringify(keysOf(body)) === JSON.stringify(['attemptsRemaining', 'id', 'status', 'valid']) &&
        body['valid'] === (body['status'] === 'approved'),
      get: () =>
        JSON.stringify(keysOf(body)) ===
          JSON.stringify([
            'attemptsRemaining',
            'channel',
            'createdAt',
            'delivery',
            'expiresAt',
            'id',
            'status',
            'to',
          ]) &&
        (DELIVERY_STATES as readonly unknown[]).includes(body['delivery']) &&
        masked(body['to']) &&
        ISO.test(String(body['createdAt'])) &&
        ISO.test(String(body['expiresAt'])),
      cancel: () =>
        JSON.stringify(keysOf(body)) === JSON.stringify(['id', 'status']) && body['status'] === 'canceled',
    }[route];
    if (!view()) return `success body ${JSON.stringify(body)}`;
    if (typeof body['id'] !== 'string') return 'id';
    if ('channel' in body && !(CHANNELS as readonly unknown[]).includes(body['channel'])) return 'channel';
    if ('status' in body && !(STATUSES as readonly unknown[]).includes(body['status'])) return 'status';
    if ('attemptsRemaining' in body && !count(body['attemptsRemaining'], 10)) return 'attemptsRemaining';
    if (status === 201 && route !== 'start') return '201 off the start route';
    return undefined;
  }

  const error = body['error'];
  if (!isObject(error)) return 'no error envelope';
  const extraTop = keysOf(body).filter((key) => key !== 'error');
  if (status === 409 && error['code'] === 'verification_closed') {
    if (JSON.stringify(extraTop) !== '["status"]' || !(CLOSED as unknown[]).includes(body['status'])) {
      return '409 verification_closed without its status';
    }
  } else if (extraTop.length > 0) return `extra members ${extraTop}`;
  if (keysOf(error).some((key) => !['code', 'field', 'message', 'reason'].includes(key))) return 'error keys';
  if (typeof error['code'] !== 'string' || !/^[a-z_]+$/.test(error['code'])) return 'error.code';
  if (typeof error['message'] !== 'string' || error['message'] === '') return 'error.message';
  if ('field' in error && typeof error['field'] !== 'string') return 'error.field';
  if ('reason' in error && !REASONS.includes(String(error['reason']))) return 'error.reason';
  if (status === 429) {
    if (error['code'] !== 'rate_limited' || !('reason' in error))
      return '429 without rate_limited and a reason';
    if (!/^[1-9]\d*$/.test(headers['retry-after'] ?? '')) return '429 without Retry-After';
  }
  if (status === 502 && (route !== 'start' || error['code'] !== 'delivery_failed'))
    return '502 other than delivery_failed';
  return undefined;
}

// ---- What goes in ---------------------------------------------------------------------------------

const arbJunk = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.anything());

/**
 * Destinations and device IPs: a few (so the default limits hold: cooldown, per destination, per
 * device IP, spend brake) or many (so most sends go through).
 */
function destinations(few: boolean) {
  const phone = few
    ? fc.oneof(
        fc.integer({ min: 100, max: 109 }).map((n) => `+1415555${String(n).padStart(4, '0')}`),
        fc.constantFrom('+1 (415) 555-0101', '+442079460123', '+33612341234', '+491511234567'),
      )
    : fc.oneof(
        fc.integer({ min: 100, max: 199 }).map((n) => `+1415555${String(n).padStart(4, '0')}`),
        fc.integer({ min: 0, max: 9999 }).map((n) => `+1 (212) 555-${String(n).padStart(4, '0')}`),
        fc.integer({ min: 0, max: 999 }).map((n) => `+44 20 7946 0${String(n).padStart(3, '0')}`),
        fc.integer({ min: 0, max: 9999 }).map((n) => `+33 6 12 34 ${String(n).padStart(4, '0')}`),
        fc.integer({ min: 0, max: 9_999_999 }).map((n) => `+49151${String(n).padStart(7, '0')}`),
      );
  const email = few
    ? fc.constantFrom('ana@example.com', 'Bo@Example.org', 'cy@example.net')
    : fc.oneof(fc.emailAddress(), fc.stringMatching(/^[a-z]{1,8}@[a-z]{1,8}\.(com|org|example)$/));
  const ip = few
    ? fc.constantFrom('203.0.113.7', '2001:db8::1', '198.51.100.20')
    : fc.oneof(fc.ipV4(), fc.ipV6());
  return { phone, email, ip };
}

function arbOps(few: boolean): fc.Arbitrary<Op[]> {
  const { phone, email, ip } = destinations(few);
  const anyPhone = fc.oneof(
    { weight: 9, arbitrary: phone },
    { weight: 1, arbitrary: fc.stringMatching(/^\+?[0-9 ()-]{0,20}$/) },
  );
  const anyIp = fc.oneof(
    { weight: 9, arbitrary: ip },
    { weight: 1, arbitrary: fc.string({ maxLength: 50 }) },
  );

  const wellFormedStart = fc.oneof(
    fc.record(
      {
        to: anyPhone,
        channel: fc.constantFrom('sms', 'voice'),
        locale: fc.constantFrom('en', 'fr', 'es', 'de', 'pt-BR', 'xx'),
        voiceFallback: fc.boolean(),
        deviceIp: anyIp,
      },
      { requiredKeys: ['to', 'channel'] },
    ),
    fc.record(
      { to: email, channel: fc.constant('email'), locale: fc.constantFrom('en', 'fr'), deviceIp: anyIp },
      { requiredKeys: ['to', 'channel'] },
    ),
  );
  /** Each field may be the wrong type, the wrong channel for the destination, or missing. */
  const oddStart = fc.record(
    {
      to: fc.oneof(anyPhone, email, arbJunk),
      channel: fc.oneof(fc.constantFrom('sms', 'email', 'voice', 'SMS', 'fax', ''), arbJunk),
      locale: arbJunk,
      voiceFallback: arbJunk,
      deviceIp: fc.oneof(anyIp, arbJunk),
      extra: arbJunk,
    },
    { requiredKeys: [] },
  );
  const headers = fc.oneof(
    { weight: 2, arbitrary: fc.constant({}) },
    {
      weight: 1,
      arbitrary: fc.record(
        {
          'Idempotency-Key': fc.oneof(fc.constantFrom('k1', 'k2', 'k3', 'k4'), fc.string({ maxLength: 300 })),
          'content-type': fc.constantFrom(
            'application/json',
            'text/plain',
            'application/json; charset=utf-8',
            '',
          ),
          'x-forwarded-for': anyIp,
          random: fc.string(),
        },
        { requiredKeys: [] },
      ),
    },
  );
  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 24,
      arbitrary: fc.record({ kind: fc.constant('start' as const), body: arbBody(wellFormedStart), headers }),
    },
    {
      weight: 4,
      arbitrary: fc.record({ kind: fc.constant('start' as const), body: arbBody(oddStart), headers }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('raw' as const),
        body: fc.string({ maxLength: 200 }),
        base64: fc.boolean(),
      }),
    },
    { weight: 20, arbitrary: fc.record({ kind: fc.constant('check' as const), id: arbId, code: arbCode }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('check' as const),
        id: arbId,
        code: arbCode,
        body: arbBody(fc.object()),
      }),
    },
    {
      weight: 8,
      arbitrary: fc.record({ kind: fc.constantFrom('get' as const, 'cancel' as const), id: arbId }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('advance' as const),
        seconds: fc.integer({ min: 1, max: few ? 900 : 60 }),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'refuse' as const }) },
  );
  return fc.array(op, { minLength: OPS_PER_RUN, maxLength: OPS_PER_RUN });
}

/** A body as sent: mostly JSON of an object; else any JSON, any text, nothing, or more than 16 KiB. */
const arbBody = (object: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 16, arbitrary: object },
    { weight: 1, arbitrary: fc.json().map((text) => ({ raw: text })) },
    { weight: 1, arbitrary: fc.string({ maxLength: 100 }).map((text) => ({ raw: text })) },
    { weight: 1, arbitrary: fc.constant({ raw: undefined }) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 16 * 1024 - 40, max: 17 * 1024 })
        .map((n) => ({ raw: `{"to":"${'x'.repeat(n)}"}` })),
    },
  );

/** An id: one the service gave out, one with a character changed, or anything at all. */
const arbId = fc.oneof(
  { weight: 6, arbitrary: fc.record({ known: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ known: fc.nat(), flip: fc.nat(), char: fc.constantFrom('A', '_', '-', '.', '0') }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      random: fc.oneof(
        fc.string({ minLength: 1 }),
        fc.stringMatching(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{14}$/),
      ),
    }),
  },
);
/** A code: the right one, another string of digits, or not a code at all. */
const arbCode = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ right: true as const }) },
  { weight: 3, arbitrary: fc.stringMatching(/^\d{6}$/).map((code) => ({ value: code as unknown })) },
  { weight: 1, arbitrary: fc.oneof(fc.stringMatching(/^\d{0,12}$/), arbJunk).map((value) => ({ value })) },
);

type Op =
  | { kind: 'start'; body: unknown; headers: Record<string, string> }
  | { kind: 'raw'; body: string; base64: boolean }
  | { kind: 'check'; id: IdChoice; code: { right: true } | { value: unknown }; body?: unknown }
  | { kind: 'get' | 'cancel'; id: IdChoice }
  | { kind: 'advance'; seconds: number }
  | { kind: 'refuse' };
type IdChoice = { known: number; flip?: number; char?: string } | { random: string };

// ---- Running them ---------------------------------------------------------------------------------

/** What one test's fuzz saw: the requests sent, every contract breach, answers by route and status. */
class Tally {
  requests = 0;
  readonly breaches: string[] = [];
  readonly seen = new Map<string, number>();

  /** Written down so a CI log shows the fuzz really ran at size. */
  print(name: string) {
    console.log(`fuzz ${name}: ${this.requests} requests, ${this.breaches.length} contract breaches`);
    console.log(
      [...this.seen]
        .sort()
        .map(([label, n]) => `${label}: ${n}`)
        .join('\n'),
    );
  }
}

/** Runs `ops` against `s`, `parallel` at a time; collects every contract breach in `tally`. */
async function runOps(tally: Tally, s: TestService, known: string[], ops: Op[], parallel: number) {
  const queue = [...ops];
  const worker = async () => {
    for (let op = queue.shift(); op !== undefined; op = queue.shift()) await runOp(tally, s, known, op);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

async function runOp(tally: Tally, s: TestService, known: string[], op: Op): Promise<void> {
  if (op.kind === 'advance') return s.clock.advance(op.seconds);
  if (op.kind === 'refuse') return s.outbox.failNext();

  let route: Route;
  let response: TestResponse;
  const described = JSON.stringify(op).slice(0, 300);
  try {
    if (op.kind === 'start' || op.kind === 'raw') {
      route = 'start';
      response =
        op.kind === 'raw'
          ? await rawRequest(s, {
              method: 'POST',
              path: VERIFICATIONS,
              body: op.body,
              isBase64Encoded: op.base64,
            })
          : await s.request('POST', VERIFICATIONS, bodyText(op.body), op.headers);
      if (response.status < 300 && typeof response.body['id'] === 'string') known.push(response.body['id']);
    } else {
      const id = resolveId(op.id, known);
      const path = `${VERIFICATIONS}/${segment(id)}`;
      if (op.kind === 'check') {
        route = 'check';
        const code = 'right' in op.code ? rightCode(s, id) : op.code.value;
        response = await s.request(
          'POST',
          `${path}/check`,
          op.body === undefined ? { code } : bodyText(op.body),
        );
      } else {
        route = op.kind;
        response = await s.request(op.kind === 'get' ? 'GET' : 'DELETE', path);
      }
    }
  } catch (error) {
    tally.breaches.push(`threw ${String(error)} for ${described}`);
    return;
  } finally {
    tally.requests++;
  }
  const error = response.body['error'];
  const label = `${route} ${response.status}${isObject(error) ? ` ${error['code']}${error['reason'] ? `/${error['reason']}` : ''}` : ''}`;
  tally.seen.set(label, (tally.seen.get(label) ?? 0) + 1);
  const breach = contractBreach(route, response);
  if (breach)
    tally.breaches.push(`${breach}: ${response.status} ${JSON.stringify(response.body)} for ${described}`);
}

/** What `request` sends: a string verbatim, `{raw: undefined}` as no body, anything else as JSON. */
function bodyText(body: unknown): unknown {
  if (isObject(body) && keysOf(body).join() === 'raw') return body['raw'] ?? undefined;
  return body === undefined ? null : (JSON.stringify(body) ?? null);
}

function resolveId(choice: IdChoice, known: string[]): string {
  if ('random' in choice) return choice.random;
  const id =
    known.length === 0 ? 'AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAA' : known[choice.known % known.length]!;
  if (choice.flip === undefined) return id;
  const at = choice.flip % id.length;
  return `${id.slice(0, at)}${choice.char}${id.slice(at + 1)}`;
}

/** The id as one path segment (never empty, never a lone surrogate). */
function segment(id: string): string {
  try {
    return encodeURIComponent(id) || '%20';
  } catch {
    return 'x';
  }
}

function rightCode(s: TestService, id: string): string {
  const message = s.outbox.messages.filter((m) => m.verificationId === id).at(-1);
  return message ? codeOf(message) : '000000';
}

// ---- The runs -------------------------------------------------------------------------------------

// The two runs send at least 1,400 + 8,600 = 10,000 requests (about 38 of each run's 40 operations are
// requests: 40 runs give ~1,520, 240 runs ~9,140).
describe('fuzz: every route, valid and invalid requests', () => {
  it('with tight limits on a few destinations (cooldown, per destination, per device IP, spend brake)', async () => {
    const s = await createTestService({
      settings: { maxSendsPerDeviceIpPerHour: 4, phoneSendsPerMinute: 6, phoneSendsPerDay: 60 },
    });
    const tally = new Tally();
    const known: string[] = [];
    await fc.assert(
      fc.asyncProperty(arbOps(true), async (ops) => {
        await runOps(tally, s, known, ops, PARALLEL);
        expect(tally.breaches.slice(0, 5)).toEqual([]);
      }),
      { numRuns: 40, endOnFailure: true },
    );
    tally.print('with tight limits');
    expect(tally.breaches).toEqual([]);
    expect(tally.requests).toBeGreaterThanOrEqual(1_400);
  }, 120_000);

  it('with limits raised, so most sends go through and verifications are checked, read and canceled', async () => {
    const s = await createTestService({
      settings: {
        maxSendsPerHour: 1_000_000,
        maxSendsPerDeviceIpPerHour: 1_000_000,
        phoneSendsPerMinute: 1_000_000,
        phoneSendsPerDay: 1_000_000,
      },
    });
    const tally = new Tally();
    const known: string[] = [];
    await fc.assert(
      fc.asyncProperty(arbOps(false), async (ops) => {
        await runOps(tally, s, known, ops, PARALLEL);
        expect(tally.breaches.slice(0, 5)).toEqual([]);
      }),
      { numRuns: 240, endOnFailure: true },
    );
    tally.print('with limits raised');
    expect(known.length).toBeGreaterThan(500);
    expect(tally.breaches).toEqual([]);
    expect(tally.requests).toBeGreaterThanOrEqual(8_600);
  }, 120_000);

  it('its contract check catches a breach (the fuzz can fail)', () => {
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}): TestResponse => ({
      status,
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body: body as TestResponse['body'],
      raw: { statusCode: status, body: JSON.stringify(body) },
    });
    const view = {
      id: 'AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBB',
      to: '+1********23',
      channel: 'sms',
      status: 'pending',
      expiresAt: '2026-11-23T10:05:00.000Z',
      attemptsRemaining: 5,
      resendAvailableAt: '2026-11-23T10:00:30.000Z',
    };
    const limited = { error: { code: 'rate_limited', message: 'Wait.', reason: 'cooldown' } };
    expect(contractBreach('start', answer(201, view))).toBeUndefined();
    expect(contractBreach('start', answer(429, limited, { 'retry-after': '27' }))).toBeUndefined();

    expect(contractBreach('start', answer(500, { error: { code: 'internal_error', message: 'x' } }))).toBe(
      'status 500',
    );
    expect(contractBreach('start', answer(201, { ...view, to: '+14155550123' }))).toMatch(/^success body/);
    expect(contractBreach('start', answer(429, limited))).toBe('429 without Retry-After');
    expect(contractBreach('check', answer(400, 'not an object'))).toBe('body is not a JSON object');
    expect(contractBreach('get', answer(404, { error: { code: 'not_found' } }))).toBe('error.message');
    expect(
      contractBreach(
        'cancel',
        answer(200, { id: view.id, status: 'canceled' }, { 'content-type': 'text/plain' }),
      ),
    ).toBe('content-type');
  });
});
