import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderMessage, resolveLocale, SUPPORTED_LOCALES } from '../../functions/core/messages.ts';
import type { Channel } from '../../functions/core/verification.ts';

const base = {
  to: '+14155550123',
  maskedTo: '+1********23',
  code: '482913',
  locale: 'en',
  appName: 'Acme',
  ttlSeconds: 300,
  verificationId: 'ver_123',
};
const render = (channel: Channel, extra: Partial<Parameters<typeof renderMessage>[0]> = {}) =>
  renderMessage({ ...base, channel, ...extra });

/** The digits the SSML reads, in order, one `<say-as>` each. */
const spokenDigits = (ssml: string) =>
  [...ssml.matchAll(/<say-as interpret-as="characters">(\d)<\/say-as>/g)].map((m) => m[1]).join('');

describe('renderMessage', () => {
  it('renders every channel in every locale, with the code and localised wording', () => {
    expect([...SUPPORTED_LOCALES].sort()).toEqual(['de', 'en', 'es', 'fr', 'it', 'pt']);
    const englishSms = render('sms').body;
    const subjects = new Set<string>();
    for (const locale of SUPPORTED_LOCALES) {
      const sms = render('sms', { locale });
      const email = render('email', { locale });
      const voice = render('voice', { locale });
      expect(sms).toMatchObject({
        channel: 'sms',
        to: base.to,
        maskedTo: base.maskedTo,
        verificationId: 'ver_123',
      });
      expect(sms.body).toContain('482913');
      expect(sms.body).toContain('Acme');
      expect(sms.body).toMatch(/\b5 /); // five minutes
      expect(sms.body.length).toBeLessThanOrEqual(120);
      if (locale !== 'en') expect(sms.body).not.toBe(englishSms);
      expect(email.subject).toContain('Acme');
      expect(email.subject).not.toContain('482913');
      subjects.add(email.subject!);
      expect(email.body).toContain('482913');
      expect(email.html).toContain('>482913</p>');
      expect(email.html).toContain(`<html lang="${locale}">`);
      expect(voice.body).toContain('4 8 2 9 1 3');
      expect(voice.ssml).toMatch(/^<speak>.*<\/speak>$/s);
      expect(voice.html).toBeUndefined();
      expect(sms.ssml).toBeUndefined();
    }
    expect(subjects.size).toBe(SUPPORTED_LOCALES.length);
  });

  it('uses the expected wording (spot checks)', () => {
    expect(render('sms').body).toBe("Your Acme code is 482913. It expires in 5 minutes. Don't share it.");
    expect(render('sms', { locale: 'fr' }).body).toBe(
      'Votre code Acme est 482913. Il expire dans 5 minutes. Ne le partagez pas.',
    );
    expect(render('email', { locale: 'de' }).subject).toBe('Ihr Bestätigungscode für Acme');
  });

  it('ends the SMS with the origin-bound line exactly when a domain is set', () => {
    for (const locale of SUPPORTED_LOCALES) {
      const body = render('sms', { locale, originDomain: 'acme.example' }).body;
      const lines = body.split('\n');
      expect(lines.at(-1)).toBe('@acme.example #482913');
      expect(lines.length).toBeGreaterThan(1);
    }
    expect(render('sms').body).not.toContain('@');
    expect(render('sms').body).not.toContain('\n');
  });

  it('uses your own SMS wording for the locales you name, the built-in text for the others', () => {
    const smsTemplates = {
      en: 'Acme: {code} is your login code ({app}, {minutes} min).',
      de: 'Code: {code}',
    };
    expect(render('sms', { smsTemplates, ttlSeconds: 90 }).body).toBe(
      'Acme: 482913 is your login code (Acme, 2 min).',
    );
    expect(render('sms', { smsTemplates, locale: 'de-AT' }).body).toBe('Code: 482913');
    expect(render('sms', { smsTemplates, locale: 'fr' }).body).toBe(render('sms', { locale: 'fr' }).body);
    // An unsupported locale falls back to the default one, and so to its template.
    expect(render('sms', { smsTemplates, locale: 'xx' }).body).toMatch(/^Acme: 482913 is your login code/);
    // The origin-bound line still ends it; email and voice keep their own wording.
    expect(render('sms', { smsTemplates, originDomain: 'acme.example' }).body.split('\n').at(-1)).toBe(
      '@acme.example #482913',
    );
    expect(render('email', { smsTemplates }).body).toBe(render('email').body);
  });

  it('rounds the validity up to whole minutes', () => {
    expect(render('sms', { ttlSeconds: 61 }).body).toContain('expires in 2 minutes');
    expect(render('sms', { ttlSeconds: 60 }).body).toContain('expires in 1 minute.');
    expect(render('sms', { ttlSeconds: 30 }).body).toContain('expires in 1 minute.');
    expect(render('email', { ttlSeconds: 600, locale: 'it' }).body).toContain('Scade tra 10 minuti.');
  });

  it('escapes a hostile app name in the HTML and the SSML', () => {
    const appName = `<script>alert("x")</script> & 'Co'`;
    const email = render('email', { appName });
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39;');
    expect(email.body).toContain(appName); // the text part stays literal
    const voice = render('voice', { appName });
    expect(voice.ssml).not.toContain('<script>');
    expect(voice.ssml).toContain('&lt;script&gt;');
    expect(
      voice.ssml!.match(/<\/?[a-z][^>]*>/g)!.every((tag) => /^<\/?(speak|lang|p|break|say-as)\b/.test(tag)),
    ).toBe(true);
  });

  it('reads each digit on its own, twice, with pauses between', () => {
    const { ssml } = render('voice', { code: '0070' });
    expect(spokenDigits(ssml!)).toBe('00700070');
    expect(ssml).toContain('<say-as interpret-as="characters">0</say-as><break time="600ms"/>');
    expect(ssml!.indexOf('I repeat:')).toBeGreaterThan(ssml!.indexOf('<say-as'));
    expect(ssml!.indexOf('I repeat:')).toBeLessThan(ssml!.lastIndexOf('<say-as'));
    expect(render('voice', { locale: 'es' }).ssml).toContain('<p>Repito:</p>');
  });

  it('reads a code with letters letter by letter, twice, in SMS and email as it is', () => {
    const { ssml, body } = render('voice', { code: 'X7K9PQ' });
    const spoken = [...ssml!.matchAll(/<say-as interpret-as="characters">([0-9A-Z])<\/say-as>/g)].map(
      (m) => m[1],
    );
    expect(spoken.join('')).toBe('X7K9PQX7K9PQ');
    expect(body).toContain('X 7 K 9 P Q.');
    expect(render('sms', { code: 'X7K9PQ' }).body).toContain('X7K9PQ');
    expect(render('email', { code: 'X7K9PQ' }).html).toContain('>X7K9PQ</p>');
  });

  it('words a WhatsApp message as the authentication template of Meta does, with the code alone beside it', () => {
    for (const locale of SUPPORTED_LOCALES) {
      const whatsapp = render('whatsapp', { locale });
      expect(whatsapp.code).toBe('482913');
      expect(whatsapp.locale).toBe(locale);
      expect(whatsapp.body.startsWith('482913 ')).toBe(true);
      expect(whatsapp.body).toContain('5');
    }
    expect(render('whatsapp').body).toBe(
      '482913 is your verification code. For your security, do not share this code.\nIt expires in 5 minutes.',
    );
    // Email never carries the code on its own; SMS and voice do, for Notify's template variable.
    expect(render('email').code).toBeUndefined();
    expect(render('sms').code).toBe('482913');
  });

  it('names the speech language in the SSML, keeping a known region', () => {
    expect(render('voice').ssml).toContain('<lang xml:lang="en-US">');
    expect(render('voice', { locale: 'pt-PT' }).ssml).toContain('<lang xml:lang="pt-PT">');
    expect(render('voice', { locale: 'pt' }).ssml).toContain('<lang xml:lang="pt-BR">');
    expect(render('voice', { locale: 'fr-CH' }).ssml).toContain('<lang xml:lang="fr-FR">');
    expect(render('voice', { locale: 'ja-JP' }).ssml).toContain('<lang xml:lang="en-US">');
  });

  it('falls back to English, or to the configured default, for locales without templates', () => {
    expect(render('sms', { locale: 'ja' }).body).toBe(render('sms', { locale: 'en' }).body);
    expect(render('sms', { locale: '' }).body).toBe(render('sms', { locale: 'en' }).body);
    expect(render('sms', { locale: 'pt-BR' }).body).toBe(render('sms', { locale: 'pt' }).body);
    expect(render('sms', { locale: 'ja', defaultLocale: 'de' }).body).toBe(
      render('sms', { locale: 'de' }).body,
    );
  });
});

