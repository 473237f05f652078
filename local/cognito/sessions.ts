import { randomBytes } from 'node:crypto';
import type {
  CreateAuthChallengeTriggerEvent,
  DefineAuthChallengeTriggerEvent,
  VerifyAuthChallengeResponseTriggerEvent,
} from 'aws-lambda';
import { CognitoError } from './errors.ts';
import { type PoolUser, UserDirectory, type UserSeed } from './users.ts';

/**
 * A user pool's custom authentication flow, driven the way Cognito drives it: local mode's Cognito
 * endpoint runs it, and the trigger tests drive it directly with their own clock.
 *
 *   InitiateAuth(CUSTOM_AUTH) → define(session []) → create → challenge to the app
 *   RespondToAuthChallenge(ANSWER) → verify → define(session + {challengeName, challengeResult,
 *     challengeMetadata}) → issueTokens | failAuthentication | create → next challenge
 *
 * What it reproduces because the triggers depend on it:
 * - the session array holds only challengeName, challengeResult and challengeMetadata per round (never
 *   the private challenge parameters);
 * - ClientMetadata given to InitiateAuth reaches none of the three triggers; ClientMetadata given to
 *   RespondToAuthChallenge reaches verify, define and create;
 * - every answer returns a new session string and invalidates the old one (a session is answered
 *   once); a session string is good for `authSessionValiditySeconds` (3 to 15 minutes, default 3)
 *   after it was issued, and a sign-in for 15 minutes at most;
 * - with PreventUserExistenceErrors an unknown username runs the triggers with `userNotFound: true`
 *   and empty attributes (the create trigger answers with a decoy); without it, InitiateAuth fails
 *   with UserNotFoundException;
 * - a trigger that throws fails the call with UserLambdaValidationException
 *   ("<Trigger> failed with error <message>."), and a malformed trigger response with
 *   InvalidLambdaResponseException;
 * - events cross a JSON boundary, as they do between Cognito and Lambda.
 */
export interface CognitoTriggers {
  define(event: DefineAuthChallengeTriggerEvent): Promise<DefineAuthChallengeTriggerEvent>;
  create(event: CreateAuthChallengeTriggerEvent): Promise<CreateAuthChallengeTriggerEvent>;
  verify(event: VerifyAuthChallengeResponseTriggerEvent): Promise<VerifyAuthChallengeResponseTriggerEvent>;
}

/** What a signed-in user gets; local mode's endpoint signs JWTs (tokens.ts). */
export interface AuthenticationResult {
  AccessToken: string;
  IdToken: string;
  RefreshToken?: string;
  ExpiresIn: number;
  TokenType: 'Bearer';
}

export interface CustomAuthOptions {
  triggers: CognitoTriggers;
  /** Epoch milliseconds; a test's clock, shared with the engine. */
  clock: () => number;
  /** The pool's users, or seeds for a directory of its own. */
  users?: UserDirectory | UserSeed[];
  /** @default true (the CDK and console default for new app clients) */
  preventUserExistenceErrors?: boolean;
  /** The app client's AuthSessionValidity, 180–900 s. @default 180 */
  authSessionValiditySeconds?: number;
  region?: string;
  userPoolId?: string;
  clientId?: string;
  /** Tokens for a user the define trigger let in. @default opaque strings (the triggers' tests need no JWT) */
  issueTokens?: (user: PoolUser) => AuthenticationResult;
}

/** What InitiateAuth and RespondToAuthChallenge answer. */
export type AuthResponse =
  | {
      ChallengeName: 'CUSTOM_CHALLENGE';
      Session: string;
      ChallengeParameters: Record<string, string>;
      AuthenticationResult?: undefined;
    }
  | { ChallengeName?: undefined; AuthenticationResult: AuthenticationResult };

/** One round as the flow remembers it (a test may look; the app only sees `Session`). */
export interface SessionRound {
  challengeName: 'CUSTOM_CHALLENGE';
  challengeResult?: boolean;
  challengeMetadata?: string;
  publicChallengeParameters: Record<string, string>;
  privateChallengeParameters: Record<string, string>;
}

interface SignIn {
  /** The name the app signed in with: the username, or an email or phone alias. */
  signInName: string;
  user: PoolUser | undefined;
  startedAt: number;
  issuedAt: number;
  rounds: SessionRound[];
}

const MAX_SIGN_IN_MS = 15 * 60 * 1000;
const EXPIRED = 'Invalid session for the user, session is expired.';

