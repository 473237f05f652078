import { parseDestination } from '../core/destination.ts';
import { EngineError } from '../core/errors.ts';
import { getCountryCallingCode, isSupportedCountry, parsePhoneNumber } from '../core/phone-numbers.ts';
import type { Sealer } from '../core/sealing.ts';
import { CHANNEL_TRAITS, type Channel, type DestinationKind } from '../core/verification.ts';
import { type CognitoOptions, isChannel, SignInError } from './challenge.ts';

/** A channel and its destination as `parseDestination` reads it (E.164, or the email address trimmed). */
export interface ChosenDestination {
  channel: Channel;
  to: string;
}

/**
 * The user attribute that holds the SNS platform-endpoint ARN of the user's device, for `push`: a
 * custom attribute your backend writes after `CreatePlatformEndpoint` (keep it out of the app client's
 * writable attributes, so only your backend can point a user's codes at a device).
 */
export const PUSH_ENDPOINT_ATTRIBUTE = 'custom:push_endpoint';

export const NO_DESTINATION_MESSAGE =
  'This account has no verified phone number or email address to send a sign-in code to.';

/**
 * Where a known user's code goes: the requested channel when the pool allows it and the user can
 * receive it, else the first allowed channel the user can receive (by default: phone number → sms,
 * else email). A destination the engine would refuse (e.g. a country not allowed) is skipped for the
 * next candidate; when none is left, a `SignInError` says why.
 */
export function chooseDestination(input: {
  userAttributes: Record<string, string>;
  requested: string | undefined;
  channels: readonly Channel[];
  options: Pick<CognitoOptions, 'requireVerifiedDestination'>;
  allowedCountries: readonly string[];
  pushPlatformApplications?: readonly string[];
}): ChosenDestination {
  const { userAttributes: attributes, requested, channels, options } = input;
  const usable = (value: string | undefined, verified: string | undefined) =>
    value !== undefined && value !== '' && (!options.requireVerifiedDestination || verified === 'true')
      ? value
      : undefined;
  const phone = usable(attributes['phone_number'], attributes['phone_number_verified']);
  const email = usable(attributes['email'], attributes['email_verified']);
  // WhatsApp goes to the phone number, as sms and voice do. The push endpoint is written by the app's
  // backend, not typed by the user: it has no "verified" flag to require.
  const pushEndpoint = attributes[PUSH_ENDPOINT_ATTRIBUTE] || undefined;
  const byKind: Record<DestinationKind, string | undefined> = { phone, email, push_endpoint: pushEndpoint };
  const destinationFor = (channel: Channel) => byKind[CHANNEL_TRAITS[channel].destination];

  const order =
    isChannel(requested) && channels.includes(requested)
      ? [requested, ...channels.filter((channel) => channel !== requested)]
      : channels;
  let refusal: EngineError | undefined;
  for (const channel of order) {
    const to = destinationFor(channel);
    if (to === undefined) continue;
    try {
      const parsed = parseDestination(channel, to, input.allowedCountries, input.pushPlatformApplications);
      return { channel, to: parsed.to };
    } catch (error) {
      if (!(error instanceof EngineError)) throw error;
      refusal ??= error;
    }
  }
  throw new SignInError(refusal?.message ?? NO_DESTINATION_MESSAGE);
}

/** A plausible email provider for a made-up address; only the domain shows once masked. */
const DECOY_EMAIL_DOMAINS = ['gmail.com', 'outlook.com', 'yahoo.com', 'icloud.com', 'hotmail.com'];

/**
 * The destination shown for a user who does not exist, made up so the challenge looks like a real
 * one. Derived from the username with the service's key, so asking again shows the same destination
 * (a fresh random one each time would give the game away) and nobody without the key can tell it
 * from a real one. A username that is itself an email address or phone number is used as such, as
 * it would be for a real user whose username is their address.
 */
export function decoyDestination(input: {
  username: string;
  requested: string | undefined;
  channels: readonly Channel[];
  allowedCountries: readonly string[];
  pushPlatformApplications?: readonly string[];
  sealer: Sealer;
}): ChosenDestination {
  const { username, channels } = input;
  const usernamePhone = parsePhoneNumber(username.trim());
  const usernameIsPhone = username.trim().startsWith('+') && usernamePhone?.isValid() === true;
  const usernameIsEmail = /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(username.trim());

  const preferred: Channel | undefined =
    isChannel(input.requested) && channels.includes(input.requested)
      ? input.requested
      : usernameIsEmail && channels.includes('email')
        ? 'email'
        : usernameIsPhone
          ? channels.find((channel) => CHANNEL_TRAITS[channel].destination === 'phone')
          : undefined;
  const channel = preferred ?? channels[0] ?? 'sms';

  const digits = [...Buffer.from(input.sealer.destinationKey(`cognito-decoy\0${username}`), 'base64url')];
  if (CHANNEL_TRAITS[channel].destination === 'push_endpoint') {
    return { channel, to: decoyPushEndpoint(input.pushPlatformApplications ?? [], digits) };
  }
  if (channel === 'email') {
    if (usernameIsEmail) return { channel, to: username.trim().toLowerCase() };
    const letter = String.fromCharCode(97 + (digits[0]! % 26));
    return { channel, to: `${letter}@${DECOY_EMAIL_DOMAINS[digits[1]! % DECOY_EMAIL_DOMAINS.length]}` };
  }
  if (usernameIsPhone && usernamePhone) return { channel, to: usernamePhone.number };
  const country = input.allowedCountries.find((code) => code !== '*' && isSupportedCountry(code)) ?? 'US';
  const callingCode = getCountryCallingCode(country);
  // A national number's first digit is rarely 0 or 1; ten digits suit most allowed countries.
  const national = [2 + (digits[2]! % 8), ...digits.slice(3, 12).map((byte) => byte % 10)].join('');
  return { channel, to: `+${callingCode}${national}` };
}

/** A made-up endpoint of the first configured push application: only its platform and 4 characters show. */
function decoyPushEndpoint(applications: readonly string[], digits: readonly number[]): string {
  const application = applications[0] ?? 'arn:aws:sns:us-east-1:000000000000:app/APNS/app';
  const hex = digits
    .slice(0, 16)
    .map((byte) => byte.toString(16).padStart(2, '0'))
    .join('')
    .padEnd(32, '0');
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  return `${application.replace(':app/', ':endpoint/')}/${uuid}`;
}
