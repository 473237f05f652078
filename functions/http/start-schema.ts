import { isIP } from 'node:net';
import * as v from 'valibot';
import { MAX_CASCADE_STEPS, MAX_STEP_WAIT_SECONDS } from '../core/cascade.ts';
import { invalidRequest } from '../core/errors.ts';
import type { StartRequest } from '../core/start.ts';
import { paymentLimits, readTransaction } from '../core/transaction.ts';
import { CHANNELS } from '../core/verification.ts';

/** `POST /v1/verifications` body. Unknown members are ignored; `to` is checked per channel by the engine. */
const StartBody = v.object({
  to: v.pipe(
    v.string('`to` must be a string.'),
    v.minLength(1, '`to` is required.'),
    v.maxLength(320, '`to` is too long.'),
  ),
  channel: v.picklist(CHANNELS, `\`channel\` must be one of ${CHANNELS.join(', ')}.`),
  locale: v.optional(
    v.pipe(
      v.string('`locale` must be a string.'),
      v.regex(
        /^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,3}$/,
        '`locale` must be a language tag such as "en" or "pt-BR".',
      ),
    ),
  ),
  voiceFallback: v.optional(v.boolean('`voiceFallback` must be true or false.')),
  cascade: v.optional(
    v.pipe(
      v.array(
        v.object({
          channel: v.picklist(
            CHANNELS,
            `A cascade step's \`channel\` must be one of ${CHANNELS.join(', ')}.`,
          ),
          to: v.optional(
            v.pipe(
              v.string("A cascade step's `to` must be a string."),
              v.minLength(1, "A cascade step's `to` must not be empty."),
              v.maxLength(320, "A cascade step's `to` is too long."),
            ),
          ),
          afterSeconds: v.pipe(
            v.number("A cascade step's `afterSeconds` must be a number."),
            v.integer("A cascade step's `afterSeconds` must be a whole number of seconds."),
            v.minValue(1, "A cascade step's `afterSeconds` must be at least 1."),
            v.maxValue(
              MAX_STEP_WAIT_SECONDS,
              `A cascade step's \`afterSeconds\` must be at most ${MAX_STEP_WAIT_SECONDS}.`,
            ),
          ),
        }),
        '`cascade` must be an array of steps.',
      ),
      v.maxLength(MAX_CASCADE_STEPS, `\`cascade\` has at most ${MAX_CASCADE_STEPS} steps.`),
    ),
  ),
  deviceIp: v.optional(
    v.pipe(
      v.string('`deviceIp` must be a string.'),
      v.check((ip) => isIP(ip) !== 0, '`deviceIp` must be an IPv4 or IPv6 address.'),
    ),
  ),
  // Read as a check reads it, then held to the limits of a payment a code may approve (rules and why
  // not in valibot: core/transaction.ts); a 400 names the member (`transaction.amount`).
  transaction: v.optional(
    v.pipe(
      v.unknown(),
      v.transform((value) => paymentLimits(readTransaction(value))),
    ),
  ),
});

export function parseStartBody(body: Record<string, unknown>): StartRequest {
  const result = v.safeParse(StartBody, body);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const field = fieldOf(issue.path ?? []);
  // An absent member is reported by the object schema in valibot's own words: say it in ours.
  const absent = issue.type === 'object' && issue.input === undefined;
  throw invalidRequest(absent && field ? `\`${field}\` is required.` : issue.message, field);
}

/** The member an issue is about, as a request names it: `to`, `cascade[1].afterSeconds`. */
function fieldOf(path: ReadonlyArray<{ key: unknown }>): string | undefined {
  let field = '';
  for (const { key } of path) {
    if (typeof key === 'number') field += `[${key}]`;
    else if (typeof key === 'string') field += field === '' ? key : `.${key}`;
    else return field || undefined;
  }
  return field || undefined;
}