export class CustomAuthFlow {
  readonly #options: CustomAuthOptions;
  readonly users: UserDirectory;
  readonly #sessions = new Map<string, SignIn>();
  /** Every event each trigger received, in order, as it received it. */
  readonly invocations: Array<{ trigger: 'define' | 'create' | 'verify'; event: unknown }> = [];

  constructor(options: CustomAuthOptions) {
    const validity = options.authSessionValiditySeconds ?? 180;
    if (validity < 180 || validity > 900) throw new RangeError('AuthSessionValidity is 3 to 15 minutes');
    this.#options = options;
    if (options.users instanceof UserDirectory) {
      this.users = options.users;
    } else {
      this.users = new UserDirectory(options.clock);
      for (const seed of options.users ?? []) this.users.create(seed);
    }
  }

  /** InitiateAuth with AuthFlow CUSTOM_AUTH. `clientMetadata` is accepted, and (as in Cognito) not given to the triggers. */
  async initiateAuth(input: {
    username: string;
    clientMetadata?: Record<string, string>;
  }): Promise<AuthResponse> {
    const user = this.users.find(input.username);
    if (!user && this.#options.preventUserExistenceErrors === false) {
      throw new CognitoError('UserNotFoundException', 'User does not exist.');
    }
    if (user && !user.enabled) throw new CognitoError('NotAuthorizedException', 'User is disabled.');
    const now = this.#options.clock();
    const signIn: SignIn = { signInName: input.username, user, startedAt: now, issuedAt: now, rounds: [] };
    return this.#next(signIn, undefined);
  }

