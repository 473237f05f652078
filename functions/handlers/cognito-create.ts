/**
 * Lambda entry for the user pool's Create Auth Challenge trigger: sends codes through the same
 * engine, channels and limits as `POST /v1/verifications` (no cascade: a Cognito session is too
 * short for one).
 */
import type { Context, CreateAuthChallengeTriggerEvent } from 'aws-lambda';
import { cognitoOptionsFromEnv } from '../cognito/challenge.ts';
import { createCreateAuthChallengeHandler } from '../cognito/create-auth-challenge.ts';
import { channelsFromEnv } from '../config.ts';
import { engineDeps } from '../wiring/engine-deps.ts';
import { logger } from '../wiring/powertools-log.ts';
import { env, refreshKeysIfStale } from '../wiring/runtime.ts';
import { buildSenders } from '../wiring/senders.ts';

const create = createCreateAuthChallengeHandler({
  ...(await engineDeps()),
  senders: buildSenders(channelsFromEnv(env)),
  options: cognitoOptionsFromEnv(env),
});

export const handler = async (event: CreateAuthChallengeTriggerEvent, context: Context) => {
  logger.addContext(context);
  await refreshKeysIfStale();
  return create(event);
};
