/** Lambda entry for `POST /v1/verifications/{id}/check`: the hot path, so only the check's writes. */
import { DynamoCheckStore } from '../adapters/dynamodb/check-store.ts';
import { createCheckRoute } from '../http/check-route.ts';
import { log } from '../wiring/lambda-log.ts';
import { lambdaHandler, loadSealer, settings, table } from '../wiring/runtime.ts';

export const handler = lambdaHandler(
  createCheckRoute({
    store: new DynamoCheckStore(table),
    sealer: await loadSealer(log),
    settings,
    clock: Date.now,
    log,
  }),
  log,
);
