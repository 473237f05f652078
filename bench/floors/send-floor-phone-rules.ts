/**
 * The same-work floor of a send (send-floor.ts) plus the phone-number rules onetime applies to every
 * phone destination and neither the floor nor the peer does: libphonenumber-js with the deployed
 * metadata (functions/core/phone-numbers.ts, as infra/phone-metadata.ts builds it), the number parsed
 * and validated and its country read, as functions/core/destination.ts does before a send. Beside the
 * floor it measures what those rules cost a cold start; beside onetime's create, what is left is the
 * engine's own cost (bench/peer.ts).
 */
import { parsePhoneNumber } from '../../functions/core/phone-numbers.ts';
import { handler as sendFloor } from './send-floor.ts';

export const handler = async (event: { to: string; body: string }) => {
  const phone = parsePhoneNumber(event.to.trim(), { extract: false });
  if (!phone?.isValid() || phone.country === undefined) throw new Error(`${event.to} is not a valid number`);
  return sendFloor({ ...event, to: phone.number });
};
