import { createCancelHandler } from '../http/manage-routes.ts';
import { engineDeps, lambdaHandler } from './runtime.ts';

/** Lambda entry for `DELETE /v1/verifications/{id}`. */
export const handler = lambdaHandler(createCancelHandler(await engineDeps()));
