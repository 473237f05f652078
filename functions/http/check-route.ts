import { checkCode } from '../core/check.ts';
import type { EngineDeps } from '../core/deps.ts';
import type { CheckStore } from '../core/ports.ts';
import type { ApiHandler } from './api-handler.ts';
import { pathId, readJsonObject } from './request.ts';
import { answer, json } from './responses.ts';

/** `POST /v1/verifications/{id}/check`: parse, call the engine, answer. */
export function createCheckHandler(deps: EngineDeps<CheckStore>): ApiHandler {
  return (event) =>
    answer(deps.log, async () => {
      const body = readJsonObject(event);
      return json(200, await checkCode(deps, pathId(event), body['code']));
    });
}
