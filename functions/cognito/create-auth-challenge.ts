import type { CreateAuthChallengeTriggerEvent } from 'aws-lambda';
import type { SendDeps } from '../core/deps.ts';
import { canonicalDestination } from '../core/destination.ts';
import { describeError, EngineError } from '../core/errors.ts';
import { newVerificationId } from '../core/ids.ts';
import { maskDestination } from '../core/masking.ts';
import { startVerification } from '../core/start.ts';
import {
  attemptsRemaining,
  type Channel,
  effectiveStatus,
  type VerificationRecord,
} from '../core/verification.ts';
import {
  type CognitoOptions,
  CUSTOM_CHALLENGE,
  formatMetadata,
  isDeliveryRequest,
  parseMetadata,
  SignInError,
  UNAVAILABLE_MESSAGE,
} from './challenge.ts';
import { type ChosenDestination, chooseDestination, decoyDestination } from './destination.ts';

export interface CreateDeps extends SendDeps {
  options: CognitoOptions;
}

/** What one round shows the app, and what it keeps for the verify and define triggers. */
interface Challenge {
  channel: Channel;
  maskedTo: string;
  codeLength: number;
  verificationId: string;
  /** For the define trigger, which decides from the session alone (absent for an unknown user's decoy). */
  expiresAt?: number;
  attemptsLeft?: number;
}

/**
 * Create Auth Challenge: sends the code through the engine and describes it to the app.
 *
 * - First round, or a delivery request (`clientMetadata.channel`): `startVerification` — a new code,
 *   or, while one to that destination is pending, the same code again (same verification). Inside
 *   the resend cooldown nothing is sent and the challenge points at the pending verification: the
 *   user has that code already, so a double tap or a quick retry still signs in.
 * - Any other round (after a wrong answer): the same verification, nothing sent.
 * - Unknown user (`userNotFound`): nothing sent; a made-up destination of the same shape and the same
 *   code length, so the answer does not reveal whether the user exists.
 *
 * publicChallengeParameters: `channel`, `destination` (masked), `codeLength`, `codeAlphabet` (`digits`
 * or `alphanumeric`: an app picks its keyboard from it).
 * privateChallengeParameters: `verificationId`. challengeMetadata:
 * `OTP-<channel>:<id>:<expires at>:<attempts left>[:resent]` (challenge.ts), the decoy's without limits.
 */
export function createCreateAuthChallengeHandler(deps: CreateDeps) {
  const { settings, sealer, log, options } = deps;
  const channels = options.allowedChannels.filter((channel) => deps.senders[channel] !== undefined);

  return async (event: CreateAuthChallengeTriggerEvent): Promise<CreateAuthChallengeTriggerEvent> => {
    const { session = [], userNotFound, clientMetadata, userAttributes = {} } = event.request;
    if (event.request.challengeName !== CUSTOM_CHALLENGE) {
      throw new SignInError('Only the custom challenge is supported.');
    }
    const previous = parseMetadata(session.at(-1)?.challengeMetadata);
    const deliver = previous === undefined || isDeliveryRequest(clientMetadata);
    const requested = deliver ? clientMetadata?.['channel'] : previous.channel;

    let challenge: Challenge;
    try {
      if (userNotFound) {
        const decoy = decoyDestination({
          username: event.userName,
          requested,
          channels,
          allowedCountries: settings.allowedCountries,
          pushPlatformApplications: settings.pushPlatformApplications,
          sealer,
        });
        challenge = {
          channel: decoy.channel,
          maskedTo: maskDestination(decoy.to),
          codeLength: settings.codeLength,
          verificationId: previous?.verificationId ?? newVerificationId(sealer.destinationKey(decoy.to)),
        };
      } else if (!deliver) {
        challenge = await sameChallenge(previous.verificationId);
      } else {
        const destination = chooseDestination({
          userAttributes,
          requested,
          channels,
          options,
          allowedCountries: settings.allowedCountries,
          pushPlatformApplications: settings.pushPlatformApplications,
        });
        challenge = await send(destination, clientMetadata?.['locale'] ?? userAttributes['locale']);
      }
    } catch (error) {
      throw signInError(error);
    }

    event.response.publicChallengeParameters = {
      channel: challenge.channel,
      destination: challenge.maskedTo,
      codeLength: String(challenge.codeLength),
      codeAlphabet: settings.codeAlphabet,
    };
    event.response.privateChallengeParameters = { verificationId: challenge.verificationId };
    event.response.challengeMetadata = formatMetadata({
      channel: challenge.channel,
      verificationId: challenge.verificationId,
      ...(challenge.expiresAt === undefined ? {} : { expiresAt: challenge.expiresAt }),
      ...(challenge.attemptsLeft === undefined ? {} : { attemptsLeft: challenge.attemptsLeft }),
      resent: previous !== undefined && deliver,
    });
    return event;
  };

  async function sameChallenge(verificationId: string): Promise<Challenge> {
    const record = await deps.store.get(verificationId);
    // Define decided from the session: a verification closed some other way (canceled, approved
    // elsewhere, its attempts used up by another session) ends the sign-in here.
    if (!record || effectiveStatus(record, deps.clock()) !== 'pending') {
      throw new SignInError('This sign-in code is no longer valid; start again.');
    }
    return challengeOf(record);
  }

  async function send(destination: ChosenDestination, locale: string | undefined): Promise<Challenge> {
    try {
      const { record } = await startVerification(deps, { ...destination, locale, voiceFallback: false });
      return challengeOf(record);
    } catch (error) {
      if (!(error instanceof EngineError && error.options.reason === 'cooldown')) throw error;
      const key = sealer.destinationKey(canonicalDestination(destination.to));
      const pending = await deps.store.findPending(key, deps.clock());
      if (!pending) throw error;
      log.info('code sent moments ago; the new challenge points at it', { verificationId: pending.id });
      return challengeOf(pending);
    }
  }

  function signInError(error: unknown): SignInError {
    if (error instanceof SignInError) return error;
    // The engine's errors are written for callers: a limit, a refused country, a refused delivery.
    if (error instanceof EngineError) return new SignInError(error.message);
    log.error('sign-in challenge not created', describeError(error));
    return new SignInError(UNAVAILABLE_MESSAGE);
  }
}

const challengeOf = (record: VerificationRecord): Challenge => ({
  channel: record.channel,
  maskedTo: record.maskedTo,
  codeLength: record.codeLength,
  verificationId: record.id,
  expiresAt: record.expiresAt,
  attemptsLeft: attemptsRemaining(record),
});
