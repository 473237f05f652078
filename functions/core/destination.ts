import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { ApiError, invalidRequest } from './errors.ts';
import type { Channel } from './verification.ts';

/** A destination as the service keeps it: E.164 for phones, lower-cased for email. */
export interface Destination {
  to: string;
  /** ISO 3166 alpha-2 code for phone numbers. */
  country?: string;
}

const MAX_EMAIL_LENGTH = 254;
/** Deliberately plain: one @, a dot in the domain, no spaces or control characters. */
const EMAIL_PATTERN =
  /^[^\s@\p{Cc}]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/u;

/**
 * Checks and normalises `to` for `channel`. Phone numbers must be international (leading +); human
 * spacing and punctuation are accepted. Throws a 400 naming the `to` field.
 */
export function parseDestination(
  channel: Channel,
  to: string,
  allowedCountries: readonly string[],
): Destination {
  if (channel === 'email') {
    const email = to.trim().toLowerCase();
    if (email.length > MAX_EMAIL_LENGTH || !EMAIL_PATTERN.test(email)) {
      throw invalidRequest('`to` must be an email address for the email channel.', 'to');
    }
    return { to: email };
  }
  // extract: false — the whole string must be the number, not merely contain one.
  const phone = to.length <= 40 ? parsePhoneNumberFromString(to.trim(), { extract: false }) : undefined;
  if (!phone?.isValid() || phone.ext !== undefined || !to.trim().startsWith('+')) {
    throw invalidRequest(
      `\`to\` must be a phone number in international format (e.g. +14155550123) for ${channel}.`,
      'to',
    );
  }
  const country = phone.country;
  if (!allowedCountries.includes('*') && (country === undefined || !allowedCountries.includes(country))) {
    throw new ApiError(400, 'country_not_allowed', `Sending ${channel} to this country is not enabled.`, {
      field: 'to',
    });
  }
  return country === undefined ? { to: phone.number } : { to: phone.number, country };
}
