import { describe, expect, it } from 'vitest';
import { renderMessage } from '../../functions/core/messages.ts';
import { auditedServices } from '../support/audit.ts';

const services = auditedServices();

describe('the language of a message', () => {
  it('follows the request, and falls back to the service default (not English) for a locale it lacks', async () => {
    const s = await services.create({ settings: { defaultLocale: 'de' } });
    const german = (code: string) =>
      renderMessage({
        channel: 'sms',
        to: '+14155550123',
        maskedTo: '+1********23',
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

describe('your own SMS wording', () => {
  it('is what the person receives in the locales it names, resends included; the check still works', async () => {
    const s = await services.create({
      settings: { smsTemplates: { en: 'Acme login: {code}. Valid {minutes} min.' } },
    });
    const sent = await s.request('POST', '/v1/verifications', { to: '+14155550125', channel: 'sms' });
    const code = s.lastCode();
    expect(s.outbox.messages.at(-1)?.body).toBe(`Acme login: ${code}. Valid 5 min.`);

    s.clock.advance(60);
    await s.request('POST', '/v1/verifications', { to: '+14155550125', channel: 'sms' });
    expect(s.outbox.messages.at(-1)?.body).toBe(`Acme login: ${code}. Valid 4 min.`);

    await s.request('POST', '/v1/verifications', { to: '+14155550126', channel: 'sms', locale: 'es' });
    expect(s.outbox.messages.at(-1)?.body).toMatch(/^Tu código de onetime es \d{6}\./);

    const checked = await s.request('POST', `/v1/verifications/${String(sent.body['id'])}/check`, { code });
    expect(checked.body).toMatchObject({ status: 'approved', valid: true });
  });
});
