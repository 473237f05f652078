import { randomBytes, randomUUID } from 'node:crypto';
import type {
  CreateAuthChallengeTriggerEvent,
  DefineAuthChallengeTriggerEvent,
  VerifyAuthChallengeResponseTriggerEvent,
} from 'aws-lambda';

/**
 * A user pool's custom authentication flow, driven the way Cognito drives it, for tests of the three
 * triggers:
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
 * - every answer returns a new session string and invalidates the old one; a session string is good
 *   for `authSessionValiditySeconds` (3 to 15 minutes, default 3) after it was issued, and a sign-in
 *   for 15 minutes at most;
 * - with PreventUserExistenceErrors an unknown username runs the triggers with `userNotFound: true`
 *   and empty attributes; without it, InitiateAuth fails with UserNotFoundException;
 * - a trigger that throws fails the call with UserLambdaValidationException
 *   ("<Trigger> failed with error <message>."), and a malformed trigger response with
 *   InvalidLambdaResponseException;
 * - events cross a JSON boundary, as they do between Cognito and Lambda.
 */
export interface SimulatedUser {
  username: string;
  attributes: Record<string, string>;
}

export interface CognitoTriggers {
  define(event: DefineAuthChallengeTriggerEvent): Promise<DefineAuthChallengeTriggerEvent>;
  create(event: CreateAuthChallengeTriggerEvent): Promise<CreateAuthChallengeTriggerEvent>;
  verify(event: VerifyAuthChallengeResponseTriggerEvent): Promise<VerifyAuthChallengeResponseTriggerEvent>;
}

export interface SimulatorOptions {
  triggers: CognitoTriggers;
  /** Epoch milliseconds; the test's clock, shared with the engine. */
  clock: () => number;
  users?: SimulatedUser[];
  /** @default true (the CDK and console default for new app clients) */
  preventUserExistenceErrors?: boolean;
  /** The app client's AuthSessionValidity, 180–900 s. @default 180 */
  authSessionValiditySeconds?: number;
  userPoolId?: string;
  clientId?: string;
}

export type CognitoErrorName =
  | 'NotAuthorizedException'
  | 'UserNotFoundException'
  | 'UserLambdaValidationException'
  | 'InvalidLambdaResponseException'
  | 'InvalidParameterException';

/** An error as the Cognito API answers it (its `name` is the SDK's exception name). */
export class CognitoError extends Error {
  constructor(
    override readonly name: CognitoErrorName,
    message: string,
  ) {
    super(message);
  }
}

/** What InitiateAuth and RespondToAuthChallenge answer. */
export type AuthResponse =
  | {
      ChallengeName: 'CUSTOM_CHALLENGE';
      Session: string;
      ChallengeParameters: Record<string, string>;
      AuthenticationResult?: undefined;
    }
  | {
      ChallengeName?: undefined;
      AuthenticationResult: {
        AccessToken: string;
        IdToken: string;
        RefreshToken: string;
        TokenType: 'Bearer';
      };
    };

/** One round as the simulator remembers it (the test may look; the app only sees `Session`). */
export interface SessionRound {
  challengeName: 'CUSTOM_CHALLENGE';
  challengeResult?: boolean;
  challengeMetadata?: string;
  publicChallengeParameters: Record<string, string>;
  privateChallengeParameters: Record<string, string>;
}

interface SignIn {
  username: string;
  user: SimulatedUser | undefined;
  startedAt: number;
  issuedAt: number;
  rounds: SessionRound[];
}

const MAX_SIGN_IN_MS = 15 * 60 * 1000;
const REGION = 'eu-west-1';

export class CognitoSimulator {
  readonly #options: SimulatorOptions;
  readonly #users = new Map<string, SimulatedUser>();
  readonly #sessions = new Map<string, SignIn>();
  /** Every event each trigger received, in order, as it received it. */
  readonly invocations: Array<{ trigger: 'define' | 'create' | 'verify'; event: unknown }> = [];

  constructor(options: SimulatorOptions) {
    const validity = options.authSessionValiditySeconds ?? 180;
    if (validity < 180 || validity > 900) throw new RangeError('AuthSessionValidity is 3 to 15 minutes');
    this.#options = options;
    for (const user of options.users ?? []) this.addUser(user);
  }

  addUser(user: SimulatedUser): void {
    this.#users.set(user.username, {
      ...user,
      attributes: { sub: randomUUID(), 'cognito:user_status': 'CONFIRMED', ...user.attributes },
    });
  }

  /** InitiateAuth with AuthFlow CUSTOM_AUTH. `clientMetadata` is accepted, and (as in Cognito) not given to the triggers. */
  async initiateAuth(input: {
    username: string;
    clientMetadata?: Record<string, string>;
  }): Promise<AuthResponse> {
    const user = this.#users.get(input.username);
    if (!user && this.#options.preventUserExistenceErrors === false) {
      throw new CognitoError('UserNotFoundException', 'User does not exist.');
    }
    const now = this.#options.clock();
    const signIn: SignIn = { username: input.username, user, startedAt: now, issuedAt: now, rounds: [] };
    return this.#next(signIn, undefined);
  }

  /** RespondToAuthChallenge with ChallengeName CUSTOM_CHALLENGE and ChallengeResponses.ANSWER. */
  async respondToAuthChallenge(input: {
    session: string;
    answer: string;
    clientMetadata?: Record<string, string>;
  }): Promise<AuthResponse> {
    const signIn = this.#sessions.get(input.session);
    const now = this.#options.clock();
    const validityMs = (this.#options.authSessionValiditySeconds ?? 180) * 1000;
    if (!signIn || now >= signIn.issuedAt + validityMs || now >= signIn.startedAt + MAX_SIGN_IN_MS) {
      throw new CognitoError('NotAuthorizedException', 'Invalid session for the user, session is expired.');
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
      if (!signIn.user) throw new Error('simulator: tokens issued for a user that does not exist');
      return {
        AuthenticationResult: {
          AccessToken: `access.${randomUUID()}`,
          IdToken: `id.${randomUUID()}`,
          RefreshToken: `refresh.${randomUUID()}`,
          TokenType: 'Bearer',
        },
      };
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
    const token = randomBytes(48).toString('base64');
    this.#sessions.set(token, signIn);
    return {
      ChallengeName: 'CUSTOM_CHALLENGE',
      Session: token,
      ChallengeParameters: { ...publicChallengeParameters, USERNAME: signIn.username },
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

  #common<T extends string>(signIn: SignIn, triggerSource: T) {
    return {
      version: '1',
      region: REGION,
      userPoolId: this.#options.userPoolId ?? `${REGION}_Simulated`,
      triggerSource,
      userName: signIn.user?.username ?? signIn.username,
      callerContext: {
        awsSdkVersion: 'aws-sdk-unknown-unknown',
        clientId: this.#options.clientId ?? 'simulatedclientid',
      },
    };
  }

  #attributes(signIn: SignIn): Record<string, string> {
    return signIn.user ? { ...signIn.user.attributes } : {};
  }

  #userNotFound(signIn: SignIn) {
    return signIn.user ? {} : { userNotFound: true };
  }
}
