import { MAX_CODE_LENGTH, MIN_CODE_LENGTH } from './core/codes.ts';
import { DEFAULT_SETTINGS, type Settings } from './core/settings.ts';
import { checkSmsTemplates } from './core/sms-templates.ts';

/**
 * Reads the engine's settings from environment variables, once per cold start (or once per local
 * run). The CDK construct sets the same variables that local mode reads, so both doors behave alike.
 * A bad value fails loudly at start-up rather than misbehaving later.
 */
type Env = Record<string, string | undefined>;

/** Each variable, the setting it feeds, and the range it must fall in. */
const NUMERIC_VARIABLES: ReadonlyArray<[string, keyof Settings, number, number]> = [
  ['OTP_CODE_LENGTH', 'codeLength', MIN_CODE_LENGTH, MAX_CODE_LENGTH],
  ['OTP_TTL_SECONDS', 'ttlSeconds', 30, 86_400],
  ['OTP_MAX_ATTEMPTS', 'maxAttempts', 1, 100],
  ['OTP_RESEND_COOLDOWN_SECONDS', 'resendCooldownSeconds', 0, 3_600],
  ['OTP_MAX_SENDS_PER_HOUR', 'maxSendsPerHour', 1, 10_000],
  ['OTP_MAX_SENDS_PER_DEVICE_IP_PER_HOUR', 'maxSendsPerDeviceIpPerHour', 1, 1_000_000],
  ['OTP_VOICE_FALLBACK_SECONDS', 'voiceFallbackSeconds', 1, 3_600],
  ['OTP_PHONE_SENDS_PER_MINUTE', 'phoneSendsPerMinute', 0, 10_000_000],
  ['OTP_PHONE_SENDS_PER_DAY', 'phoneSendsPerDay', 0, 1_000_000_000],
  ['OTP_SPEND_BRAKE_SHARDS', 'spendBrakeShards', 1, 1_000],
];

export function settingsFromEnv(env: Env): Settings {
  const settings: Settings = { ...DEFAULT_SETTINGS };
  for (const [name, key, min, max] of NUMERIC_VARIABLES) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      throw new Error(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
    }
    (settings[key] as number) = value;
  }
  const countries = env['OTP_ALLOWED_COUNTRIES'];
  if (countries !== undefined && countries.trim() !== '') {
    const list = countries
      .split(',')
      .map((code) => code.trim().toUpperCase())
      .filter(Boolean);
    const bad = list.find((code) => code !== '*' && !/^[A-Z]{2}$/.test(code));
    if (bad) throw new Error(`OTP_ALLOWED_COUNTRIES holds "${bad}", not an ISO 3166 alpha-2 code or *`);
    if (list.length === 0) throw new Error('OTP_ALLOWED_COUNTRIES names no country (use * to allow all)');
    settings.allowedCountries = list;
  }
  if (env['OTP_APP_NAME']) settings.appName = env['OTP_APP_NAME'];
  if (env['OTP_DEFAULT_LOCALE']) settings.defaultLocale = env['OTP_DEFAULT_LOCALE'];
  if (env['OTP_ORIGIN_DOMAIN']) settings.originDomain = env['OTP_ORIGIN_DOMAIN'];
  const smsTemplates = env['OTP_SMS_TEMPLATES'];
  if (smsTemplates) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(smsTemplates);
    } catch {
      throw new Error('OTP_SMS_TEMPLATES must be a JSON object of locale -> text');
    }
    settings.smsTemplates = checkSmsTemplates(parsed);
  }
  return settings;
}

/** A variable that must be set (e.g. the table name in Lambda); throws naming it otherwise. */
export function requireEnv(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set`);
  return value;
}
