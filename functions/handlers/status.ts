import { DynamoReadStore } from '../adapters/dynamodb/read-store.ts';
import { JsonLog } from '../adapters/json-log.ts';
import { createGetHandler } from '../http/manage-routes.ts';
import { lambdaHandler, serviceName, table } from '../wiring/runtime.ts';

/** Lambda entry for `GET /v1/verifications/{id}` (needs no secret: it only reads). */
const log = new JsonLog(serviceName);

export const handler = lambdaHandler(
  createGetHandler({ store: new DynamoReadStore(table), clock: Date.now, log }),
  log,
);
