import type { DefineAuthChallengeTriggerEvent } from 'aws-lambda';
import type { EngineDeps } from '../core/deps.ts';
import type { ReadStore } from '../core/ports.ts';
import { effectiveStatus } from '../core/verification.ts';
import { CUSTOM_CHALLENGE, isDeliveryRequest, parseMetadata, wrongAnswers } from './challenge.ts';

export type DefineDeps = Pick<EngineDeps<ReadStore>, 'store' | 'settings' | 'clock' | 'log'>;

/**
 * Define Auth Challenge: decides, after each round, whether the sign-in gets tokens, fails, or gets
 * another CUSTOM_CHALLENGE.
 *
 * - No round yet → a challenge (the create trigger sends the code).
 * - The last answer was right → tokens.
 * - `maxAttempts` wrong answers in this session → fail (for an unknown user too, at the same count).
 * - A delivery request (`clientMetadata.channel`) → another challenge (the code is sent again).
 * - Otherwise the engine decides: the verification must still be pending (not expired, not at its
 *   attempt limit, which also counts wrong answers from earlier sessions on the same code).
 *
 * Only CUSTOM_CHALLENGE rounds are accepted: a flow that began with SRP (a password) fails here.
 */
export function createDefineAuthChallengeHandler(deps: DefineDeps) {
  const { store, settings, clock, log } = deps;

  return async (event: DefineAuthChallengeTriggerEvent): Promise<DefineAuthChallengeTriggerEvent> => {
    const { session = [], userNotFound, clientMetadata } = event.request;
    const decide = (outcome: 'challenge' | 'tokens' | 'fail', reason: string) => {
      event.response.issueTokens = outcome === 'tokens';
      event.response.failAuthentication = outcome === 'fail';
      if (outcome === 'challenge') event.response.challengeName = CUSTOM_CHALLENGE;
      log.info('sign-in round decided', { outcome, reason, round: session.length });
      return event;
    };

    if (session.some((entry) => entry.challengeName !== CUSTOM_CHALLENGE)) {
      return decide('fail', 'not a custom challenge flow');
    }
    const last = session.at(-1);
    if (!last) return decide('challenge', 'first round');
    if (last.challengeResult) return decide('tokens', 'code approved');
    if (wrongAnswers(session, clientMetadata) >= settings.maxAttempts)
      return decide('fail', 'attempts used up');
    if (isDeliveryRequest(clientMetadata)) return decide('challenge', 'code asked for again');
    if (userNotFound) return decide('challenge', 'wrong code');

    const metadata = parseMetadata(last.challengeMetadata);
    if (!metadata) return decide('fail', 'no verification in the session');
    const record = await store.get(metadata.verificationId);
    const status = record ? effectiveStatus(record, clock()) : 'not_found';
    if (status !== 'pending') return decide('fail', `verification ${status}`);
    return decide('challenge', 'wrong code');
  };
}
