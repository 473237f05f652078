/**
 * The payment a code approves: how a request's transaction is read and limited, the MAC that binds
 * it, and how every channel shows it in every locale (escaped where markup is).
 */
import { describe, expect, it } from 'vitest';
import { formatAmount } from '../../functions/core/amounts.ts';
import { EngineError } from '../../functions/core/errors.ts';
import { renderMessage, SUPPORTED_LOCALES } from '../../functions/core/messages.ts';
import { Sealer } from '../../functions/core/sealing.ts';
import { checkSmsTemplates } from '../../functions/core/sms-templates.ts';
import {
  canonicalTransaction,
  paymentLimits,
  readTransaction,
  type Transaction,
} from '../../functions/core/transaction.ts';
import type { Channel } from '../../functions/core/verification.ts';
import { parseStartBody } from '../../functions/http/start-schema.ts';

const PAYMENT: Transaction = { amount: '49.90', currency: 'EUR', payee: 'Acme Shop' };

/** The field of the 400 `run` throws. */
function refusedField(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).statusCode).toBe(400);
    return (error as EngineError).options.field;
  }
  throw new Error('not refused');
}

describe('reading a transaction', () => {
  it('normalises amount, payee and keeps the currency, so equal payments have one canonical form', () => {
    const read = (amount: string, currency: string, payee: string) =>
      paymentLimits(readTransaction({ amount, currency, payee, extra: 1 }));
    expect(read('049.9', 'EUR', '  Acme Shop ')).toEqual(PAYMENT);
    expect(read('1000', 'JPY', 'x')).toEqual({ amount: '1000', currency: 'JPY', payee: 'x' });
    expect(read('1.5', 'KWD', 'x').amount).toBe('1.500');
    expect(read('0.01', 'USD', 'x').amount).toBe('0.01');
    expect(read('12', 'EUR', 'Cafe\u0301').payee).toBe('Caf\u00e9');
    expect(canonicalTransaction(read('49.9', 'EUR', 'Acme Shop'))).toBe(canonicalTransaction(PAYMENT));
    expect(read('1', 'EUR', 'é'.repeat(64)).payee).toHaveLength(64);
  });

  it('refuses what it cannot read or show, naming the member', () => {
    const start = (transaction: unknown) => () =>
      parseStartBody({ to: 'a@example.com', channel: 'email', transaction });
    expect(refusedField(start(null))).toBe('transaction');
    expect(refusedField(start({ ...PAYMENT, amount: 49.9 }))).toBe('transaction.amount');
    for (const amount of [
      '',
      '.5',
      '5.',
      '1e3',
      '-1',
      '+1',
      '1,5',
      ' 1',
      '0',
      '0.00',
      '49.901',
      '1000000000000',
    ]) {
      expect(refusedField(start({ ...PAYMENT, amount })), amount).toBe('transaction.amount');
    }
    expect(refusedField(start({ amount: '1.5', currency: 'JPY', payee: 'x' }))).toBe('transaction.amount');
    for (const currency of ['eur', 'EURO', 'ZZZ', '', 978]) {
      expect(refusedField(start({ ...PAYMENT, currency })), String(currency)).toBe('transaction.currency');
    }
    for (const payee of [
      '',
      '   ',
      'x'.repeat(65),
      'a\u202eb',
      'a\u200bb',
      'a\u2066b',
      'a\tb',
      'a\u2028b',
      '\ue000',
    ]) {
      expect(refusedField(start({ ...PAYMENT, payee })), JSON.stringify(payee)).toBe('transaction.payee');
    }
  });

  it('a check reads the same normal form (a payment no start accepts is simply bound to no code)', () => {
    expect(readTransaction({ amount: '49.9', currency: 'EUR', payee: 'Acme Shop ' })).toEqual(PAYMENT);
    expect(refusedField(() => readTransaction({ ...PAYMENT, currency: 'eur' }))).toBe('transaction.currency');
  });
});

describe('the MAC binds the payment', () => {
  const sealer = new Sealer(Buffer.alloc(32, 7));
  it('differs with the payment, and is unchanged for a code without one', () => {
    const bound = sealer.mac('id', '123456', canonicalTransaction(PAYMENT));
    expect(bound).not.toBe(sealer.mac('id', '123456'));
    expect(bound).not.toBe(sealer.mac('id', '123456', canonicalTransaction({ ...PAYMENT, amount: '49.91' })));
    expect(bound).not.toBe(
      sealer.mac('id', '123456', canonicalTransaction({ ...PAYMENT, payee: 'Acme Shop.' })),
    );
    expect(sealer.macs('id', '123456', canonicalTransaction(PAYMENT))).toEqual([bound]);
    // Unbound MACs are the ones stored before payments existed: HMAC(id \0 code).
    expect(sealer.macMatches('id', '123456', sealer.mac('id', '123456'))).toBe(true);
  });
});

