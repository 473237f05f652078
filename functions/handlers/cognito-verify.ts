/** Lambda entry for the user pool's Verify Auth Challenge Response trigger. */
import type { Context, VerifyAuthChallengeResponseTriggerEvent } from 'aws-lambda';
import { lambdaContextKeys } from '../adapters/json-log.ts';
import { createVerifyAuthChallengeHandler } from '../cognito/verify-auth-challenge.ts';
import { engineDeps } from '../wiring/engine-deps.ts';
import { log } from '../wiring/lambda-log.ts';
import { refreshKeysIfStale } from '../wiring/runtime.ts';

const verify = createVerifyAuthChallengeHandler(await engineDeps());

export const handler = async (event: VerifyAuthChallengeResponseTriggerEvent, context: Context) => {
  log.beginRequest({ requestId: context.awsRequestId }, lambdaContextKeys(context));
  await refreshKeysIfStale();
  return verify(event);
};
