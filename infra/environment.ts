import { DEFAULT_ALLOWED_COUNTRIES, DEFAULT_SETTINGS } from '../functions/core/settings.ts';
import {
  OTP_ALLOWED_COUNTRIES,
  OTP_APP_NAME,
  OTP_CASCADE,
  OTP_CODE_ALPHABET,
  OTP_CODE_LENGTH,
  OTP_DEFAULT_LOCALE,
  OTP_MAX_ATTEMPTS,
  OTP_MAX_SENDS_PER_DEVICE_IP_PER_HOUR,
  OTP_MAX_SENDS_PER_HOUR,
  OTP_ORIGIN_DOMAIN,
  OTP_PHONE_SENDS_PER_DAY,
  OTP_PHONE_SENDS_PER_MINUTE,
  OTP_RESEND_COOLDOWN_SECONDS,
  OTP_SMS_TEMPLATES,
  OTP_SPEND_BRAKE_SHARDS,
  OTP_TTL_SECONDS,
  OTP_VOICE_FALLBACK_SECONDS,
} from '../functions/env.ts';
import type { OtpServiceProps } from './otp-service-props.ts';

/**
 * The settings as the functions' environment variables, every one spelled out (the defaults come from
 * the engine's DEFAULT_SETTINGS). Each function that reads them checks them at synth with the engine's
 * own parser (`OtpFunction`), so a bad value fails `cdk synth` with the message a cold start would have
 * given.
 */
export function settingsEnvironment(props: OtpServiceProps): Record<string, string> {
  const d = DEFAULT_SETTINGS;
  const env: Record<string, string> = {
    [OTP_CODE_LENGTH]: String(props.codeLength ?? d.codeLength),
    [OTP_CODE_ALPHABET]: props.codeAlphabet ?? d.codeAlphabet,
    [OTP_TTL_SECONDS]: String(props.ttl?.toSeconds() ?? d.ttlSeconds),
    [OTP_MAX_ATTEMPTS]: String(props.maxAttempts ?? d.maxAttempts),
    [OTP_RESEND_COOLDOWN_SECONDS]: String(props.resendCooldown?.toSeconds() ?? d.resendCooldownSeconds),
    [OTP_MAX_SENDS_PER_HOUR]: String(props.maxSendsPerHour ?? d.maxSendsPerHour),
    [OTP_MAX_SENDS_PER_DEVICE_IP_PER_HOUR]: String(
      props.maxSendsPerDeviceIpPerHour ?? d.maxSendsPerDeviceIpPerHour,
    ),
    [OTP_VOICE_FALLBACK_SECONDS]: String(props.voiceFallbackWait?.toSeconds() ?? d.voiceFallbackSeconds),
    [OTP_ALLOWED_COUNTRIES]: (props.allowedCountries ?? DEFAULT_ALLOWED_COUNTRIES).join(','),
    [OTP_PHONE_SENDS_PER_MINUTE]: String(props.phoneSendsPerMinute ?? d.phoneSendsPerMinute),
    [OTP_PHONE_SENDS_PER_DAY]: String(props.phoneSendsPerDay ?? d.phoneSendsPerDay),
    [OTP_SPEND_BRAKE_SHARDS]: String(props.spendBrakeShards ?? d.spendBrakeShards),
    [OTP_APP_NAME]: props.appName ?? d.appName,
    [OTP_DEFAULT_LOCALE]: props.defaultLocale ?? d.defaultLocale,
  };
  if (props.sms?.originDomain) env[OTP_ORIGIN_DOMAIN] = props.sms.originDomain;
  if (props.sms?.templates) env[OTP_SMS_TEMPLATES] = JSON.stringify(props.sms.templates);
  if (props.defaultCascade) env[OTP_CASCADE] = JSON.stringify(props.defaultCascade);
  return env;
}