describe('resolveLocale', () => {
  it('maps a tag to its language and falls back to the default, then English', () => {
    expect(resolveLocale('pt-BR')).toBe('pt');
    expect(resolveLocale('ES_mx')).toBe('es');
    expect(resolveLocale('zz')).toBe('en');
    expect(resolveLocale(undefined)).toBe('en');
    expect(resolveLocale('zz', 'fr-CA')).toBe('fr');
    expect(resolveLocale('zz', 'xx')).toBe('en');
    expect(resolveLocale('__proto__')).toBe('en');
  });
});

describe('property: the code always reaches the person', () => {
  it('appears in the SMS, the email text and HTML, and the SSML digits, for 4-10 digit codes', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9]{4,10}$/),
        fc.constantFrom(...SUPPORTED_LOCALES, 'pt-BR', 'xx'),
        fc.option(fc.domain(), { nil: undefined }),
        (code, locale, originDomain) => {
          const sms = render('sms', { code, locale, originDomain }).body;
          expect(sms).toContain(code);
          if (originDomain) expect(sms.split('\n').at(-1)).toBe(`@${originDomain} #${code}`);
          const email = render('email', { code, locale });
          expect(email.body).toContain(`\n${code}\n`);
          expect(email.html).toContain(`>${code}</p>`);
          expect(spokenDigits(render('voice', { code, locale }).ssml!)).toBe(code + code);
        },
      ),
    );
  });
});
