import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnetimeClient, OnetimeError } from '../../functions/client/client.ts';
import { type LocalMode, startLocalMode } from '../../local/server.ts';
import { localClient } from '../support/local-http.ts';

/**
 * `onetime/client` against local mode over real HTTP: every method, typed answers, and every kind of
 * refusal as an `OnetimeError`; then the API Gateway's own answers (which local mode cannot give), as
 * the construct shapes them (infra/api.ts), through a `fetch` that answers like the gateway.
 */
describe('OnetimeClient', () => {
  let local: LocalMode;
  const sent: Array<{ url: string; headers: Headers }> = [];
  const recordingFetch: typeof fetch = (input, init) => {
    sent.push({ url: String(input), headers: new Headers(init?.headers) });
    return fetch(input, init);
  };
  let client: OnetimeClient;
  const codeFor = async (id: string) => {
    const messages = await localClient(() => local.url).outbox();
    const body = messages.findLast((m) => m.verificationId === id)?.body ?? '';
    return /\d{6}/.exec(body)?.[0] ?? '';
  };

  beforeAll(async () => {
    // No cooldown, so a resend can follow at once; everything else as shipped.
    local = await startLocalMode({ port: 0, quiet: true, env: { OTP_RESEND_COOLDOWN_SECONDS: '0' } });
    client = new OnetimeClient({ baseUrl: `${local.url}/`, apiKey: 'key-123', fetch: recordingFetch });
  });
  afterAll(async () => {
    await local?.stop();
  });

  it('starts, resends, replays, checks, reads and cancels, with typed answers and the API key header', async () => {
    const started = await client.start(
      { to: 'ana@example.com', channel: 'email' },
      { idempotencyKey: 'k-1' },
    );
    expect(started).toMatchObject({
      to: 'a***@example.com',
      channel: 'email',
      status: 'pending',
      resent: false,
    });
    expect(started.replayed).toBe(false);
    expect(sent.at(-1)?.headers.get('x-api-key')).toBe('key-123');
    expect(sent.at(-1)?.headers.get('idempotency-key')).toBe('k-1');
    expect(sent.at(-1)?.url).toBe(`${local.url}/v1/verifications`);

    const replay = await client.start({ to: 'ana@example.com', channel: 'email' }, { idempotencyKey: 'k-1' });
    expect(replay).toMatchObject({ id: started.id, replayed: true, resent: false });
    const resend = await client.start({ to: 'ana@example.com', channel: 'email' });
    expect(resend).toMatchObject({ id: started.id, resent: true, replayed: false });

    const wrong = await client.check(started.id, {
      code: (await codeFor(started.id)) === '000000' ? '111111' : '000000',
    });
    expect(wrong).toEqual({ id: started.id, status: 'pending', valid: false, attemptsRemaining: 4 });
    const right = await client.check(started.id, { code: await codeFor(started.id) });
    expect(right).toEqual({ id: started.id, status: 'approved', valid: true, attemptsRemaining: 4 });
    const read = await client.get(started.id);
    expect(read).toMatchObject({ id: started.id, status: 'approved', delivery: 'delivered' });

    const other = await client.start({ to: '+1 415 555 0111', channel: 'sms', voiceFallback: false });
    expect(await client.cancel(other.id)).toEqual({ id: other.id, status: 'canceled' });
  });

  it('turns every refusal into an OnetimeError with code, field, reason, retryAfterSeconds and status', async () => {
    const refusal = (promise: Promise<unknown>) =>
      promise.then(
        () => expect.fail('resolved'),
        (error: unknown) => {
          expect(error).toBeInstanceOf(OnetimeError);
          return error as OnetimeError;
        },
      );
    const invalid = await refusal(client.start({ to: 'not a number', channel: 'sms' }));
    expect(invalid).toMatchObject({ status: 400, code: 'invalid_request', field: 'to', reason: undefined });
    expect(invalid.message).toContain('`to`');

    const unknown = await refusal(client.get('AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBB'));
    expect(unknown).toMatchObject({ status: 404, code: 'not_found' });
    const strange = await refusal(client.cancel('../../etc/passwd'));
    expect(strange).toMatchObject({ status: 404, code: 'not_found' });

    const started = await client.start({ to: 'bo@example.com', channel: 'email' });
    await client.cancel(started.id);
    const closed = await refusal(client.check(started.id, { code: '123456' }));
    expect(closed).toMatchObject({
      status: 409,
      code: 'verification_closed',
      verificationStatus: 'canceled',
    });

    // The hourly limit per destination (5 by default): the sixth send is a 429 with its reason and wait.
    const to = '+1 415 555 0112';
    for (let i = 0; i < 5; i++) await client.start({ to, channel: 'sms', voiceFallback: false });
    const limited = await refusal(client.start({ to, channel: 'sms', voiceFallback: false }));
    expect(limited).toMatchObject({ status: 429, code: 'rate_limited', reason: 'destination_limit' });
    expect(limited.retryAfterSeconds).toBeGreaterThan(0);
  });

  it("reads the gateway's own refusals, and answers that carry no envelope", async () => {
    const answering =
      (status: number, body: string, headers: Record<string, string> = {}): typeof fetch =>
      async () =>
        new Response(body, { status, headers: { 'content-type': 'application/json', ...headers } });
    const gateway = (status: number, body: string, headers?: Record<string, string>) =>
      new OnetimeClient({ baseUrl: 'https://api.example', fetch: answering(status, body, headers) })
        .get('AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBB')
        .then(
          () => expect.fail('resolved'),
          (error: unknown) => error as OnetimeError,
        );

    const key = await gateway(
      403,
      '{"error":{"code":"invalid_api_key","message":"A valid API key is required in the x-api-key header."}}',
    );
    expect(key).toMatchObject({ status: 403, code: 'invalid_api_key', retryAfterSeconds: undefined });
    const throttled = await gateway(
      429,
      '{"error":{"code":"throttled","message":"Too many requests for this API key; slow down."}}',
      { 'retry-after': '1' },
    );
    expect(throttled).toMatchObject({
      status: 429,
      code: 'throttled',
      reason: undefined,
      retryAfterSeconds: 1,
    });
    // A gateway without the construct's templates answers `{"message": "Forbidden"}`.
    expect(await gateway(403, '{"message":"Forbidden"}')).toMatchObject({
      code: 'http_403',
      message: 'Forbidden',
    });
    expect(await gateway(502, '<html>Bad gateway</html>')).toMatchObject({ status: 502, code: 'http_502' });
    const date = new Date(Date.now() + 60_000).toUTCString();
    expect((await gateway(503, '', { 'retry-after': date })).retryAfterSeconds).toBeGreaterThanOrEqual(58);
  });
});
