/**
 * Masked forms of destinations, the only forms that appear in responses and logs.
 * "+14155550123" -> "+1415*****23"; "ana@example.com" -> "a***@example.com".
 */
export function maskPhone(e164: string): string {
  if (e164.length <= 7) return `${e164.slice(0, 2)}${'*'.repeat(Math.max(0, e164.length - 2))}`;
  return `${e164.slice(0, 5)}${'*'.repeat(e164.length - 7)}${e164.slice(-2)}`;
}

export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  // The first character, not the first UTF-16 unit: an emoji must not be cut in half.
  return `${Array.from(email)[0]}***${email.slice(at)}`;
}

export function maskDestination(to: string): string {
  return to.includes('@') ? maskEmail(to) : maskPhone(to);
}
