import { randomInt } from 'node:crypto';

export const MIN_CODE_LENGTH = 4;
export const MAX_CODE_LENGTH = 10;

/**
 * A code of `length` decimal digits, uniform over all 10^length values. `crypto.randomInt` draws from
 * the CSPRNG with rejection sampling, so there is no modulo bias; zero-padding keeps leading zeros.
 */
export function generateCode(length: number): string {
  if (!Number.isInteger(length) || length < MIN_CODE_LENGTH || length > MAX_CODE_LENGTH) {
    throw new RangeError(`code length must be an integer from ${MIN_CODE_LENGTH} to ${MAX_CODE_LENGTH}`);
  }
  return randomInt(0, 10 ** length)
    .toString()
    .padStart(length, '0');
}

/** True when `code` is a string of exactly `length` ASCII digits. */
export function isWellFormedCode(code: unknown, length: number): code is string {
  return typeof code === 'string' && code.length === length && /^[0-9]+$/.test(code);
}
