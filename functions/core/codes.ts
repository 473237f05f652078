import { randomBytes, randomInt } from 'node:crypto';

export const MIN_CODE_LENGTH = 4;
export const MAX_CODE_LENGTH = 10;
/** The longest guess normalised: room for a separator or two between symbols ("x7k - 9pq"). */
export const MAX_GUESS_LENGTH = 4 * MAX_CODE_LENGTH;

export const CODE_ALPHABETS = ['digits', 'alphanumeric'] as const;
/** What a code is made of: `digits` (the default) or `alphanumeric` (see ALPHANUMERIC). */
export type CodeAlphabet = (typeof CODE_ALPHABETS)[number];

/**
 * The letters-and-digits alphabet: upper case (a guess is upper-cased before checking), without the
 * look-alikes 0/O and 1/I/L, so what a person reads is what they type. 8 digits + 23 letters = 31
 * symbols, log2(31) ≈ 4.95 bits each (docs/security.md states the entropy of each length).
 */
export const ALPHANUMERIC = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** A source of random bytes; the CSPRNG unless a test hands in its own. */
export type RandomBytes = (size: number) => Uint8Array;

export const isCodeAlphabet = (value: unknown): value is CodeAlphabet =>
  typeof value === 'string' && (CODE_ALPHABETS as readonly string[]).includes(value);

/**
 * A code of `length` symbols of `alphabet`, uniform over all of its values.
 * - digits: `crypto.randomInt` draws from the CSPRNG with rejection sampling, so there is no modulo
 *   bias; zero-padding keeps leading zeros.
 * - alphanumeric: each symbol is one CSPRNG byte, rejected when it is 248 or more (the largest multiple
 *   of 31 that fits a byte), so `byte % 31` takes every symbol equally often: no modulo bias.
 */
export function generateCode(
  length: number,
  alphabet: CodeAlphabet = 'digits',
  random: RandomBytes = randomBytes,
): string {
  if (!Number.isInteger(length) || length < MIN_CODE_LENGTH || length > MAX_CODE_LENGTH) {
    throw new RangeError(`code length must be an integer from ${MIN_CODE_LENGTH} to ${MAX_CODE_LENGTH}`);
  }
  if (alphabet === 'digits') {
    return randomInt(0, 10 ** length)
      .toString()
      .padStart(length, '0');
  }
  return drawSymbols(length, ALPHANUMERIC, random);
}

/** `length` symbols of `symbols` (at most 256), by rejection sampling over single bytes. */
function drawSymbols(length: number, symbols: string, random: RandomBytes): string {
  const limit = 256 - (256 % symbols.length);
  let code = '';
  while (code.length < length) {
    // A little more than needed: about 3% of bytes are rejected for 31 symbols.
    for (const byte of random(length - code.length + 2)) {
      if (byte < limit && code.length < length) code += symbols[byte % symbols.length]!;
    }
  }
  return code;
}

/**
 * The guess as the code was generated: for `alphanumeric`, upper-cased and without the spaces and
 * dashes a person types to group symbols ("x7k-9pq" is "X7K9PQ"). Digit codes are taken as typed.
 * The MAC is computed over this form, so the check stays one conditional write.
 */
export function normaliseGuess(guess: unknown, alphabet: CodeAlphabet): unknown {
  if (alphabet === 'digits' || typeof guess !== 'string' || guess.length > MAX_GUESS_LENGTH) return guess;
  return guess.replace(/[\s\-‐‑‒–—]/g, '').toUpperCase();
}

/** True when `code` is a string of exactly `length` symbols of `alphabet` (after `normaliseGuess`). */
export function isWellFormedCode(
  code: unknown,
  length: number,
  alphabet: CodeAlphabet = 'digits',
): code is string {
  if (typeof code !== 'string' || code.length !== length) return false;
  return alphabet === 'digits' ? /^[0-9]+$/.test(code) : [...code].every((c) => ALPHANUMERIC.includes(c));
}

/** How a malformed code is described in the 400: "6 digits", "6 letters and digits". */
export const codeShape = (length: number, alphabet: CodeAlphabet): string =>
  alphabet === 'digits' ? `${length} digits` : `${length} letters and digits`;