describe('amounts as messages show them', () => {
  it('uses a symbol only where it names one currency, else the code; voice spells the currency', () => {
    expect(formatAmount(PAYMENT, 'en', 'symbol')).toBe('€49.90');
    expect(formatAmount(PAYMENT, 'fr', 'symbol')).toBe('49,90\u00a0€');
    expect(formatAmount({ ...PAYMENT, currency: 'USD' }, 'en', 'symbol')).toBe('USD\u00a049.90');
    expect(formatAmount({ ...PAYMENT, currency: 'GBP' }, 'en', 'symbol')).toBe('GBP\u00a049.90');
    expect(formatAmount({ ...PAYMENT, currency: 'CAD' }, 'en', 'symbol')).toBe('CA$49.90');
    expect(formatAmount({ ...PAYMENT, currency: 'USD' }, 'fr', 'symbol')).toBe('49,90\u00a0$US');
    expect(formatAmount({ amount: '1000', currency: 'JPY', payee: 'x' }, 'en', 'symbol')).toBe(
      'JPY\u00a01,000',
    );
    expect(formatAmount(PAYMENT, 'en', 'name')).toBe('49.90 euros');
    expect(formatAmount({ amount: '123456789012.99', currency: 'EUR', payee: 'x' }, 'en', 'symbol')).toBe(
      '€123,456,789,012.99',
    );
  });
});

describe('every message shows the payment', () => {
  const base = {
    to: 'ana@example.com',
    maskedTo: 'a***@example.com',
    code: '482913',
    appName: 'Acme',
    ttlSeconds: 300,
    verificationId: 'ver_1',
  };
  const render = (channel: Channel, locale: string, transaction: Transaction | null = PAYMENT, extra = {}) =>
    renderMessage({ ...base, channel, locale, transaction: transaction ?? undefined, ...extra });
  const PAY_WORDS: Record<string, RegExp> = {
    en: /code to pay €49\.90 to Acme Shop is/,
    es: /para pagar 49,90 € a Acme Shop es/,
    fr: /pour payer 49,90 € à Acme Shop est/,
    de: /zur Zahlung von 49,90 € an Acme Shop lautet/,
    pt: /para pagar € 49,90 a Acme Shop é/,
    it: /per pagare 49,90 € a Acme Shop è/,
  };

  it.each([...SUPPORTED_LOCALES])('in %s, by SMS, email and voice', (locale) => {
    const sms = render('sms', locale, PAYMENT, { originDomain: 'pay.example.com' }).body;
    expect(sms).toMatch(PAY_WORDS[locale]!);
    expect(sms).toContain('482913');
    expect(sms).not.toMatch(/[\u00a0\u202f]/); // plain spaces keep the SMS in GSM-7
    expect(sms.split('\n').at(-1)).toBe('@pay.example.com #482913');
    expect(sms.length).toBeLessThanOrEqual(180);

    const email = render('email', locale);
    const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');
    expect(plain(email.subject!)).toMatch(
      new RegExp(PAY_WORDS[locale]!.source.replace(/ (is|es|est|lautet|é|è)$/, '')),
    );
    expect(plain(email.body)).toMatch(PAY_WORDS[locale]!);
    expect(plain(email.html!)).toContain('Acme Shop');
    expect(email.subject).not.toContain('482913');

    const voice = render('voice', locale);
    expect(voice.body).toContain('Acme Shop');
    expect(voice.ssml).toContain('Acme Shop');
    expect(voice.body).toMatch(/49[.,]90 ([Ee]uros?)/);
    expect(voice.ssml).not.toContain('€');
  });

  it('escapes the payee in HTML and SSML', () => {
    const payee = '<b>Tom & "Jerry\'s"</b>';
    const email = render('email', 'en', { ...PAYMENT, payee });
    expect(email.html).toContain('&lt;b&gt;Tom &amp; &quot;Jerry&#39;s&quot;&lt;/b&gt;');
    expect(email.html).not.toContain('<b>Tom');
    expect(email.body).toContain(payee);
    const voice = render('voice', 'en', { ...PAYMENT, payee });
    expect(voice.ssml).toContain('&lt;b&gt;Tom &amp; &quot;Jerry&#39;s&quot;&lt;/b&gt;');
    expect(voice.ssml).not.toContain('<b>');
  });

  it('a code without a payment reads as before', () => {
    expect(render('sms', 'en', null).body).toBe(
      "Your Acme code is 482913. It expires in 5 minutes. Don't share it.",
    );
  });

  it('custom SMS wording is used where it fits: {amount} and {payee} for a payment, neither without', () => {
    const smsTemplates = checkSmsTemplates({
      en: 'Acme: {code} pays {amount} to {payee}',
      fr: 'Acme : {code}',
    });
    expect(render('sms', 'en', PAYMENT, { smsTemplates }).body).toBe('Acme: 482913 pays €49.90 to Acme Shop');
    expect(render('sms', 'en', null, { smsTemplates }).body).toContain('Your Acme code is 482913');
    expect(render('sms', 'fr', null, { smsTemplates }).body).toBe('Acme : 482913');
    expect(render('sms', 'fr', PAYMENT, { smsTemplates }).body).toMatch(PAY_WORDS['fr']!);
    expect(() => checkSmsTemplates({ en: '{code} {amount}' })).toThrow(/both \{amount\} and \{payee\}/);
  });
});
