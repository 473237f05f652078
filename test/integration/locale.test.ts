import { describe, expect, it } from 'vitest';
import { renderMessage } from '../../functions/core/messages.ts';
import { auditedServices } from './helpers.ts';

const services = auditedServices();

describe('the language of a message', () => {
  it('follows the request, and falls back to the service default (not English) for a locale it lacks', async () => {
    const s = await services.create({ settings: { defaultLocale: 'de' } });
    const german = (code: string) =>
      renderMessage({
        channel: 'sms',
        to: '+14155550123',
        maskedTo: '+1415*****23',
        code,
        locale: 'de',
        appName: 'onetime',
        ttlSeconds: 300,
        verificationId: 'x',
      }).body;

    await s.request('POST', '/v1/verifications', { to: '+14155550123', channel: 'sms', locale: 'ja' });
    expect(s.outbox.messages[0]?.body).toBe(german(s.lastCode()));

    await s.request('POST', '/v1/verifications', { to: '+14155550124', channel: 'sms', locale: 'fr-CA' });
    expect(s.outbox.messages[1]?.body).not.toBe(german(s.lastCode()));
    expect(s.outbox.messages[1]?.body).toContain(s.lastCode());
  });
});
