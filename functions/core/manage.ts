import { closedError } from './check.ts';
import type { EngineDeps } from './deps.ts';
import { notFound } from './errors.ts';
import { destinationKeyOf } from './ids.ts';
import type { CancelStore, ReadStore } from './ports.ts';
import { statusView } from './views.ts';

/** Reads a verification's status as the caller sees it now (expiry included). */
export async function getVerification(deps: Pick<EngineDeps<ReadStore>, 'store' | 'clock'>, id: string) {
  if (destinationKeyOf(id) === undefined) throw notFound();
  const record = await deps.store.get(id);
  if (!record) throw notFound();
  return statusView(record, deps.clock());
}

/** Cancels a pending verification; a closed one answers 409 with its status. */
export async function cancelVerification(
  deps: Pick<EngineDeps<CancelStore>, 'store' | 'clock' | 'log'>,
  id: string,
) {
  if (destinationKeyOf(id) === undefined) throw notFound();
  const now = deps.clock();
  const outcome = await deps.store.cancel(id, now);
  if (outcome.kind === 'not_found') throw notFound();
  if (outcome.kind === 'closed') throw closedError(outcome.record, now);
  deps.log.info('verification canceled', { verificationId: id });
  return { id, status: 'canceled' as const };
}
