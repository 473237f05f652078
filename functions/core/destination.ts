import { EngineError, invalidRequest } from './errors.ts';
import { parsePhoneNumber } from './phone-numbers.ts';
import { parsePushEndpoint } from './push-endpoints.ts';
import { invisibleCharacterIn } from './text.ts';
import { CHANNEL_TRAITS, type Channel, type DestinationKind } from './verification.ts';

/** A destination as the service uses it. */
export interface Destination {
  /** Where messages go: E.164 for phones; an email address as the caller wrote it, trimmed; an SNS endpoint ARN. */
  to: string;
  /**
   * What names the destination for the limits and the one-live-verification rule (the input of
   * `Sealer.destinationKey`): `canonicalDestination(to)`.
   */
  canonical: string;
  /** ISO 3166 alpha-2 code for phone numbers. */
  country?: string;
}

const MAX_EMAIL_LENGTH = 254;
/** Domains whose mailboxes ignore dots in the local part. */
const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);
/** Deliberately plain: one @, a dot in the domain, no spaces or control characters. */
const EMAIL_PATTERN =
  /^[^\s@\p{Cc}]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/u;

/**
 * Checks and normalises `to` for `channel`, by the kind of destination the channel takes (its row in
 * CHANNEL_TRAITS). Phone numbers must be international (leading +); human spacing and punctuation are
 * accepted. Email addresses are only trimmed (messages go to the address as written) and must not
 * carry invisible characters. A push endpoint must be an endpoint ARN of one of
 * `pushPlatformApplications`. Throws a 400 naming the `to` field.
 */
export function parseDestination(
  channel: Channel,
  to: string,
  allowedCountries: readonly string[],
  pushPlatformApplications: readonly string[] = [],
): Destination {
  return PARSERS[CHANNEL_TRAITS[channel].destination](channel, to, {
    allowedCountries,
    pushPlatformApplications,
  });
}

/** What decides whether a destination may be used: the countries for phones, the apps for push. */
interface DestinationRules {
  allowedCountries: readonly string[];
  pushPlatformApplications: readonly string[];
}

type Parser = (channel: Channel, to: string, rules: DestinationRules) => Destination;

function parseEmail(_channel: Channel, to: string): Destination {
  const codePoint = invisibleCharacterIn(to);
  if (codePoint !== undefined) {
    throw invalidRequest(
      `\`to\` contains an invisible or formatting character (${codePoint}); send the address without it.`,
      'to',
    );
  }
  const email = to.trim();
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL_PATTERN.test(email)) {
    throw invalidRequest('`to` must be an email address for the email channel.', 'to');
  }
  return { to: email, canonical: canonicalDestination(email) };
}

function parsePhone(channel: Channel, to: string, { allowedCountries }: DestinationRules): Destination {
  // extract: false — the whole string must be the number, not merely contain one.
  const phone = to.length <= 40 ? parsePhoneNumber(to.trim(), { extract: false }) : undefined;
  if (!phone?.isValid() || phone.ext !== undefined || !to.trim().startsWith('+')) {
    throw invalidRequest(
      `\`to\` must be a phone number in international format (e.g. +14155550123) for ${channel}.`,
      'to',
    );
  }
  const country = phone.country;
  if (!allowedCountries.includes('*') && (country === undefined || !allowedCountries.includes(country))) {
    throw new EngineError(400, 'country_not_allowed', `Sending ${channel} to this country is not enabled.`, {
      field: 'to',
    });
  }
  const e164 = phone.number;
  return country === undefined ? { to: e164, canonical: e164 } : { to: e164, canonical: e164, country };
}

/** An SNS platform endpoint of one of the configured applications; its ARN names it. */
function parsePushEndpointOf(_channel: Channel, to: string, rules: DestinationRules): Destination {
  const endpoint = to.length <= 512 ? parsePushEndpoint(to) : undefined;
  if (endpoint === undefined || !rules.pushPlatformApplications.includes(endpoint.application)) {
    throw invalidRequest(
      "`to` must be the ARN of an SNS platform endpoint of one of this service's push applications for push.",
      'to',
    );
  }
  return { to: endpoint.arn, canonical: endpoint.arn };
}

const PARSERS: Record<DestinationKind, Parser> = {
  phone: parsePhone,
  email: parseEmail,
  push_endpoint: parsePushEndpointOf,
};

/**
 * The one statement of when two destinations are the same: E.164 for a phone number; for an email
 * address, the mailbox it reaches at the providers that matter, so that one mailbox has one key,
 * one hourly limit and one live verification however its address is written:
 * - case is ignored (and the text NFC-normalised);
 * - a `+tag` sub-address is dropped (`ana+otp@example.com` is `ana@example.com`);
 * - at Gmail (`gmail.com`, and `googlemail.com`, the same mailboxes), dots in the local part are
 *   dropped and the domain is `gmail.com`.
 * Takes a destination `parseDestination` accepted (its `to`); idempotent.
 */
export function canonicalDestination(to: string): string {
  if (!to.includes('@')) return to;
  const address = to.toLowerCase().normalize('NFC');
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1);
  let local = address.slice(0, at);
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  if (GMAIL_DOMAINS.has(domain)) return `${local.replaceAll('.', '')}@gmail.com`;
  return `${local}@${domain}`;
}
