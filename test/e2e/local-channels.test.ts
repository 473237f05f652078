/**
 * Local mode end to end for the newer channels and settings: a real server (in this process), real
 * HTTP, DynamoDB Local on Java, settings read from the OTP_* variables as `npm start` reads them.
 */
import { Script } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_PUSH_ENDPOINT_EXAMPLE } from '../../local/local-push.ts';
import { type LocalMode, startLocalMode } from '../../local/server.ts';
import { CODE_IN_TEXT, wrongCodeFor } from '../support/codes.ts';
import { localClient } from '../support/local-http.ts';

const STARTUP_MS = 90_000;

describe('local mode: codes with letters, WhatsApp, push', { shuffle: false }, () => {
  let local: LocalMode;
  const api = localClient(() => local.url);

  beforeAll(async () => {
    local = await startLocalMode({
      port: 0,
      quiet: true,
      env: { OTP_CODE_ALPHABET: 'alphanumeric', OTP_RESEND_COOLDOWN_SECONDS: '0' },
    });
  }, STARTUP_MS);

  afterAll(async () => {
    await local?.stop();
  });

  it('sends a code with letters, and approves it typed in lower case with a dash', async () => {
    const sent = await api.post('/v1/verifications', { to: '+1 415 555 0140', channel: 'sms' });
    expect(sent.status).toBe(201);
    const id = sent.body['id'] as string;
    const message = (await api.outbox()).find((m) => m.verificationId === id)!;
    const code = CODE_IN_TEXT.exec(message.body)?.[1] ?? '';
    expect(code).toMatch(/^[2-9A-HJKMNP-Z]{6}$/);

    const malformed = await api.post(`/v1/verifications/${id}/check`, { code: '000000' });
    expect(malformed.status).toBe(400);
    const wrong = await api.post(`/v1/verifications/${id}/check`, { code: wrongCodeFor(code) });
    expect(wrong.body).toMatchObject({ valid: false, attemptsRemaining: 4 });
    const typed = `${code.slice(0, 3).toLowerCase()}-${code.slice(3).toLowerCase()}`;
    const right = await api.post(`/v1/verifications/${id}/check`, { code: typed });
    expect(right.body).toMatchObject({ valid: true, status: 'approved' });
  });

  it('delivers WhatsApp to the outbox as the template reads, counted under the phone limits', async () => {
    const sent = await api.post('/v1/verifications', {
      to: '+1 415 555 0141',
      channel: 'whatsapp',
      locale: 'es',
    });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ channel: 'whatsapp', to: '+1********41', status: 'pending' });
    const id = sent.body['id'] as string;
    const message = (await api.outbox()).find((m) => m.verificationId === id)!;
    expect(message).toMatchObject({ channel: 'whatsapp', to: '+14155550141' });
    expect(message.body).toMatch(/^[2-9A-HJKMNP-Z]{6} es tu código de verificación\./);
    const code = CODE_IN_TEXT.exec(message.body)?.[1] ?? '';
    const right = await api.post(`/v1/verifications/${id}/check`, { code: code.toLowerCase() });
    expect(right.body).toMatchObject({ valid: true, status: 'approved' });

    const outside = await api.post('/v1/verifications', { to: '+7 912 345 6789', channel: 'whatsapp' });
    expect(outside.status).toBe(400);
    expect(outside.body['error']).toMatchObject({ code: 'country_not_allowed', field: 'to' });
  });

  it('shows a WhatsApp message as a chat bubble with a copy-code button on the page', async () => {
    const html = await (await fetch(`${local.url}/_local/`)).text();
    expect(html).toContain('<option>whatsapp</option>');
    expect(html).toContain("copy = element('button', 'wa-copy', 'Copy code')");
    // The page's script parses (no browser here to run it).
    const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? '';
    expect(() => new Script(script)).not.toThrow();
  });

  it('delivers push to an endpoint of the local applications, and refuses any other ARN on `to`', async () => {
    const sent = await api.post('/v1/verifications', {
      to: LOCAL_PUSH_ENDPOINT_EXAMPLE,
      channel: 'push',
      locale: 'de',
    });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ channel: 'push', to: 'APNS:****0001', status: 'pending' });
    const id = sent.body['id'] as string;
    const message = (await api.outbox()).find((m) => m.verificationId === id)!;
    expect(message).toMatchObject({
      channel: 'push',
      to: LOCAL_PUSH_ENDPOINT_EXAMPLE,
      subject: 'Ihr Bestätigungscode für onetime',
    });
    const code = CODE_IN_TEXT.exec(message.body)?.[1] ?? '';
    expect((await api.post(`/v1/verifications/${id}/check`, { code })).body).toMatchObject({ valid: true });

    const foreign = LOCAL_PUSH_ENDPOINT_EXAMPLE.replace('onetime-local', 'someone-else');
    const refused = await api.post('/v1/verifications', { to: foreign, channel: 'push' });
    expect([refused.status, (refused.body['error'] as { field?: string }).field]).toEqual([400, 'to']);
    const html = await (await fetch(`${local.url}/_local/`)).text();
    expect(html).toContain('<option>push</option>');
    expect(html).toContain("element('div', 'push-card')");
  });
});
