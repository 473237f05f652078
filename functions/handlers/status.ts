/** Lambda entry for `GET /v1/verifications/{id}` (needs no secret: it only reads). */
import { DynamoReadStore } from '../adapters/dynamodb/read-store.ts';
import { createGetRoute } from '../http/manage-routes.ts';
import { log } from '../wiring/lambda-log.ts';
import { lambdaHandler, table } from '../wiring/runtime.ts';

export const handler = lambdaHandler(
  createGetRoute({ store: new DynamoReadStore(table), clock: Date.now, log }),
  log,
);
