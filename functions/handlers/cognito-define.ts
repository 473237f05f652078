import type { Context, DefineAuthChallengeTriggerEvent } from 'aws-lambda';
import { DynamoVerificationStore } from '../adapters/dynamodb/verification-store.ts';
import { createDefineAuthChallengeHandler } from '../cognito/define-auth-challenge.ts';
import { dynamodb, logger, settings, tableName } from './runtime.ts';

/**
 * Lambda entry for the user pool's Define Auth Challenge trigger. It only reads verifications, so it
 * needs neither the secret nor a channel.
 */
const define = createDefineAuthChallengeHandler({
  store: new DynamoVerificationStore(dynamodb, tableName),
  settings,
  clock: Date.now,
  log: logger,
});

export const handler = async (event: DefineAuthChallengeTriggerEvent, context: Context) => {
  logger.addContext(context);
  return define(event);
};
