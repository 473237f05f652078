import type { VerifyAuthChallengeResponseTriggerEvent } from 'aws-lambda';
import { checkCode } from '../core/check.ts';
import type { EngineDeps } from '../core/deps.ts';
import { EngineError } from '../core/errors.ts';
import { isDeliveryRequest } from './challenge.ts';

/**
 * Verify Auth Challenge Response: checks the answer with the engine, so a wrong code uses one of the
 * verification's attempts and a right one approves it (at most once, however many answers race).
 * Never right for an unknown user, nor for a delivery request (`clientMetadata.channel`), whose answer
 * is not a code and is not checked. A closed, unknown or malformed one is simply not right: the define
 * trigger then decides whether the sign-in goes on.
 */
export function createVerifyAuthChallengeHandler(deps: EngineDeps) {
  return async (
    event: VerifyAuthChallengeResponseTriggerEvent,
  ): Promise<VerifyAuthChallengeResponseTriggerEvent> => {
    const { userNotFound, clientMetadata, privateChallengeParameters, challengeAnswer } = event.request;
    event.response.answerCorrect = false;
    const id = privateChallengeParameters?.['verificationId'];
    if (userNotFound || isDeliveryRequest(clientMetadata) || !id) return event;

    const answer = typeof challengeAnswer === 'string' ? challengeAnswer.trim() : challengeAnswer;
    try {
      const result = await checkCode(deps, id, answer);
      event.response.answerCorrect = result.valid;
    } catch (error) {
      if (!(error instanceof EngineError)) throw error;
      deps.log.info('answer not checked', { verificationId: id, reason: error.code });
    }
    return event;
  };
}
