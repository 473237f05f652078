/**
 * The payment a code approves (PSD2 "dynamic linking"): its rules, and the canonical form the code's
 * MAC covers. A start and a check read a request's `transaction` with the same `readTransaction`, so
 * the same payment reaches the same canonical form whichever way a caller wrote it; a start also
 * holds it to `paymentLimits`. A check does not need to: a payment no start accepts is bound to no
 * code, so presenting one is a wrong guess like any other payment. (Plain code, no schema library,
 * and no more than the check needs in its path: the check function's bundle is budgeted, see
 * test/infra/lean-hot-path.test.ts.) How messages show a payment: amounts.ts.
 */
import { invalidRequest } from './errors.ts';
import { invisibleCharacterIn } from './text.ts';

export interface Transaction {
  /** A positive decimal with exactly the currency's minor units once normalised: "49.90", "1000" (JPY). */
  amount: string;
  /** ISO 4217, in capitals: "EUR". */
  currency: string;
  /** Who is paid, NFC-normalised and trimmed: 1 to 64 printable characters. */
  payee: string;
}

export const MAX_PAYEE_LENGTH = 64;
/** Amounts stay below 10^12 of the currency's unit: well inside what Intl and every bank can show. */
export const MAX_AMOUNT_INTEGER_DIGITS = 12;

/** The currency's minor units: 2 for EUR, 0 for JPY, 3 for KWD. */
const minorUnits = (currency: string) =>
  new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;

const refuse = (member: string, rule: string) =>
  invalidRequest(`\`transaction${member}\` must be ${rule}.`, `transaction${member}`);

/**
 * Reads a request's `transaction` (a start's or a check's) into its normal form: the amount with
 * the currency's minor units and no leading zeros ("049.9" EUR is "49.90"), the payee in NFC and
 * trimmed. A 400 names the member (`transaction.amount`) that cannot be read. The amount is a
 * string: a JSON number may lose digits on its way.
 */
export function readTransaction(value: unknown): Transaction {
  if (typeof value !== 'object' || value === null) {
    throw refuse('', 'an object with `amount`, `currency` and `payee`');
  }
  const { amount, currency, payee } = value as Record<string, unknown>;
  // Intl's list: ISO 4217 codes, in capitals, that this runtime can format.
  if (typeof currency !== 'string' || !Intl.supportedValuesOf('currency').includes(currency)) {
    throw refuse('.currency', 'an ISO 4217 code in capitals, such as "EUR"');
  }
  const parts = typeof amount === 'string' ? /^(\d+)(?:\.(\d+))?$/.exec(amount) : null;
  if (!parts) throw refuse('.amount', 'a decimal number in a string, such as "49.90"');
  if (typeof payee !== 'string') throw refuse('.payee', 'a string');
  const whole = (parts[1] as string).replace(/^0+(?=\d)/, '');
  const fraction = (parts[2] ?? '').padEnd(minorUnits(currency), '0');
  const normal = fraction ? `${whole}.${fraction}` : whole;
  return { amount: normal, currency, payee: payee.normalize('NFC').trim() };
}

/**
 * What a payee must not hold: control characters, line and paragraph separators, private-use,
 * surrogate and unassigned code points (none reads as text on a phone's screen). Invisible and
 * formatting characters (bidi overrides among them) are refused as in an email address (text.ts).
 */
const UNPRINTABLE = /[\p{Cc}\p{Co}\p{Cs}\p{Cn}\p{Zl}\p{Zp}]/u;

/**
 * Holds a payment a start names (as `readTransaction` read it) to what every message can show
 * unambiguously: an amount above 0, below 10^12, with no more decimals than the currency has; a
 * payee of 1 to 64 printable characters. A 400 names the member that breaks them.
 */
export function paymentLimits(transaction: Transaction): Transaction {
  const { amount, currency, payee } = transaction;
  const [integer = '', fraction = ''] = amount.split('.');
  const digits = minorUnits(currency);
  if (fraction.length > digits) {
    throw refuse(
      '.amount',
      digits
        ? `given with at most ${digits} decimal places for ${currency}`
        : `a whole number for ${currency}`,
    );
  }
  if (integer.length > MAX_AMOUNT_INTEGER_DIGITS)
    throw refuse('.amount', `below 10^${MAX_AMOUNT_INTEGER_DIGITS}`);
  if (!/[1-9]/.test(amount)) throw refuse('.amount', 'greater than zero');
  const length = [...payee].length;
  if (length < 1 || length > MAX_PAYEE_LENGTH) throw refuse('.payee', `1 to ${MAX_PAYEE_LENGTH} characters`);
  const invisible = invisibleCharacterIn(payee);
  if (invisible !== undefined) {
    throw refuse('.payee', `free of invisible and formatting characters (it holds ${invisible})`);
  }
  if (UNPRINTABLE.test(payee))
    throw refuse('.payee', 'printable text, without control characters or line breaks');
  return transaction;
}

/**
 * What the code's MAC covers besides the code: one string for one payment, from its normal form.
 * JSON keeps the parts apart (no payee can pose as a currency), and it is the stored form too.
 */
export function canonicalTransaction({ amount, currency, payee }: Transaction): string {
  return JSON.stringify({ amount, currency, payee });
}
