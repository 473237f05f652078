import type { EngineDeps } from '../core/deps.ts';
import { cancelVerification, getVerification } from '../core/manage.ts';
import type { ReadStore } from '../core/ports.ts';
import type { ApiHandler } from './api-handler.ts';
import { pathId } from './request.ts';
import { answer, json } from './responses.ts';

type ManageDeps = Pick<EngineDeps<ReadStore>, 'store' | 'clock' | 'log'>;

/** `GET /v1/verifications/{id}` */
export function createGetHandler(deps: ManageDeps): ApiHandler {
  return (event) => answer(deps.log, async () => json(200, await getVerification(deps, pathId(event))));
}

/** `DELETE /v1/verifications/{id}` */
export function createCancelHandler(deps: ManageDeps): ApiHandler {
  return (event) => answer(deps.log, async () => json(200, await cancelVerification(deps, pathId(event))));
}
