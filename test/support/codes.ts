/**
 * The codes messages carry, for tests in every folder that read them from an outbox: plain in SMS
 * and email, spoken digit by digit in a voice call.
 */
import type { OutboxMessage } from '../../local/outbox.ts';
import type { TestService } from './service.ts';

/** A code of the same length that is certainly not `code`. */
export function wrongCodeFor(code: string): string {
  const last = Number(code.at(-1));
  return `${code.slice(0, -1)}${(last + 1) % 10}`;
}

/** The code a message carries: plain in SMS and email, spoken digit by digit in a voice call. */
export function codeOf(message: Pick<OutboxMessage, 'channel' | 'body'>): string {
  const match =
    message.channel === 'voice'
      ? /(\d(?: \d){3,9})\./.exec(message.body)?.[1]?.replaceAll(' ', '')
      : /(?<!\d)(\d{4,10})(?!\d)/.exec(message.body)?.[1];
  if (match === undefined) throw new Error(`no code in a ${message.channel} message`);
  return match;
}

/** Every code the outbox delivered, in order. */
export const deliveredCodes = (s: TestService) => s.outbox.messages.map(codeOf);
