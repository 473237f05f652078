/**
 * A diagnostic for bench/peer.ts: a define trigger that decides as the peer's does, by counting the
 * failed rounds alone, with onetime's log line (`JsonLog`, one line per round; none at LOG_LEVEL=WARN).
 * Beside the peer's define it shows what onetime's log line costs a cold start; beside onetime's own
 * define (functions/cognito/define-auth-challenge.ts), what deciding from the round's metadata costs:
 * the expiry and the attempts left that end a session as soon as its code can no longer be approved.
 */
import type { Context, DefineAuthChallengeTriggerEvent } from 'aws-lambda';
import { CUSTOM_CHALLENGE } from '../../functions/cognito/challenge.ts';
import { maxAttemptsFromEnv } from '../../functions/integer-env.ts';
import { log } from '../../functions/wiring/lambda-log.ts';

const { maxAttempts } = maxAttemptsFromEnv(process.env);

export const handler = async (event: DefineAuthChallengeTriggerEvent, context?: Context) => {
  log.beginRequest(context ? { requestId: context.awsRequestId } : {});
  const { session = [] } = event.request;
  const last = session.at(-1);
  const failed = session.filter((round) => !round.challengeResult).length;
  const outcome = last?.challengeResult ? 'tokens' : failed >= maxAttempts ? 'fail' : 'challenge';
  event.response.issueTokens = outcome === 'tokens';
  event.response.failAuthentication = outcome === 'fail';
  if (outcome === 'challenge') event.response.challengeName = CUSTOM_CHALLENGE;
  log.info('sign-in round decided', { outcome, round: session.length });
  return event;
};
