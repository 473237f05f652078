import { parseKeyMaterial } from '../core/key-material.ts';
import { Sealer } from '../core/sealing.ts';
import type { Log } from '../ports.ts';

/**
 * How often a warm function re-reads its secret, so that it accepts a key staged for rotation in
 * time (docs/deploy.md). On Lambda the extension caches the value for one minute more.
 */
export const KEY_REFRESH_MS = 5 * 60_000;

/**
 * A sealer keyed by the secret's value as read now, and re-keyed from a fresh read every `everyMs`
 * while the process lives. A timer rather than a check per request: a frozen Lambda's timers wait,
 * and the overdue one runs as soon as it is thawed, beside the request. A failed re-read keeps the
 * keys it has and is tried again at the next tick.
 */
export async function loadRefreshingSealer(
  readSecret: () => Promise<string>,
  log: Log,
  everyMs: number = KEY_REFRESH_MS,
): Promise<Sealer> {
  const keys = parseKeyMaterial(await readSecret());
  const sealer = new Sealer(keys.current, keys.accepted, keys.naming);
  setInterval(() => {
    readSecret()
      .then((value) => {
        const fresh = parseKeyMaterial(value);
        sealer.useKeys(fresh.current, fresh.accepted, fresh.naming);
      })
      .catch((error: unknown) =>
        log.warn('secret re-read failed; keeping the keys read before', {
          error: error instanceof Error ? error.message : String(error),
        }),
      );
  }, everyMs).unref();
  return sealer;
}
