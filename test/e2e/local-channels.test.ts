/**
 * Local mode end to end for the newer channels and settings: a real server (in this process), real
 * HTTP, DynamoDB Local on Java, settings read from the OTP_* variables as `npm start` reads them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalMode, startLocalMode } from '../../local/server.ts';
import { CODE_IN_TEXT, wrongCodeFor } from '../support/codes.ts';
import { localClient } from '../support/local-http.ts';

const STARTUP_MS = 90_000;

describe('local mode with OTP_CODE_ALPHABET=alphanumeric', { shuffle: false }, () => {
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
});
