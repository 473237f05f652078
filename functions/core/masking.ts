/**
 * Masked forms of destinations, the only forms that appear in responses and logs.
 * "+14155550123" -> "+1********23"; "Ana@Example.com" -> "a***@example.com"; an SNS endpoint ARN ->
 * "APNS:****d4b3".
 */
import { parsePhoneNumber } from './phone-numbers.ts';
import { maskPushEndpoint } from './push-endpoints.ts';

/**
 * A phone number shows at most its country calling code and its last two digits, and never more
 * than half of its digits: the last two first, then the country code if it still fits, else none of
 * it (`+3522712` -> `+*****12`). Everything else is `*`, so the length shows.
 */
export function maskPhone(e164: string): string {
  const plus = e164.startsWith('+') ? '+' : '';
  const digits = e164.slice(plus.length);
  const budget = Math.floor(digits.length / 2);
  const last = Math.min(2, budget);
  // Undefined for what is not a number of a known calling code: then only the last digits show.
  const callingCode = plus ? (parsePhoneNumber(e164)?.countryCallingCode ?? '') : '';
  const first = digits.startsWith(callingCode) && callingCode.length + last <= budget ? callingCode : '';
  const hidden = digits.length - first.length - last;
  return `${plus}${first}${'*'.repeat(hidden)}${last === 0 ? '' : digits.slice(-last)}`;
}

export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  // The first character, not the first UTF-16 unit: an emoji must not be cut in half. Lower-cased: a
  // message goes to the address as written, but how it was written is not worth showing.
  return `${Array.from(email)[0]!.toLowerCase()}***${email.slice(at).toLowerCase()}`;
}

/** Any destination the service takes: an SNS endpoint ARN, an email address, or a phone number. */
export function maskDestination(to: string): string {
  if (to.startsWith('arn:')) return maskPushEndpoint(to);
  return to.includes('@') ? maskEmail(to) : maskPhone(to);
}
