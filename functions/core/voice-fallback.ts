import type { SendDeps } from './deps.ts';
import { DeliveryError } from './errors.ts';
import { sendLimits } from './limits.ts';
import { renderMessage } from './messages.ts';
import type { SendRejection } from './ports.ts';

/**
 * The voice-fallback workflow's task: when the SMS code was not used in time, call and read the same
 * code. The call is claimed by a conditional write first, so a retried or duplicated execution never
 * calls twice; a refused call releases the claim and throws, so the workflow's retry may try again.
 * The claim counts the call under the same limits as any send; a full one skips the call, recorded on
 * the verification (`voiceCall: skipped`), and is final (no retry).
 *
 * Returns what happened, for the workflow's (code-free) output.
 */
export type VoiceFallbackResult =
  | { called: true }
  | { called: false; reason: 'not_pending_or_already_called' | SendRejection['kind'] };

export async function placeVoiceFallbackCall(
  deps: Pick<SendDeps, 'store' | 'sealer' | 'settings' | 'clock' | 'log' | 'senders'>,
  verificationId: string,
): Promise<VoiceFallbackResult> {
  const { store, sealer, settings, clock, log } = deps;
  const voice = deps.senders.voice;
  if (!voice) throw new Error('voice fallback needs the voice channel to be configured');

  const now = clock();
  // The call is a phone send: the destination's hourly limit and the spend brake count it too.
  const claim = await store.claimVoiceCall(verificationId, sendLimits(settings, 'voice'), now);
  if (claim.kind === 'nothing_to_call') {
    log.info('voice fallback skipped', { verificationId });
    return { called: false, reason: 'not_pending_or_already_called' };
  }
  if (claim.kind === 'refused') {
    await store.skipVoiceCall(verificationId, claim.rejection.kind, now);
    log.warn('voice fallback refused by a limit', { verificationId, reason: claim.rejection.kind });
    return { called: false, reason: claim.rejection.kind };
  }
  const { record } = claim;
  const message = renderMessage({
    channel: 'voice',
    to: sealer.openDestination(record.id, record.sealedTo),
    maskedTo: record.maskedTo,
    code: sealer.open(record.id, record.sealedCode),
    locale: record.locale,
    appName: settings.appName,
    ttlSeconds: Math.max(1, Math.ceil((record.expiresAt - now) / 1000)),
    verificationId: record.id,
    transaction: record.transaction,
  });
  try {
    await voice.send(message);
  } catch (error) {
    await store.finishVoiceCall(record.id, 'failed', clock());
    log.warn('voice fallback call failed', { verificationId, to: record.maskedTo });
    throw error instanceof DeliveryError ? error : new DeliveryError('voice fallback call failed');
  }
  await store.finishVoiceCall(record.id, 'called', clock());
  log.info('voice fallback call placed', { verificationId, to: record.maskedTo });
  return { called: true };
}
