import { DynamoReadStore } from '../adapters/dynamodb/read-store.ts';
import { JsonLog } from '../adapters/json-log.ts';
import { createCancelHandler } from '../http/manage-routes.ts';
import { lambdaHandler, serviceName, table } from '../wiring/runtime.ts';

/** Lambda entry for `DELETE /v1/verifications/{id}` (needs no secret: a cancel opens nothing). */
const log = new JsonLog(serviceName);

export const handler = lambdaHandler(
  createCancelHandler({ store: new DynamoReadStore(table), clock: Date.now, log }),
  log,
);
