import type { CodeAlphabet } from './codes.ts';
import type { SmsTemplates } from './sms-templates.ts';
import type { CascadeStepRequest } from './verification.ts';

/**
 * Every behaviour setting of the engine, with the contract's defaults. The CDK construct passes them
 * to the functions as environment variables; local mode reads the same variables (see config.ts).
 */
export interface Settings {
  /** Symbols per code, 4–10. */
  codeLength: number;
  /** What codes are made of: `digits`, or `alphanumeric` (letters and digits without look-alikes). */
  codeAlphabet: CodeAlphabet;
  /** Seconds a code stays valid. */
  ttlSeconds: number;
  /** Wrong codes allowed per verification before it closes. */
  maxAttempts: number;
  /** Seconds between two sends of the same verification. */
  resendCooldownSeconds: number;
  /** Sends (first sends and resends) per destination per clock hour. */
  maxSendsPerHour: number;
  /** Sends per end-user device IP per clock hour, when the request names `deviceIp`. */
  maxSendsPerDeviceIpPerHour: number;
  /** Seconds the voice fallback (`voiceFallback`, the default cascade after an sms) waits before calling. */
  voiceFallbackSeconds: number;
  /**
   * The cascade a start request gets when it names none (functions/core/cascade.ts); unset: a voice
   * call after an sms when voice is on. Steps that do not fit a request (voice after email) are left out.
   */
  defaultCascade?: readonly CascadeStepRequest[];
  /** ISO 3166 alpha-2 codes allowed for sms and voice; `['*']` allows every country. */
  allowedCountries: readonly string[];
  /**
   * ARNs of the SNS platform applications (APNs, FCM) whose endpoints the push channel may send to;
   * the push channel is off when there are none.
   */
  pushPlatformApplications: readonly string[];
  /** Spend brake: sms + voice sends per minute across the whole service. */
  phoneSendsPerMinute: number;
  /** Spend brake: sms + voice sends per UTC day across the whole service. */
  phoneSendsPerDay: number;
  /** Counter shards per spend-brake window, so no single item takes more than ~1,000 writes/s. */
  spendBrakeShards: number;
  /** Locale used when a request names none or one without templates. */
  defaultLocale: string;
  /** Product name shown in messages ("Your Acme code is ..."). */
  appName: string;
  /** Web domain for the SMS origin-bound line `@domain #code` (autofill); none when unset. */
  originDomain?: string;
  /** Your own SMS wording per locale (see SmsTemplates in messages.ts); built-in when unset. */
  smsTemplates?: SmsTemplates;
}

/**
 * Countries allowed for sms and voice unless configured otherwise: markets with low SMS-pumping
 * (artificially inflated traffic) risk and ordinary per-message prices. Widen it deliberately.
 */
export const DEFAULT_ALLOWED_COUNTRIES: readonly string[] = [
  'US',
  'CA',
  'GB',
  'IE',
  'FR',
  'DE',
  'ES',
  'PT',
  'IT',
  'NL',
  'BE',
  'LU',
  'AT',
  'CH',
  'DK',
  'SE',
  'NO',
  'FI',
  'PL',
  'CZ',
  'AU',
  'NZ',
  'JP',
];

/** Wrong codes allowed per verification by default (`maxAttempts`). */
export const DEFAULT_MAX_ATTEMPTS = 5;

export const DEFAULT_SETTINGS: Settings = {
  codeLength: 6,
  codeAlphabet: 'digits',
  ttlSeconds: 300,
  maxAttempts: DEFAULT_MAX_ATTEMPTS,
  resendCooldownSeconds: 30,
  maxSendsPerHour: 5,
  maxSendsPerDeviceIpPerHour: 20,
  voiceFallbackSeconds: 60,
  allowedCountries: DEFAULT_ALLOWED_COUNTRIES,
  pushPlatformApplications: [],
  phoneSendsPerMinute: 60,
  phoneSendsPerDay: 2000,
  spendBrakeShards: 10,
  defaultLocale: 'en',
  appName: 'onetime',
};
