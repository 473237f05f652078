/** Lambda entry for `GET /v1/verifications/{id}` (needs no secret: it only reads). */
import { DynamoReadStore } from '../adapters/dynamodb/read-store.ts';
import { JsonLog } from '../adapters/json-log.ts';
import { createGetRoute } from '../http/manage-routes.ts';
import { lambdaHandler, serviceName, table } from '../wiring/runtime.ts';

const log = new JsonLog(serviceName);

export const handler = lambdaHandler(
  createGetRoute({ store: new DynamoReadStore(table), clock: Date.now, log }),
  log,
);
