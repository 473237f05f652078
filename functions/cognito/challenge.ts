/**
 * What the three Cognito custom-auth triggers share: the options a pool is deployed with, the
 * challenge metadata that carries a verification from one round to the next, and the one error type
 * whose message the app may show.
 *
 * How Cognito moves data between triggers decides the shape of this module:
 * - the session array the triggers receive holds, per earlier round, only `challengeName`,
 *   `challengeResult` and `challengeMetadata` (never the private challenge parameters), so the
 *   verification id travels in `challengeMetadata` (no code ever does);
 * - `ClientMetadata` sent with InitiateAuth reaches none of these triggers; only the metadata sent
 *   with RespondToAuthChallenge reaches define, create and verify. So a sign-in starts on the pool's
 *   default channel, and a `channel` in RespondToAuthChallenge's metadata asks for the code again,
 *   on that channel (a "delivery request": its answer is not checked and costs no attempt).
 */
import { destinationKeyOf } from '../core/ids.ts';
import { CHANNELS, type Channel } from '../core/verification.ts';
import { OTP_COGNITO_ALLOWED_CHANNELS, OTP_COGNITO_REQUIRE_VERIFIED } from '../env.ts';

export const CUSTOM_CHALLENGE = 'CUSTOM_CHALLENGE';

export interface CognitoOptions {
  /**
   * Channels a sign-in may use, in order of preference for the default choice: the first one the user
   * has a usable destination for (a phone number for sms, voice and whatsapp, an email address for email).
   * `clientMetadata.channel` may pick any of them.
   */
  allowedChannels: readonly Channel[];
  /** Send only to `phone_number_verified` / `email_verified` attributes. */
  requireVerifiedDestination: boolean;
}

export const DEFAULT_COGNITO_OPTIONS: CognitoOptions = {
  allowedChannels: ['sms', 'email', 'voice'],
  requireVerifiedDestination: true,
};

/** `OTP_COGNITO_ALLOWED_CHANNELS` (e.g. "email,sms") and `OTP_COGNITO_REQUIRE_VERIFIED` ("true" / "false"). */
export function cognitoOptionsFromEnv(env: Record<string, string | undefined>): CognitoOptions {
  const options = { ...DEFAULT_COGNITO_OPTIONS };
  const channels = env[OTP_COGNITO_ALLOWED_CHANNELS];
  if (channels !== undefined && channels.trim() !== '') {
    const list = channels
      .split(',')
      .map((channel) => channel.trim().toLowerCase())
      .filter(Boolean);
    const bad = list.find((channel) => !isChannel(channel));
    if (bad)
      throw new Error(`${OTP_COGNITO_ALLOWED_CHANNELS} holds "${bad}", not one of ${CHANNELS.join(', ')}`);
    options.allowedChannels = [...new Set(list as Channel[])];
  }
  const verified = env[OTP_COGNITO_REQUIRE_VERIFIED];
  if (verified !== undefined && verified !== '') {
    if (verified !== 'true' && verified !== 'false') {
      throw new Error(`${OTP_COGNITO_REQUIRE_VERIFIED} must be "true" or "false" (got "${verified}")`);
    }
    options.requireVerifiedDestination = verified === 'true';
  }
  return options;
}

export const isChannel = (value: unknown): value is Channel =>
  typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);

/**
 * The only error whose message reaches the app (Cognito answers "CreateAuthChallenge failed with
 * error <message>."). Anything else is logged and replaced by a generic message.
 */
export class SignInError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignInError';
  }
}

export const UNAVAILABLE_MESSAGE = 'Sign-in with a code is unavailable right now; try again shortly.';

/**
 * What one round's `challengeMetadata` says:
 * `OTP-<channel>:<verification id>:<expires at, epoch s>:<attempts left>[:resent]`. The expiry and the
 * attempts left when the round was created let the define trigger decide from the session alone, with
 * no read of its own (the verify trigger's check stays the guard: it counts and compares every answer).
 */
export interface ChallengeMetadata {
  channel: Channel;
  verificationId: string;
  /** When the code expires (epoch ms); absent in the metadata of rounds created before it was added. */
  expiresAt?: number;
  /** Attempts the verification had left when this round was created (absent likewise). */
  attemptsLeft?: number;
  /** This round began with a delivery request, so the previous round's failure was not a wrong code. */
  resent: boolean;
}

const METADATA_PATTERN = new RegExp(
  `^OTP-(${CHANNELS.join('|')}):([^:]+)(?::(\\d{1,12}):(\\d{1,4}))?(:resent)?$`,
);

export function formatMetadata(metadata: ChallengeMetadata): string {
  const limits =
    metadata.expiresAt === undefined || metadata.attemptsLeft === undefined
      ? ''
      : `:${Math.ceil(metadata.expiresAt / 1000)}:${metadata.attemptsLeft}`;
  return `OTP-${metadata.channel}:${metadata.verificationId}${limits}${metadata.resent ? ':resent' : ''}`;
}

export function parseMetadata(value: string | undefined): ChallengeMetadata | undefined {
  const match = value === undefined ? null : METADATA_PATTERN.exec(value);
  if (!match || destinationKeyOf(match[2]!) === undefined) return undefined;
  return {
    channel: match[1] as Channel,
    verificationId: match[2]!,
    ...(match[3] === undefined ? {} : { expiresAt: Number(match[3]) * 1000, attemptsLeft: Number(match[4]) }),
    resent: match[5] !== undefined,
  };
}

/** One entry of the session array as every trigger receives it. */
export interface SessionEntry {
  challengeName: string;
  challengeResult: boolean;
  challengeMetadata?: string | undefined;
}

/** A respond whose client metadata names a channel asks for the code (again) instead of answering. */
export const isDeliveryRequest = (clientMetadata: Record<string, string> | undefined): boolean =>
  typeof clientMetadata?.['channel'] === 'string' && clientMetadata['channel'] !== '';

/**
 * Wrong answers in the session: failed rounds, less those that were delivery requests. A round's
 * request is known from the next round's metadata (`resent`), the last one's from the current
 * request's client metadata. Malformed answers count: the session allows `maxAttempts` answers that
 * are not the code, for a known and an unknown user alike.
 */
export function wrongAnswers(
  session: readonly SessionEntry[],
  clientMetadata: Record<string, string> | undefined,
): number {
  let count = 0;
  session.forEach((entry, index) => {
    if (entry.challengeResult) return;
    const next = session[index + 1];
    const wasDeliveryRequest = next
      ? parseMetadata(next.challengeMetadata)?.resent === true
      : isDeliveryRequest(clientMetadata);
    if (!wasDeliveryRequest) count++;
  });
  return count;
}
