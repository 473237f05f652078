/**
 * Lambda entry for the user pool's Create Auth Challenge trigger: sends codes through the same
 * engine, channels and limits as `POST /v1/verifications` (no cascade: a Cognito session is too
 * short for one).
 */
import type { Context, CreateAuthChallengeTriggerEvent } from 'aws-lambda';
import { lambdaContextKeys } from '../adapters/json-log.ts';
import { cognitoOptionsFromEnv } from '../cognito/challenge.ts';
import { createCreateAuthChallengeHandler } from '../cognito/create-auth-challenge.ts';
import { channelsFromEnv } from '../config.ts';
import { engineDeps } from '../wiring/engine-deps.ts';
import { log } from '../wiring/lambda-log.ts';
import { env, refreshKeysIfStale } from '../wiring/runtime.ts';
import { buildSenders } from '../wiring/senders.ts';

const create = createCreateAuthChallengeHandler({
  ...(await engineDeps()),
  senders: buildSenders(channelsFromEnv(env)),
  options: cognitoOptionsFromEnv(env),
});

export const handler = async (event: CreateAuthChallengeTriggerEvent, context: Context) => {
  log.beginRequest({ requestId: context.awsRequestId }, lambdaContextKeys(context));
  await refreshKeysIfStale();
  return create(event);
};
