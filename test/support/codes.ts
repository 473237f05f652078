/**
 * The codes messages carry, for tests in every folder that read them from an outbox: plain in SMS
 * and email, spoken digit by digit in a voice call.
 */
import { ALPHANUMERIC } from '../../functions/core/codes.ts';
import type { OutboxMessage } from '../../local/outbox.ts';

/** A code of the same length that is certainly not `code`. */
export function wrongCodeFor(code: string): string {
  const last = code.at(-1) ?? '';
  // Stays in the code's alphabet: alphanumeric codes have neither 0 nor 1, and their letters are those of ALPHANUMERIC.
  const other = /\d/.test(last)
    ? last === '9'
      ? '8'
      : String(Number(last) + 1)
    : ALPHANUMERIC[
        ALPHANUMERIC.indexOf(last) === ALPHANUMERIC.length - 1 ? 8 : ALPHANUMERIC.indexOf(last) + 1
      ]!;
  return `${code.slice(0, -1)}${other}`;
}

/** A code in a message's text: 4 to 10 digits, or upper-case letters and digits (alphanumeric codes). */
export const CODE_IN_TEXT = /(?<![0-9A-Za-z])([0-9A-Z]{4,10})(?![0-9A-Za-z])/;

/**
 * The code a message carries: plain in SMS and email, spoken digit by digit in a voice call ("4 8 2 …",
 * or Notify's "4. 8. 2. …").
 */
export function codeOf(message: Pick<OutboxMessage, 'channel' | 'body'>): string {
  const match =
    message.channel === 'voice'
      ? /([0-9A-Z](?:\.? [0-9A-Z]){3,9})\./.exec(message.body)?.[1]?.replace(/\.? /g, '')
      : CODE_IN_TEXT.exec(message.body)?.[1];
  if (match === undefined) throw new Error(`no code in a ${message.channel} message`);
  return match;
}

/** Every code the outbox delivered, in order. */
export const deliveredCodes = (s: { outbox: { messages: readonly OutboxMessage[] } }) =>
  s.outbox.messages.map(codeOf);
