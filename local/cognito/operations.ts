import { cognitoOptionsFromEnv } from '../../functions/cognito/challenge.ts';
import { createCreateAuthChallengeHandler } from '../../functions/cognito/create-auth-challenge.ts';
import { createDefineAuthChallengeHandler } from '../../functions/cognito/define-auth-challenge.ts';
import { createVerifyAuthChallengeHandler } from '../../functions/cognito/verify-auth-challenge.ts';
import type { SendDeps } from '../../functions/core/deps.ts';
import { CognitoError } from './errors.ts';
import { CustomAuthFlow } from './sessions.ts';
import { TokenIssuer } from './tokens.ts';
import { type PoolUser, UserDirectory, type UserSeed, userSeedsFromEnv } from './users.ts';

/** What `GET /_local/cognito` answers: the values to give Amplify or the SDK. */
export interface LocalCognitoInfo {
  endpoint: string;
  region: string;
  userPoolId: string;
  clientId: string;
}

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_USER_POOL_ID = `${LOCAL_REGION}_onetimeLocal`;
export const LOCAL_CLIENT_ID = 'onetimelocalappclient';

export interface LocalUserPoolOptions {
  /** Local mode's engine deps (the HTTP API's): the same store, secret, settings, senders and outbox. */
  deps: SendDeps;
  /** `OTP_COGNITO_*` (the triggers' options) and `OTP_LOCAL_COGNITO_USERS` (the users to start with). */
  env: Record<string, string | undefined>;
  /** Where the JSON protocol is served, e.g. `http://127.0.0.1:3000/_local/cognito`. */
  endpoint: string;
  /** Overrides the users `env` names. */
  users?: UserSeed[];
}

type Input = Record<string, unknown>;
type Operation = (input: Input) => Promise<object> | object;

/**
 * A user pool with one app client, as the passwordless example deploys it (custom auth and refresh
 * only, PreventUserExistenceErrors, 3-minute sessions), running the project's own Define / Create /
 * Verify trigger handlers on local mode's engine. Each operation takes and returns what the Cognito
 * API does on the wire.
 */
export class LocalUserPool {
  readonly info: LocalCognitoInfo;
  readonly users: UserDirectory;
  readonly flow: CustomAuthFlow;
  readonly tokens: TokenIssuer;
  readonly #operations: Record<string, Operation>;

  constructor(options: LocalUserPoolOptions) {
    const { deps } = options;
    this.info = {
      endpoint: options.endpoint,
      region: LOCAL_REGION,
      userPoolId: LOCAL_USER_POOL_ID,
      clientId: LOCAL_CLIENT_ID,
    };
    this.users = new UserDirectory(deps.clock);
    for (const seed of options.users ?? userSeedsFromEnv(options.env)) this.users.create(seed);
    this.tokens = new TokenIssuer({
      issuer: `${options.endpoint}/${LOCAL_USER_POOL_ID}`,
      clientId: LOCAL_CLIENT_ID,
      clock: deps.clock,
    });
    this.flow = new CustomAuthFlow({
      triggers: {
        define: createDefineAuthChallengeHandler(deps),
        create: createCreateAuthChallengeHandler({ ...deps, options: cognitoOptionsFromEnv(options.env) }),
        verify: createVerifyAuthChallengeHandler(deps),
      },
      clock: deps.clock,
      users: this.users,
      region: LOCAL_REGION,
      userPoolId: LOCAL_USER_POOL_ID,
      clientId: LOCAL_CLIENT_ID,
      issueTokens: (user) => this.tokens.signIn(user),
    });
    this.#operations = this.#define();
  }