  /** RespondToAuthChallenge with ChallengeName CUSTOM_CHALLENGE and ChallengeResponses.ANSWER. */
  async respondToAuthChallenge(input: {
    session: string;
    answer: string;
    /** ChallengeResponses.USERNAME, when the app sends it: must name the user of the session. */
    username?: string;
    clientMetadata?: Record<string, string>;
  }): Promise<AuthResponse> {
    const signIn = this.#sessions.get(input.session);
    const now = this.#options.clock();
    const validityMs = (this.#options.authSessionValiditySeconds ?? 180) * 1000;
    if (!signIn || now >= signIn.issuedAt + validityMs || now >= signIn.startedAt + MAX_SIGN_IN_MS) {
      throw new CognitoError('NotAuthorizedException', EXPIRED);
    }
    if (
      input.username !== undefined &&
      ![signIn.signInName, signIn.user?.username].includes(input.username)
    ) {
      throw new CognitoError('NotAuthorizedException', 'Invalid session for the user.');
    }
    this.#sessions.delete(input.session);
    if (typeof input.answer !== 'string' || input.answer === '') {
      throw new CognitoError('InvalidParameterException', 'Missing required parameter ANSWER');
    }
    const round = signIn.rounds.at(-1)!;

    const verified = await this.#invoke('verify', 'VerifyAuthChallengeResponse', {
      ...this.#common(signIn, 'VerifyAuthChallengeResponse_Authentication'),
      request: {
        userAttributes: this.#attributes(signIn),
        privateChallengeParameters: round.privateChallengeParameters,
        challengeAnswer: input.answer,
        ...this.#userNotFound(signIn),
        ...(input.clientMetadata ? { clientMetadata: input.clientMetadata } : {}),
      },
      response: {} as VerifyAuthChallengeResponseTriggerEvent['response'],
    } satisfies VerifyAuthChallengeResponseTriggerEvent);
    if (typeof verified.response?.answerCorrect !== 'boolean') {
      throw new CognitoError('InvalidLambdaResponseException', 'Invalid lambda response: answerCorrect');
    }
    round.challengeResult = verified.response.answerCorrect;
    signIn.issuedAt = now;
    return this.#next(signIn, input.clientMetadata);
  }

  /** The rounds of the sign-in a session string belongs to (for assertions on what the triggers stored). */
  roundsOf(session: string): readonly SessionRound[] {
    return this.#sessions.get(session)?.rounds ?? [];
  }

  async #next(signIn: SignIn, clientMetadata: Record<string, string> | undefined): Promise<AuthResponse> {
    const session = signIn.rounds.map((round) => ({
      challengeName: round.challengeName,
      challengeResult: round.challengeResult ?? false,
      ...(round.challengeMetadata === undefined ? {} : { challengeMetadata: round.challengeMetadata }),
    }));
    const metadata = clientMetadata ? { clientMetadata } : {};

    const defined = await this.#invoke('define', 'DefineAuthChallenge', {
      ...this.#common(signIn, 'DefineAuthChallenge_Authentication'),
      request: {
        userAttributes: this.#attributes(signIn),
        session,
        ...this.#userNotFound(signIn),
        ...metadata,
      },
      response: {} as DefineAuthChallengeTriggerEvent['response'],
    } satisfies DefineAuthChallengeTriggerEvent);
    const decision = defined.response ?? {};
    if (decision.issueTokens === true && decision.failAuthentication !== true) {
      // Cognito itself never issues tokens to a user it does not have, whatever define says.
      if (!signIn.user || !this.users.get(signIn.user.username)) {
        throw new CognitoError('NotAuthorizedException', 'Incorrect username or password.');
      }
      return { AuthenticationResult: (this.#options.issueTokens ?? opaqueTokens)(signIn.user) };
    }
    if (decision.failAuthentication === true) {
      throw new CognitoError('NotAuthorizedException', 'Incorrect username or password.');
    }
    if (decision.challengeName !== 'CUSTOM_CHALLENGE') {
      throw new CognitoError('InvalidLambdaResponseException', 'Invalid lambda response: challengeName');
    }

    const created = await this.#invoke('create', 'CreateAuthChallenge', {
      ...this.#common(signIn, 'CreateAuthChallenge_Authentication'),
      request: {
        userAttributes: this.#attributes(signIn),
        challengeName: 'CUSTOM_CHALLENGE',
        session,
        ...this.#userNotFound(signIn),
        ...metadata,
      },
      response: {} as CreateAuthChallengeTriggerEvent['response'],
    } satisfies CreateAuthChallengeTriggerEvent);
    const {
      publicChallengeParameters = {},
      privateChallengeParameters = {},
      challengeMetadata,
    } = created.response ?? {};
    for (const map of [publicChallengeParameters, privateChallengeParameters]) {
      if (Object.values(map).some((value) => typeof value !== 'string')) {
        throw new CognitoError('InvalidLambdaResponseException', 'Invalid lambda response: parameters');
      }
    }
    signIn.rounds.push({
      challengeName: 'CUSTOM_CHALLENGE',
      publicChallengeParameters,
      privateChallengeParameters,
      ...(challengeMetadata === undefined ? {} : { challengeMetadata }),
    });
    this.#forgetExpired();
    const token = randomBytes(48).toString('base64');
    this.#sessions.set(token, signIn);
    return {
      ChallengeName: 'CUSTOM_CHALLENGE',
      Session: token,
      ChallengeParameters: { ...publicChallengeParameters, USERNAME: this.#userName(signIn) },
    };
  }

  async #invoke<E>(trigger: 'define' | 'create' | 'verify', label: string, event: E): Promise<E> {
    const sent = JSON.parse(JSON.stringify(event)) as E;
    this.invocations.push({ trigger, event: JSON.parse(JSON.stringify(event)) });
    let returned: unknown;
    try {
      const fn = this.#options.triggers[trigger] as unknown as (event: E) => Promise<unknown>;
      returned = await fn(sent);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new CognitoError('UserLambdaValidationException', `${label} failed with error ${message}.`);
    }
    return JSON.parse(JSON.stringify(returned ?? {})) as E;
  }

  /** Sign-ins abandoned mid-way are dropped once they could no longer be answered. */
  #forgetExpired(): void {
    const cutoff = this.#options.clock() - MAX_SIGN_IN_MS;
    for (const [token, signIn] of this.#sessions) if (signIn.issuedAt < cutoff) this.#sessions.delete(token);
  }

  #common<T extends string>(signIn: SignIn, triggerSource: T) {
    const region = this.#options.region ?? 'eu-west-1';
    return {
      version: '1',
      region,
      userPoolId: this.#options.userPoolId ?? `${region}_Simulated`,
      triggerSource,
      userName: this.#userName(signIn),
      callerContext: {
        awsSdkVersion: 'aws-sdk-unknown-unknown',
        clientId: this.#options.clientId ?? 'simulatedclientid',
      },
    };
  }

  #userName(signIn: SignIn): string {
    return signIn.user?.username ?? signIn.signInName;
  }

  #attributes(signIn: SignIn): Record<string, string> {
    if (!signIn.user) return {};
    return { ...signIn.user.attributes, 'cognito:user_status': signIn.user.status };
  }

  #userNotFound(signIn: SignIn) {
    return signIn.user ? {} : { userNotFound: true };
  }
}

const opaqueTokens = (): AuthenticationResult => ({
  AccessToken: `access.${randomBytes(16).toString('hex')}`,
  IdToken: `id.${randomBytes(16).toString('hex')}`,
  RefreshToken: `refresh.${randomBytes(16).toString('hex')}`,
  ExpiresIn: 3600,
  TokenType: 'Bearer',
});
