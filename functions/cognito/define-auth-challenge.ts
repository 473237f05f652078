import type { DefineAuthChallengeTriggerEvent } from 'aws-lambda';
import type { EngineDeps } from '../core/deps.ts';
import type { Settings } from '../core/settings.ts';
import { CUSTOM_CHALLENGE, isDeliveryRequest, parseMetadata, wrongAnswers } from './challenge.ts';

/**
 * No store: the session decides (the trigger's bundle carries no AWS SDK client); of the settings
 * only `maxAttempts`.
 */
export type DefineDeps = Pick<EngineDeps, 'clock' | 'log'> & { settings: Pick<Settings, 'maxAttempts'> };

/**
 * Define Auth Challenge: decides, after each round, whether the sign-in gets tokens, fails, or gets
 * another CUSTOM_CHALLENGE.
 *
 * - No round yet → a challenge (the create trigger sends the code).
 * - The last answer was right → tokens.
 * - `maxAttempts` wrong answers in this session → fail (for an unknown user too, at the same count).
 * - A delivery request (`clientMetadata.channel`) → another challenge (the code is sent again).
 * - Otherwise the last round's metadata decides (written by the create trigger from the stored
 *   verification): the code must not have expired, and must have had an attempt left beyond the one
 *   just used (wrong answers from earlier sessions on the same code count there too). A verification
 *   closed some other way is caught by the create trigger, which re-reads it for the next round; and
 *   every answer is counted and compared by the verify trigger's check, whatever this trigger decides.
 *
 * Only CUSTOM_CHALLENGE rounds are accepted: a flow that began with SRP (a password) fails here.
 */
export function createDefineAuthChallengeHandler(deps: DefineDeps) {
  const { settings, clock, log } = deps;

  return async (event: DefineAuthChallengeTriggerEvent): Promise<DefineAuthChallengeTriggerEvent> => {
    const { session = [], clientMetadata } = event.request;
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

    const metadata = parseMetadata(last.challengeMetadata);
    if (!metadata) return decide('fail', 'no verification in the session');
    if (metadata.expiresAt !== undefined && clock() >= metadata.expiresAt) {
      return decide('fail', 'verification expired');
    }
    if (metadata.attemptsLeft !== undefined && metadata.attemptsLeft <= 1) {
      return decide('fail', 'verification max_attempts_reached');
    }
    return decide('challenge', 'wrong code');
  };
}
