/**
 * Your own SMS wording, per supported locale, in place of the built-in one (e.g. the exact text a
 * country's sender registration approved). Placeholders: `{code}` (exactly once), `{app}`, and
 * `{minutes}` (a number); for a code that approves a payment, `{amount}` (formatted in the locale,
 * e.g. "€49.90") and `{payee}`, both or neither. A wording that names the payment is used only for
 * codes bound to one, a wording that does not only for the others (a payment is never left out of
 * its message); the built-in wording serves the rest. The origin-bound line is still added after it
 * when a domain is set.
 *
 * Apart from messages.ts, so that reading the settings (every function does) does not bundle every
 * language's templates into the check function.
 */

/** The locales messages.ts has templates for (it checks that it has exactly these). */
export const SUPPORTED_LOCALES = ['en', 'es', 'fr', 'de', 'pt', 'it'] as const;
export type SupportedLocale = (typeof SUPPORTED_LOCALES)[number];

export const isSupported = (language: string): language is SupportedLocale =>
  (SUPPORTED_LOCALES as readonly string[]).includes(language);

export type SmsTemplates = Readonly<Partial<Record<SupportedLocale, string>>>;

const MAX_LENGTH = 300;
const PLACEHOLDER = /\{([^{}]*)\}/g;

/** Checks custom SMS templates; throws a message naming the locale and what is wrong. */
export function checkSmsTemplates(templates: unknown): SmsTemplates {
  if (typeof templates !== 'object' || templates === null || Array.isArray(templates)) {
    throw new Error('SMS templates must be an object of locale -> text');
  }
  for (const [locale, text] of Object.entries(templates)) {
    const problem = (what: string) => new Error(`SMS template for "${locale}": ${what}`);
    if (!isSupported(locale)) throw problem(`not a supported locale (${SUPPORTED_LOCALES.join(', ')})`);
    if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_LENGTH) {
      throw problem(`must be text of 1 to ${MAX_LENGTH} characters`);
    }
    const names = [...text.matchAll(PLACEHOLDER)].map((m) => m[1]);
    const unknown = names.find((name) => !/^(code|app|minutes|amount|payee)$/.test(name ?? ''));
    if (unknown !== undefined)
      throw problem(`unknown placeholder {${unknown}} (use {code}, {app}, {minutes}, {amount}, {payee})`);
    if (names.filter((name) => name === 'code').length !== 1) throw problem('must hold {code} exactly once');
    if (names.includes('amount') !== names.includes('payee')) {
      throw problem('must hold both {amount} and {payee}, or neither');
    }
  }
  return templates as SmsTemplates;
}

/** Whether a (checked) template names the payment: it is then the wording for codes bound to one. */
export const namesPayment = (template: string) => template.includes('{amount}');

/** The template with its placeholders filled in (a placeholder without a value stays as written). */
export function fillSmsTemplate(
  template: string,
  values: { code: string; app: string; minutes: number; amount?: string; payee?: string },
): string {
  return template.replace(PLACEHOLDER, (match, name: string) => {
    const value =
      name === 'minutes' ? String(values.minutes) : values[name as 'code' | 'app' | 'amount' | 'payee'];
    return value ?? match;
  });
}
