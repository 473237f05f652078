/**
 * Your own SMS wording, per supported locale, in place of the built-in one (e.g. the exact text a
 * country's sender registration approved). Placeholders: `{code}` (exactly once), `{app}`, and
 * `{minutes}` (a number). The origin-bound line is still added after it when a domain is set.
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
    const unknown = names.find((name) => name !== 'code' && name !== 'app' && name !== 'minutes');
    if (unknown !== undefined)
      throw problem(`unknown placeholder {${unknown}} (use {code}, {app}, {minutes})`);
    if (names.filter((name) => name === 'code').length !== 1) throw problem('must hold {code} exactly once');
  }
  return templates as SmsTemplates;
}

/** The template with its placeholders filled in. */
export function fillSmsTemplate(
  template: string,
  values: { code: string; app: string; minutes: number },
): string {
  return template.replace(PLACEHOLDER, (match, name: string) =>
    name === 'code'
      ? values.code
      : name === 'app'
        ? values.app
        : name === 'minutes'
          ? String(values.minutes)
          : match,
  );
}
