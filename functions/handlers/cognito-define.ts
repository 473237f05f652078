/**
 * Lambda entry for the user pool's Define Auth Challenge trigger. It decides from the session alone
 * (functions/cognito/define-auth-challenge.ts), so it needs no table, no secret, no channel, and no
 * AWS SDK client: its bundle is the rules and a small JSON logger, and it starts like one.
 */
import type { Context, DefineAuthChallengeTriggerEvent } from 'aws-lambda';
import { JsonLog } from '../adapters/json-log.ts';
import { createDefineAuthChallengeHandler } from '../cognito/define-auth-challenge.ts';
import { settingsFromEnv } from '../config.ts';
import { serviceName } from '../wiring/service-name.ts';

const log = new JsonLog(serviceName);
const define = createDefineAuthChallengeHandler({
  settings: settingsFromEnv(process.env),
  clock: Date.now,
  log,
});

export const handler = async (event: DefineAuthChallengeTriggerEvent, context?: Context) => {
  log.beginRequest(context ? { requestId: context.awsRequestId } : {});
  return define(event);
};
