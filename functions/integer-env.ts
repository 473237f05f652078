/**
 * The rule every integer setting is read by (functions/config.ts), and the one setting the Cognito
 * define trigger reads. Apart from config.ts so that trigger's bundle carries no other setting's rules
 * (nor the modules config.ts imports): at its size, import time goes as the bundle's length
 * (bench/peer.ts).
 */
import { DEFAULT_MAX_ATTEMPTS, type Settings } from './core/settings.ts';
import { OTP_MAX_ATTEMPTS } from './env.ts';

export type Env = Record<string, string | undefined>;

/** An integer setting from `min` to `max`; undefined when unset (or empty). */
export function integerFromEnv(env: Env, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

/** `OTP_MAX_ATTEMPTS` alone, by the rule and range `settingsFromEnv` applies to it. */
export function maxAttemptsFromEnv(env: Env): Pick<Settings, 'maxAttempts'> {
  return { maxAttempts: integerFromEnv(env, OTP_MAX_ATTEMPTS, 1, 100) ?? DEFAULT_MAX_ATTEMPTS };
}
