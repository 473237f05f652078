import { createGetHandler } from '../http/manage-routes.ts';
import { engineDeps, lambdaHandler } from './runtime.ts';

/** Lambda entry for `GET /v1/verifications/{id}`. */
export const handler = lambdaHandler(createGetHandler(await engineDeps()));
