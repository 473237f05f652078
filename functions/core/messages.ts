/**
 * Localised message templates and the renderer that turns a code into an `OutgoingMessage` for one
 * channel. Plain TypeScript, no AWS: the same messages go to SNS/SES/voice and to the local outbox.
 */

import { formatAmount } from './amounts.ts';
import type { OutgoingMessage } from './ports.ts';
import {
  fillSmsTemplate,
  isSupported,
  namesPayment,
  type SmsTemplates,
  SUPPORTED_LOCALES,
  type SupportedLocale,
} from './sms-templates.ts';
import type { Transaction } from './transaction.ts';
import type { Channel, VerificationRecord } from './verification.ts';

/** The wording of one language. Text and HTML email share these parts so they never drift apart. */
interface Templates {
  /** Polly language for the SSML `<lang>` tag (region used when the request names none we know). */
  speech: string;
  /** Other regions of this language Polly can speak, kept when the request names one (e.g. pt-PT). */
  speechVariants: readonly string[];
  minutes(n: number): string;
  /**
   * What the code approves, as a phrase that follows "code" (with its leading space): " to pay €49.90
   * to Acme Shop". Every wording below takes it, empty for a code that approves no payment.
   */
  pay(amount: string, payee: string): string;
  sms(app: string, code: string, minutes: string, pay?: string): string;
  subject(app: string, pay?: string): string;
  /** Email lead-in, followed by the code. */
  intro(app: string, pay?: string): string;
  expiry(minutes: string): string;
  ignore: string;
  neverShare: string;
  voiceIntro(app: string, pay?: string): string;
  voiceRepeat: string;
  voiceGoodbye: string;
  /** WhatsApp: Meta's preset text of an authentication template in this language (Meta sends its own). */
  whatsapp(code: string): string;
}

const plural = (one: string, many: string) => (n: number) => (n === 1 ? `1 ${one}` : `${n} ${many}`);

