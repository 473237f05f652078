/**
 * Lambda entry for the user pool's Define Auth Challenge trigger. It only reads verifications, so it
 * needs neither the secret nor a channel.
 */
import type { Context, DefineAuthChallengeTriggerEvent } from 'aws-lambda';
import { DynamoReadStore } from '../adapters/dynamodb/read-store.ts';
import { createDefineAuthChallengeHandler } from '../cognito/define-auth-challenge.ts';
import { logger, powertoolsLog } from '../wiring/powertools-log.ts';
import { settings, table } from '../wiring/runtime.ts';

const define = createDefineAuthChallengeHandler({
  store: new DynamoReadStore(table),
  settings,
  clock: Date.now,
  log: powertoolsLog,
});

export const handler = async (event: DefineAuthChallengeTriggerEvent, context: Context) => {
  logger.addContext(context);
  return define(event);
};