  /** Runs `X-Amz-Target: AWSCognitoIdentityProviderService.<operation>`; throws a CognitoError. */
  async call(operation: string, input: Input): Promise<object> {
    const run = Object.hasOwn(this.#operations, operation) ? this.#operations[operation] : undefined;
    if (!run) {
      throw new CognitoError(
        'UnknownOperationException',
        `${operation} is not served by onetime's local Cognito endpoint; it serves ${Object.keys(this.#operations).join(', ')}.`,
      );
    }
    return run(input);
  }

  #define(): Record<string, Operation> {
    const { users, flow, tokens } = this;
    return {
      AdminCreateUser: (input) => {
        this.#pool(input);
        const user = users.create(
          { username: text(input, 'Username'), attributes: attributeMap(input['UserAttributes']) },
          'FORCE_CHANGE_PASSWORD',
        );
        return { User: describe(user) };
      },
      AdminGetUser: (input) => {
        this.#pool(input);
        return describeWithUserAttributes(users.require(text(input, 'Username')));
      },
      AdminDeleteUser: (input) => {
        this.#pool(input);
        const username = text(input, 'Username');
        users.delete(username);
        tokens.revokeUser(username);
        return {};
      },
      AdminUpdateUserAttributes: (input) => {
        this.#pool(input);
        users.update(text(input, 'Username'), attributeMap(input['UserAttributes']));
        return {};
      },
      InitiateAuth: async (input) => {
        this.#client(input);
        const flowName = text(input, 'AuthFlow');
        const parameters = stringMap(input['AuthParameters'], 'AuthParameters');
        if (flowName === 'CUSTOM_AUTH') {
          const username = parameters['USERNAME'];
          if (!username)
            throw new CognitoError('InvalidParameterException', 'Missing required parameter USERNAME');
          return flow.initiateAuth({ username });
        }
        if (flowName === 'REFRESH_TOKEN_AUTH' || flowName === 'REFRESH_TOKEN') {
          const refreshToken = parameters['REFRESH_TOKEN'] ?? parameters['REFRESH'];
          return {
            AuthenticationResult: tokens.refresh(refreshToken, (name) => users.get(name)),
            ChallengeParameters: {},
          };
        }
        throw new CognitoError('InvalidParameterException', `${flowName} flow not enabled for this client`);
      },
      RespondToAuthChallenge: (input) => {
        this.#client(input);
        if (input['ChallengeName'] !== 'CUSTOM_CHALLENGE') {
          throw new CognitoError(
            'InvalidParameterException',
            'This client supports the CUSTOM_CHALLENGE only.',
          );
        }
        const responses = stringMap(input['ChallengeResponses'], 'ChallengeResponses');
        const clientMetadata = input['ClientMetadata'];
        return flow.respondToAuthChallenge({
          session: text(input, 'Session'),
          answer: responses['ANSWER'] ?? '',
          ...(responses['USERNAME'] === undefined ? {} : { username: responses['USERNAME'] }),
          ...(clientMetadata === undefined
            ? {}
            : { clientMetadata: stringMap(clientMetadata, 'ClientMetadata') }),
        });
      },
      GetTokensFromRefreshToken: (input) => {
        this.#client(input);
        return { AuthenticationResult: tokens.refresh(input['RefreshToken'], (name) => users.get(name)) };
      },
      GetUser: (input) => {
        const { Username, UserAttributes } = describeWithUserAttributes(this.#userOf(input));
        return { Username, UserAttributes };
      },
      GlobalSignOut: (input) => {
        tokens.revokeUser(this.#userOf(input).username);
        return {};
      },
      RevokeToken: (input) => {
        this.#client(input);
        tokens.revokeRefreshToken(text(input, 'Token'));
        return {};
      },
    };
  }

  #userOf(input: Input): PoolUser {
    const claims = this.tokens.accessClaims(input['AccessToken']);
    const user = this.users.get(claims['username'] as string);
    if (!user) throw new CognitoError('UserNotFoundException', 'User does not exist.');
    return user;
  }

  #pool(input: Input): void {
    const id = text(input, 'UserPoolId');
    if (id !== this.info.userPoolId)
      throw new CognitoError('ResourceNotFoundException', `User pool ${id} does not exist.`);
  }

  #client(input: Input): void {
    const id = text(input, 'ClientId');
    if (id !== this.info.clientId) {
      throw new CognitoError('ResourceNotFoundException', `User pool client ${id} does not exist.`);
    }
  }
}

function text(input: Input, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') {
    throw new CognitoError(
      'InvalidParameterException',
      `1 validation error detected: Value at '${lower(name)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

const lower = (name: string) => name[0]!.toLowerCase() + name.slice(1);

function stringMap(value: unknown, name: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (
    typeof value !== 'object' ||
    Array.isArray(value) ||
    Object.values(value).some((v) => typeof v !== 'string')
  ) {
    throw new CognitoError('InvalidParameterException', `${name} must be a map of strings.`);
  }
  return value as Record<string, string>;
}

/** `[{Name, Value}]` as Cognito sends attributes → `{name: value}`. */
function attributeMap(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  const list = Array.isArray(value) ? value : undefined;
  const valid = list?.every(
    (entry) =>
      typeof entry?.Name === 'string' && entry.Name !== '' && typeof (entry.Value ?? '') === 'string',
  );
  if (!list || !valid)
    throw new CognitoError('InvalidParameterException', 'UserAttributes must be a list of {Name, Value}.');
  return Object.fromEntries(
    list.map((entry: { Name: string; Value?: string }) => [entry.Name, entry.Value ?? '']),
  );
}

/** A user as AdminCreateUser describes one (AdminGetUser and GetUser name the list `UserAttributes`). */
function describe(user: PoolUser) {
  return {
    Username: user.username,
    Attributes: Object.entries(user.attributes).map(([Name, Value]) => ({ Name, Value })),
    UserCreateDate: user.createdAt / 1000,
    UserLastModifiedDate: user.modifiedAt / 1000,
    Enabled: user.enabled,
    UserStatus: user.status,
  };
}

function describeWithUserAttributes(user: PoolUser) {
  const { Attributes, ...rest } = describe(user);
  return { ...rest, UserAttributes: Attributes };
}