const TEMPLATES = {
  en: {
    speech: 'en-US',
    speechVariants: ['en-GB', 'en-AU', 'en-IN'],
    minutes: plural('minute', 'minutes'),
    pay: (amount, payee) => ` to pay ${amount} to ${payee}`,
    sms: (app, code, m, pay = '') => `Your ${app} code${pay} is ${code}. It expires in ${m}. Don't share it.`,
    subject: (app, pay = '') => `Your ${app} verification code${pay}`,
    intro: (app, pay = '') => `Your ${app} verification code${pay} is:`,
    expiry: (m) => `It expires in ${m}.`,
    ignore: "If you didn't request this code, you can ignore this email.",
    neverShare: 'Never share this code with anyone.',
    voiceIntro: (app, pay = '') => `Hello. Your ${app} verification code${pay} is:`,
    voiceRepeat: 'I repeat:',
    voiceGoodbye: 'Goodbye.',
    whatsapp: (code) => `${code} is your verification code. For your security, do not share this code.`,
  },
  es: {
    speech: 'es-ES',
    speechVariants: ['es-MX', 'es-US'],
    minutes: plural('minuto', 'minutos'),
    pay: (amount, payee) => ` para pagar ${amount} a ${payee}`,
    sms: (app, code, m, pay = '') => `Tu código de ${app}${pay} es ${code}. Caduca en ${m}. No lo compartas.`,
    subject: (app, pay = '') => `Tu código de verificación de ${app}${pay}`,
    intro: (app, pay = '') => `Tu código de verificación de ${app}${pay} es:`,
    expiry: (m) => `Caduca en ${m}.`,
    ignore: 'Si no has solicitado este código, puedes ignorar este correo.',
    neverShare: 'No compartas este código con nadie.',
    voiceIntro: (app, pay = '') => `Hola. Tu código de verificación de ${app}${pay} es:`,
    voiceRepeat: 'Repito:',
    voiceGoodbye: 'Adiós.',
    whatsapp: (code) => `${code} es tu código de verificación. Por tu seguridad, no lo compartas.`,
  },
  fr: {
    speech: 'fr-FR',
    speechVariants: ['fr-CA'],
    minutes: plural('minute', 'minutes'),
    pay: (amount, payee) => ` pour payer ${amount} à ${payee}`,
    sms: (app, code, m, pay = '') =>
      `Votre code ${app}${pay} est ${code}. Il expire dans ${m}. Ne le partagez pas.`,
    subject: (app, pay = '') => `Votre code de vérification ${app}${pay}`,
    intro: (app, pay = '') => `Votre code de vérification ${app}${pay} est :`,
    expiry: (m) => `Il expire dans ${m}.`,
    ignore: "Si vous n'êtes pas à l'origine de cette demande, vous pouvez ignorer cet e-mail.",
    neverShare: 'Ne communiquez jamais ce code à personne.',
    voiceIntro: (app, pay = '') => `Bonjour. Votre code de vérification ${app}${pay} est :`,
    voiceRepeat: 'Je répète :',
    voiceGoodbye: 'Au revoir.',
    whatsapp: (code) => `${code} est votre code de vérification. Pour votre sécurité, ne le partagez pas.`,
  },
  de: {
    speech: 'de-DE',
    speechVariants: [],
    minutes: plural('Minute', 'Minuten'),
    pay: (amount, payee) => ` zur Zahlung von ${amount} an ${payee}`,
    sms: (app, code, m, pay = '') =>
      `Ihr Code für ${app}${pay} lautet ${code}. Er ist ${m} gültig. Geben Sie ihn nicht weiter.`,
    subject: (app, pay = '') => `Ihr Bestätigungscode für ${app}${pay}`,
    intro: (app, pay = '') => `Ihr Bestätigungscode für ${app}${pay} lautet:`,
    expiry: (m) => `Er ist ${m} gültig.`,
    ignore: 'Falls Sie diesen Code nicht angefordert haben, können Sie diese E-Mail ignorieren.',
    neverShare: 'Geben Sie diesen Code niemals an andere weiter.',
    voiceIntro: (app, pay = '') => `Hallo. Ihr Bestätigungscode für ${app}${pay} lautet:`,
    voiceRepeat: 'Ich wiederhole:',
    voiceGoodbye: 'Auf Wiederhören.',
    whatsapp: (code) =>
      `${code} ist Ihr Bestätigungscode. Geben Sie diesen Code zu Ihrer Sicherheit nicht weiter.`,
  },
  pt: {
    speech: 'pt-BR',
    speechVariants: ['pt-PT'],
    minutes: plural('minuto', 'minutos'),
    pay: (amount, payee) => ` para pagar ${amount} a ${payee}`,
    sms: (app, code, m, pay = '') =>
      `Seu código de ${app}${pay} é ${code}. Ele expira em ${m}. Não o compartilhe.`,
    subject: (app, pay = '') => `Seu código de verificação de ${app}${pay}`,
    intro: (app, pay = '') => `Seu código de verificação de ${app}${pay} é:`,
    expiry: (m) => `Ele expira em ${m}.`,
    ignore: 'Se você não solicitou este código, ignore este e-mail.',
    neverShare: 'Nunca compartilhe este código com ninguém.',
    voiceIntro: (app, pay = '') => `Olá. Seu código de verificação de ${app}${pay} é:`,
    voiceRepeat: 'Repetindo:',
    voiceGoodbye: 'Até logo.',
    whatsapp: (code) => `${code} é seu código de verificação. Para sua segurança, não o compartilhe.`,
  },
  it: {
    speech: 'it-IT',
    speechVariants: [],
    minutes: plural('minuto', 'minuti'),
    pay: (amount, payee) => ` per pagare ${amount} a ${payee}`,
    sms: (app, code, m, pay = '') =>
      `Il tuo codice ${app}${pay} è ${code}. Scade tra ${m}. Non condividerlo.`,
    subject: (app, pay = '') => `Il tuo codice di verifica ${app}${pay}`,
    intro: (app, pay = '') => `Il tuo codice di verifica ${app}${pay} è:`,
    expiry: (m) => `Scade tra ${m}.`,
    ignore: "Se non l'hai richiesto, puoi ignorare questa email.",
    neverShare: 'Non condividere mai questo codice con nessuno.',
    voiceIntro: (app, pay = '') => `Ciao. Il tuo codice di verifica ${app}${pay} è:`,
    voiceRepeat: 'Ripeto:',
    voiceGoodbye: 'Arrivederci.',
    whatsapp: (code) => `${code} è il tuo codice di verifica. Per la tua sicurezza, non condividerlo.`,
  },
} satisfies Record<SupportedLocale, Templates>;

export { SUPPORTED_LOCALES, type SupportedLocale };

const FALLBACK_LOCALE: SupportedLocale = 'en';

/** Language part of a BCP-47-ish tag, lower-cased: 'pt-BR' / 'PT_br' -> 'pt'. */
const languageOf = (locale: string) => locale.trim().toLowerCase().split(/[-_]/, 1)[0] ?? '';

/**
 * The templates' locale for a requested one: its language when we have templates for it, else the
 * default locale's language, else English.
 */
export function resolveLocale(
  locale: string | undefined,
  defaultLocale: string = FALLBACK_LOCALE,
): SupportedLocale {
  for (const candidate of [locale ?? '', defaultLocale]) {
    const language = languageOf(candidate);
    if (isSupported(language)) return language;
  }
  return FALLBACK_LOCALE;
}

