import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RetryOptions } from '../functions/adapters/dynamodb/counted-write.ts';
import { DynamoIdempotencyStore } from '../functions/adapters/dynamodb/idempotency-store.ts';
import { DynamoVerificationStore } from '../functions/adapters/dynamodb/verification-store.ts';
import type { SendDeps } from '../functions/core/deps.ts';
import type { CascadeScheduler, Clock, Log, Senders } from '../functions/core/ports.ts';
import { Sealer } from '../functions/core/sealing.ts';
import type { Settings } from '../functions/core/settings.ts';
import { createCheckRoute } from '../functions/http/check-route.ts';
import { createCancelRoute, createGetRoute } from '../functions/http/manage-routes.ts';
import type { Route } from '../functions/http/route.ts';
import { createStartRoute } from '../functions/http/start-route.ts';

/**
 * Wires the same route handlers the Lambda entries export, with local adapters: DynamoDB Local for
 * storage, the outbox (or a test's senders) for channels, a secret made for this process.
 * Local mode and the integration tests both build the service here.
 */
export interface ComposeOptions {
  client: DynamoDBClient;
  tableName: string;
  settings: Settings;
  senders: Senders;
  log: Log;
  clock?: Clock;
  /** Generated per process when absent: codes do not survive a restart, which is what local mode wants. */
  secret?: Uint8Array;
  cascade?: CascadeScheduler;
  storeOptions?: RetryOptions;
}

export interface ComposedApi {
  start: Route;
  check: Route;
  get: Route;
  cancel: Route;
  deps: SendDeps;
}

export function composeApi(options: ComposeOptions): ComposedApi {
  const deps: SendDeps = {
    store: new DynamoVerificationStore(options.client, options.tableName, options.storeOptions),
    sealer: new Sealer(options.secret ?? randomBytes(32)),
    settings: options.settings,
    clock: options.clock ?? Date.now,
    log: options.log,
    senders: options.senders,
    ...(options.cascade ? { cascade: options.cascade } : {}),
  };
  return {
    start: createStartRoute({
      ...deps,
      idempotency: new DynamoIdempotencyStore(options.client, options.tableName),
    }),
    check: createCheckRoute(deps),
    get: createGetRoute(deps),
    cancel: createCancelRoute(deps),
    deps,
  };
}
