import type { SendDeps } from './deps.ts';
import { DeliveryError } from './errors.ts';
import { renderMessage } from './messages.ts';

/**
 * The voice-fallback workflow's task: when the SMS code was not used in time, call and read the same
 * code. The call is claimed by a conditional write first, so a retried or duplicated execution never
 * calls twice; a refused call releases the claim and throws, so the workflow's retry may try again.
 *
 * Returns what happened, for the workflow's (code-free) output.
 */
export type VoiceFallbackResult =
  | { called: true }
  | { called: false; reason: 'not_pending_or_already_called' };

export async function placeVoiceFallbackCall(
  deps: Pick<SendDeps, 'store' | 'sealer' | 'settings' | 'clock' | 'log' | 'senders'>,
  verificationId: string,
): Promise<VoiceFallbackResult> {
  const { store, sealer, settings, clock, log } = deps;
  const voice = deps.senders.voice;
  if (!voice) throw new Error('voice fallback needs the voice channel to be configured');

  const now = clock();
  const record = await store.claimVoiceCall(verificationId, now);
  if (!record) {
    log.info('voice fallback skipped', { verificationId });
    return { called: false, reason: 'not_pending_or_already_called' };
  }
  const message = renderMessage({
    channel: 'voice',
    to: sealer.openDestination(record.id, record.sealedTo),
    maskedTo: record.maskedTo,
    code: sealer.open(record.id, record.sealedCode),
    locale: record.locale,
    appName: settings.appName,
    ttlSeconds: Math.max(1, Math.ceil((record.expiresAt - now) / 1000)),
    verificationId: record.id,
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
