import { DynamoVerificationStore } from '../adapters/dynamodb/verification-store.ts';
import { sendSettingsFromEnv } from '../config.ts';
import type { EngineDeps } from '../core/deps.ts';
import { log } from './lambda-log.ts';
import { env, loadSealer, settings, table } from './runtime.ts';

/**
 * The engine's dependencies for the functions that use the whole store (start, Cognito triggers,
 * cascade's step), logging through `JsonLog` (functions/wiring/lambda-log.ts).
 */
export async function engineDeps(): Promise<EngineDeps> {
  return {
    store: new DynamoVerificationStore(table.client, table.tableName),
    sealer: await loadSealer(log),
    // The sending settings too: these functions send (or, for Cognito's verify, share the wiring).
    settings: { ...settings, ...sendSettingsFromEnv(env) },
    clock: Date.now,
    log,
  };
}
