import { DynamoVerificationStore } from '../adapters/dynamodb/verification-store.ts';
import { sendSettingsFromEnv } from '../config.ts';
import type { EngineDeps } from '../core/deps.ts';
import { powertoolsLog } from './powertools-log.ts';
import { env, loadSealer, settings, table } from './runtime.ts';

/**
 * The engine's dependencies for the functions that use the whole store (start, Cognito triggers,
 * voice fallback), logging through Powertools Logger.
 */
export async function engineDeps(): Promise<EngineDeps> {
  return {
    store: new DynamoVerificationStore(table.client, table.tableName),
    sealer: await loadSealer(powertoolsLog),
    // The sending settings too: these functions send (or, for Cognito's verify, share the wiring).
    settings: { ...settings, ...sendSettingsFromEnv(env) },
    clock: Date.now,
    log: powertoolsLog,
  };
}
