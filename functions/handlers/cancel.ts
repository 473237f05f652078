/** Lambda entry for `DELETE /v1/verifications/{id}` (needs no secret: a cancel opens nothing). */
import { DynamoCancelStore } from '../adapters/dynamodb/cancel-store.ts';
import { JsonLog } from '../adapters/json-log.ts';
import { createCancelRoute } from '../http/manage-routes.ts';
import { lambdaHandler, serviceName, table } from '../wiring/runtime.ts';

const log = new JsonLog(serviceName);

export const handler = lambdaHandler(
  createCancelRoute({ store: new DynamoCancelStore(table), clock: Date.now, log }),
  log,
);
