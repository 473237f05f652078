import { describe, expect, it } from 'vitest';
import { createTestService } from '../support/service.ts';

describe('smoke', () => {
  it('sends, resends the same code, approves once', async () => {
    const s = await createTestService();
    const sent = await s.request('POST', '/v1/verifications', { to: '+1 415 555 0123', channel: 'sms' });
    expect(sent.status).toBe(201);
    expect(sent.body['to']).toBe('+1415*****23');
    const id = sent.body['id'] as string;
    const code = s.lastCode('+14155550123');
    s.clock.advance(31);
    const resent = await s.request('POST', '/v1/verifications', { to: '+14155550123', channel: 'voice' });
    expect(resent.status).toBe(200);
    expect(resent.body['id']).toBe(id);
    expect(s.outbox.messages[1]?.ssml).toContain(code[0]);
    const wrong = await s.request('POST', `/v1/verifications/${id}/check`, { code: code === '000000' ? '111111' : '000000' });
    expect(wrong.body).toMatchObject({ valid: false, status: 'pending', attemptsRemaining: 4 });
    const ok = await s.request('POST', `/v1/verifications/${id}/check`, { code });
    expect(ok.body).toMatchObject({ valid: true, status: 'approved' });
    const again = await s.request('POST', `/v1/verifications/${id}/check`, { code });
    expect(again.status).toBe(409);
    expect(again.body['status']).toBe('approved');
    const cooldown = await s.request('POST', '/v1/verifications', { to: '+14155550123', channel: 'sms' });
    expect(cooldown.status).toBe(201);
  });
});
