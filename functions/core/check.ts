import { codeShape, isWellFormedCode, normaliseGuess } from './codes.ts';
import type { EngineDeps } from './deps.ts';
import { EngineError, invalidRequest, notFound } from './errors.ts';
import { destinationKeyOf } from './ids.ts';
import type { CheckOutcome, CheckStore } from './ports.ts';
import { canonicalTransaction, type Transaction } from './transaction.ts';
import { effectiveStatus, type Status, type VerificationRecord } from './verification.ts';
import { checkView } from './views.ts';

/**
 * Checks a code. Every well-formed guess is counted and compared in one conditional write, so at most
 * `maxAttempts` guesses are ever compared and a code approves at most once, however many checks race.
 * A malformed code is refused before the store and uses no attempt.
 *
 * A code sent for a payment is bound to it (its MAC covers the transaction, Sealer.mac):
 * - a check that presents the transaction compares the guess bound to it, in the same one write; a
 *   different transaction is simply a wrong guess, counted;
 * - a check that presents none costs a second write: the first counts the guess (it cannot match,
 *   the marker of an unbound guess does not exist) and shows the stored transaction; the second
 *   approves if the guess bound to *that* transaction is the code. The guess was counted before it
 *   was compared, so the attempt limit holds; a stored transaction altered since the send gives
 *   another MAC, so the right code no longer approves it.
 */
export async function checkCode(
  deps: EngineDeps<CheckStore>,
  id: string,
  guess: unknown,
  transaction?: Transaction,
) {
  const { store, sealer, settings, clock, log } = deps;
  // Letters are compared upper-cased and without spaces or dashes: one MAC, one conditional write.
  const code = normaliseGuess(guess, settings.codeAlphabet);
  if (!isWellFormedCode(code, settings.codeLength, settings.codeAlphabet)) {
    throw invalidRequest(
      `\`code\` must be a string of ${codeShape(settings.codeLength, settings.codeAlphabet)}.`,
      'code',
    );
  }
  if (destinationKeyOf(id) === undefined) throw notFound();

  const now = clock();
  const presented = transaction === undefined ? undefined : canonicalTransaction(transaction);
  let outcome: CheckOutcome = await store.guess(id, sealer.macs(id, code, presented), now);
  if (outcome.kind === 'wrong_code' && presented === undefined && outcome.record.transaction) {
    const bound = canonicalTransaction(outcome.record.transaction);
    const approved = await store.approveCounted(id, sealer.macs(id, code, bound), now);
    if (approved) outcome = { kind: 'approved', record: approved };
  }

  switch (outcome.kind) {
    case 'not_found':
      throw notFound();
    case 'closed':
      throw closedError(outcome.record, now);
    case 'approved':
      log.info('verification approved', { verificationId: id, channel: outcome.record.channel });
      return checkView(outcome.record, now);
    case 'wrong_code':
      log.info('wrong code', { verificationId: id, attempts: outcome.record.attempts });
      return checkView(outcome.record, now);
  }
}

const CLOSED_MESSAGES: Record<Status, string> = {
  pending: 'This verification is still pending.',
  approved: 'This verification was already approved.',
  expired: 'This verification has expired; start a new one.',
  max_attempts_reached: 'This verification has no attempts left; start a new one.',
  canceled: 'This verification was canceled.',
  delivery_failed: 'The message of this verification could not be delivered; start a new one.',
};

/** The 409 for a verification that is no longer pending; its status rides beside the error. */
export function closedError(record: VerificationRecord, now: number): EngineError {
  const status = effectiveStatus(record, now);
  return new EngineError(409, 'verification_closed', CLOSED_MESSAGES[status], { extra: { status } });
}
