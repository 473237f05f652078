/**
 * Lambda entry for the user pool's Define Auth Challenge trigger. It decides from the session alone
 * (functions/cognito/define-auth-challenge.ts), so it needs no table, no secret, no channel, and no
 * AWS SDK client: its bundle is the rules, the one setting they use (`OTP_MAX_ATTEMPTS`) and a small
 * JSON logger at the log level the environment sets, and it starts like one (bench/peer.ts).
 */
import type { Context, DefineAuthChallengeTriggerEvent } from 'aws-lambda';
import { createDefineAuthChallengeHandler } from '../cognito/define-auth-challenge.ts';
import { maxAttemptsFromEnv } from '../integer-env.ts';
import { log } from '../wiring/lambda-log.ts';

const define = createDefineAuthChallengeHandler({
  settings: maxAttemptsFromEnv(process.env),
  clock: Date.now,
  log,
});

export const handler = async (event: DefineAuthChallengeTriggerEvent, context?: Context) => {
  log.beginRequest(context ? { requestId: context.awsRequestId } : {});
  return define(event);
};
