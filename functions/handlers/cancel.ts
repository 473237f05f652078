/** Lambda entry for `DELETE /v1/verifications/{id}` (needs no secret: a cancel opens nothing). */
import { DynamoCancelStore } from '../adapters/dynamodb/cancel-store.ts';
import { createCancelRoute } from '../http/manage-routes.ts';
import { log } from '../wiring/lambda-log.ts';
import { lambdaHandler, table } from '../wiring/runtime.ts';

export const handler = lambdaHandler(
  createCancelRoute({ store: new DynamoCancelStore(table), clock: Date.now, log }),
  log,
);