/** The Polly language for the SSML: the requested region when Polly has it, else the language's default. */
function speechLanguage(locale: SupportedLocale, requested: string): string {
  const t: Templates = TEMPLATES[locale];
  const [language = '', region = ''] = requested.trim().split(/[-_]/);
  const tag = `${language.toLowerCase()}-${region.toUpperCase()}`;
  return t.speechVariants.includes(tag) ? tag : t.speech;
}

export interface RenderInput {
  channel: Channel;
  to: string;
  maskedTo: string;
  code: string;
  locale: string;
  appName: string;
  ttlSeconds: number;
  /** Web domain for the SMS origin-bound line `@domain #code`. */
  originDomain?: string;
  /** Custom SMS wording by locale; the built-in one for a locale it does not name. */
  smsTemplates?: SmsTemplates;
  verificationId: string;
  defaultLocale?: string;
  /**
   * The payment the code approves (`record.transaction`, as stored): every channel shows it. Absent
   * or undefined for a code that approves none.
   */
  transaction?: Transaction | undefined;
}

/**
 * The message of a stored verification: its code, sent on `channel` to `to` (its own destination or
 * a cascade step's), in its locale, with its payment, and the service's wording settings. Every
 * message a verification sends (first send, resend, cascade step) is rendered here.
 */
export function verificationMessage(
  record: Pick<VerificationRecord, 'id' | 'locale' | 'expiresAt' | 'transaction'>,
  settings: { appName: string; originDomain?: string | undefined; smsTemplates?: SmsTemplates | undefined },
  delivery: { channel: Channel; to: string; maskedTo: string; code: string },
  now: number,
): OutgoingMessage {
  return renderMessage({
    ...delivery,
    locale: record.locale,
    appName: settings.appName,
    ttlSeconds: Math.max(1, Math.ceil((record.expiresAt - now) / 1000)),
    verificationId: record.id,
    transaction: record.transaction,
    ...(settings.originDomain === undefined ? {} : { originDomain: settings.originDomain }),
    ...(settings.smsTemplates === undefined ? {} : { smsTemplates: settings.smsTemplates }),
  });
}

export function renderMessage(input: RenderInput): OutgoingMessage {
  const locale = resolveLocale(input.locale, input.defaultLocale);
  const t: Templates = TEMPLATES[locale];
  // Rounded up: a code valid for 90 s must not claim "1 minute".
  const minutes = t.minutes(Math.max(1, Math.ceil(input.ttlSeconds / 60)));
  return {
    channel: input.channel,
    to: input.to,
    maskedTo: input.maskedTo,
    verificationId: input.verificationId,
    locale,
    ...RENDERERS[input.channel]({ t, input, minutes, locale }),
  };
}

interface RenderContext {
  t: Templates;
  input: RenderInput;
  minutes: string;
  locale: SupportedLocale;
}

type Rendered = Omit<OutgoingMessage, 'channel' | 'to' | 'maskedTo' | 'verificationId' | 'locale'>;

/** The payment a code approves, as a channel shows it: `symbol` to read, `name` to hear. */
const payment = ({ t, input, locale }: RenderContext, display: 'symbol' | 'name') => {
  const tx = input.transaction;
  return tx ? t.pay(formatAmount(tx, locale, display), tx.payee) : '';
};

/** One renderer per channel: a new channel is one more entry. */
const RENDERERS: Record<Channel, (context: RenderContext) => Rendered> = {
  sms: ({ t, input, minutes, locale }) => {
    const tx = input.transaction;
    // Plain spaces: a no-break space (Intl puts them around currencies) would cost GSM-7 encoding.
    const shown = tx && {
      amount: formatAmount(tx, locale, 'symbol').replace(/[\u00a0\u202f]/g, ' '),
      payee: tx.payee,
    };
    return {
      body: renderSms(t, input, minutes, shown, input.smsTemplates?.[locale]),
      ...codeAndLifetime(input),
    };
  },
  email: (context) =>
    renderEmail(context.t, context.input, context.minutes, context.locale, payment(context, 'symbol')),
  // Spelled out ("49.90 euros"): a voice reads a name more surely than a symbol.
  voice: (context) => ({
    ...renderVoice(
      context.t,
      context.input.appName,
      context.input.code,
      speechLanguage(context.locale, context.input.locale),
      payment(context, 'name'),
    ),
    ...codeAndLifetime(context.input),
  }),
  // The template's text is Meta's, in the template's language; this is what the person reads, for the
  // outbox. The code itself rides separately: the template's body parameter and copy-code button.
  // Meta's authentication templates have fixed wording: a payment cannot be shown (docs/security.md).
  whatsapp: ({ t, input, minutes }) => ({
    body: `${t.whatsapp(input.code)}\n${t.expiry(minutes)}`,
    code: input.code,
  }),
  // A notification: the email's subject as its title, the SMS wording as its text (never the origin
  // line, which only SMS autofill reads), and a lifetime no longer than the code's.
  push: (context) => ({
    subject: context.t.subject(context.input.appName, payment(context, 'symbol')),
    body: context.t.sms(
      context.input.appName,
      context.input.code,
      context.minutes,
      payment(context, 'symbol'),
    ),
    code: context.input.code,
    ttlSeconds: Math.max(1, Math.floor(context.input.ttlSeconds)),
  }),
};

