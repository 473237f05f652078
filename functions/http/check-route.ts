import { checkCode } from '../core/check.ts';
import type { EngineDeps } from '../core/deps.ts';
import type { CheckStore } from '../core/ports.ts';
import { readTransaction } from '../core/transaction.ts';
import { pathId, readJsonObject } from './request.ts';
import { json, respondOrFail } from './responses.ts';
import type { Route } from './route.ts';

/** `POST /v1/verifications/{id}/check`: parse, call the engine, answer. */
export function createCheckRoute(deps: EngineDeps<CheckStore>): Route {
  return (event) =>
    respondOrFail(deps.log, async () => {
      const body = readJsonObject(event);
      const transaction =
        body['transaction'] === undefined ? undefined : readTransaction(body['transaction']);
      return json(200, await checkCode(deps, pathId(event), body['code'], transaction));
    });
}
