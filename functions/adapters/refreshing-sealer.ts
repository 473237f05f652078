import { parseKeyMaterial } from '../core/key-material.ts';
import type { Clock, Log } from '../core/ports.ts';
import { Sealer } from '../core/sealing.ts';

/**
 * How old the keys a function holds may be when it handles an invocation, so that it accepts a key
 * staged for rotation in time (docs/deploy.md). On Lambda the extension caches the value for one
 * minute more.
 */
export const KEY_REFRESH_MS = 5 * 60_000;

export interface RefreshingKeys {
  /** Seals and checks with the keys last read. The same object throughout: hand it to the engine. */
  sealer: Sealer;
  /**
   * Awaited before each invocation: re-reads the secret when the keys are older than KEY_REFRESH_MS.
   * Per invocation rather than on a timer, because a Lambda function frozen for an hour must not
   * check a code with hour-old keys before its timer has had a turn.
   */
  refreshIfStale(): Promise<void>;
}

/**
 * A sealer keyed by the secret's value as read now, re-keyed from a fresh read when it is stale. A
 * failed re-read keeps the keys it has (and says so): it is tried again after another interval, not at
 * every invocation, so an extension that hangs costs one slow request, not all of them.
 */
export async function loadRefreshingSealer(
  readSecret: () => Promise<string>,
  log: Log,
  options: { everyMs?: number; clock?: Clock } = {},
): Promise<RefreshingKeys> {
  const { everyMs = KEY_REFRESH_MS, clock = Date.now } = options;
  let value = await readSecret();
  let readAt = clock();
  const keys = parseKeyMaterial(value);
  const sealer = new Sealer(keys.current, keys.accepted, keys.naming);

  let inFlight: Promise<void> | undefined;
  const refresh = async () => {
    try {
      const fresh = await readSecret();
      if (fresh !== value) {
        const freshKeys = parseKeyMaterial(fresh);
        sealer.useKeys(freshKeys.current, freshKeys.accepted, freshKeys.naming);
        value = fresh;
        log.info('key material changed', { acceptedKeys: sealer.acceptedKeyCount });
      }
    } catch (error) {
      log.warn('secret re-read failed; keeping the keys read before', {
        error: error instanceof Error ? error.message : String(error),
      });
    } finally {
      readAt = clock();
      inFlight = undefined;
    }
  };
  return {
    sealer,
    refreshIfStale() {
      if (clock() - readAt < everyMs) return Promise.resolve();
      inFlight ??= refresh();
      return inFlight;
    },
  };
}