/**
 * SMS and voice carry the code on its own as well, and its remaining life: Notify sends the code as a
 * template variable (its wording is AWS's), and no provider should deliver a code after it expired.
 */
const codeAndLifetime = (input: RenderInput) => ({
  code: input.code,
  ttlSeconds: Math.max(1, Math.floor(input.ttlSeconds)),
});

function renderSms(
  t: Templates,
  input: RenderInput,
  minutes: string,
  payment: { amount: string; payee: string } | undefined,
  custom: string | undefined,
): string {
  // Custom wording is used only where it fits: it names the payment exactly when there is one.
  const text =
    custom === undefined || namesPayment(custom) !== (payment !== undefined)
      ? t.sms(input.appName, input.code, minutes, payment ? t.pay(payment.amount, payment.payee) : '')
      : fillSmsTemplate(custom, {
          code: input.code,
          app: input.appName,
          minutes: Math.max(1, Math.ceil(input.ttlSeconds / 60)),
          ...payment,
        });
  // Origin-bound one-time code (WICG sms-one-time-codes): must be the last line, so iOS, Android and
  // browsers offer the code for autofill only on that domain.
  return input.originDomain ? `${text}\n@${input.originDomain} #${input.code}` : text;
}

function renderEmail(t: Templates, input: RenderInput, minutes: string, locale: string, pay: string) {
  // The code stays out of the subject: subjects show in lock-screen previews and mail logs.
  const subject = t.subject(input.appName, pay);
  const intro = t.intro(input.appName, pay);
  const expiry = t.expiry(minutes);
  const body = `${intro}\n\n${input.code}\n\n${expiry}\n\n${t.ignore} ${t.neverShare}\n`;
  const e = escapeMarkup;
  const html = `<!doctype html>
<html lang="${locale}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${e(subject)}</title></head>
<body style="margin:0;padding:24px;background:#f4f4f5;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#18181b">
<div style="max-width:480px;margin:0 auto;background:#ffffff;border-radius:8px;padding:32px">
<p style="margin:0 0 16px;font-size:16px;line-height:1.5">${e(intro)}</p>
<p style="margin:0 0 24px;padding:16px;background:#f4f4f5;border-radius:6px;text-align:center;font-family:ui-monospace,Menlo,Consolas,'Courier New',monospace;font-size:32px;font-weight:700;letter-spacing:6px">${e(input.code)}</p>
<p style="margin:0 0 16px;font-size:16px;line-height:1.5">${e(expiry)}</p>
<p style="margin:0;font-size:13px;line-height:1.5;color:#71717a">${e(t.ignore)} ${e(t.neverShare)}</p>
</div>
</body>
</html>
`;
  return { subject, body, html };
}

function renderVoice(t: Templates, appName: string, code: string, speech: string, pay: string) {
  const digits = [...code];
  const intro = t.voiceIntro(appName, pay);
  const body = `${intro} ${digits.join(' ')}. ${t.voiceRepeat} ${digits.join(' ')}. ${t.voiceGoodbye}`;
  // One digit at a time with a pause after each, so a listener can write them down.
  const spoken = digits
    .map((d) => `<say-as interpret-as="characters">${escapeMarkup(d)}</say-as>`)
    .join('<break time="600ms"/>');
  const e = escapeMarkup;
  // `<lang>` makes the words sound right whatever voice is configured; the voice sender also reads it
  // to pick a native default voice (the message carries no other locale).
  const ssml =
    `<speak><lang xml:lang="${e(speech)}">` +
    `<p>${e(intro)}</p><break time="700ms"/>${spoken}` +
    `<break time="1s"/><p>${e(t.voiceRepeat)}</p><break time="500ms"/>${spoken}` +
    `<break time="700ms"/><p>${e(t.voiceGoodbye)}</p>` +
    '</lang></speak>';
  return { body, ssml };
}

/** Escapes text for HTML and XML (SSML) alike, attributes included. */
export function escapeMarkup(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
