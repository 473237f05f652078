import type { EngineDeps } from '../core/deps.ts';
import { cancelVerification, getVerification } from '../core/manage.ts';
import type { CancelStore, ReadStore } from '../core/ports.ts';
import { pathId } from './request.ts';
import { json, respondOrFail } from './responses.ts';
import type { Route } from './route.ts';

/** `GET /v1/verifications/{id}` */
export function createGetRoute(deps: Pick<EngineDeps<ReadStore>, 'store' | 'clock' | 'log'>): Route {
  return (event) =>
    respondOrFail(deps.log, async () => json(200, await getVerification(deps, pathId(event))));
}

/** `DELETE /v1/verifications/{id}` */
export function createCancelRoute(deps: Pick<EngineDeps<CancelStore>, 'store' | 'clock' | 'log'>): Route {
  return (event) =>
    respondOrFail(deps.log, async () => json(200, await cancelVerification(deps, pathId(event))));
}
