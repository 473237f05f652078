import { createCheckHandler } from '../http/check-route.ts';
import { engineDeps, lambdaHandler } from './runtime.ts';

/** Lambda entry for `POST /v1/verifications/{id}/check`. */
export const handler = lambdaHandler(createCheckHandler(await engineDeps()));
