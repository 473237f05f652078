import { isIP } from 'node:net';
import * as v from 'valibot';
import { invalidRequest } from '../core/errors.ts';
import type { StartRequest } from '../core/start.ts';
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
  deviceIp: v.optional(
    v.pipe(
      v.string('`deviceIp` must be a string.'),
      v.check((ip) => isIP(ip) !== 0, '`deviceIp` must be an IPv4 or IPv6 address.'),
    ),
  ),
});

export function parseStartBody(body: Record<string, unknown>): StartRequest {
  const result = v.safeParse(StartBody, body);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const key = issue.path?.[0]?.key;
  const field = typeof key === 'string' ? key : undefined;
  // An absent member is reported by the object schema in valibot's own words: say it in ours.
  const absent = issue.type === 'object' && issue.input === undefined;
  throw invalidRequest(absent && field ? `\`${field}\` is required.` : issue.message, field);
}
