import type { CascadeScheduler, Clock, Log, Senders, VerificationStore } from './ports.ts';
import type { Sealer } from './sealing.ts';
import type { Settings } from './settings.ts';

/**
 * What every engine operation needs; each door (API, Cognito, workflow, local) builds it once. The
 * store type narrows to the part an operation uses (e.g. `CheckStore`), so a function can bundle only
 * that part.
 */
export interface EngineDeps<Store = VerificationStore> {
  store: Store;
  sealer: Sealer;
  settings: Settings;
  clock: Clock;
  log: Log;
}

/** Sending also needs the channels, and the cascade's scheduler where the cascade is on. */
export interface SendDeps extends EngineDeps {
  senders: Senders;
  cascade?: CascadeScheduler;
}
