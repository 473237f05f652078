import { generateKeyPairSync, type KeyObject, randomBytes, randomUUID, sign, verify } from 'node:crypto';
import { CognitoError } from './errors.ts';
import type { AuthenticationResult } from './sessions.ts';
import type { PoolUser } from './users.ts';

/**
 * The pool's tokens as Cognito shapes them: RS256 id and access tokens (JWTs a backend verifies
 * against the key set at `<issuer>/.well-known/jwks.json`) and an opaque refresh token.
 *
 * Every sign-in is an "origin" (`origin_jti`): the refresh token and every access token it yields
 * share it, so RevokeToken (one refresh token) and GlobalSignOut (every origin of the user) end
 * exactly the tokens Cognito would end. The key pair is made per process, like the table.
 */
export interface TokenOptions {
  /** `<endpoint>/<userPoolId>`: the `iss` of every token. */
  issuer: string;
  clientId: string;
  clock?: () => number;
  /** @default 3600 (Cognito's default for id and access tokens) */
  accessSeconds?: number;
  /** @default 30 days */
  refreshSeconds?: number;
}

interface Origin {
  username: string;
  authTime: number;
  refreshExpiresAt: number;
  revoked: boolean;
}

export type Claims = Record<string, unknown>;

/** The id token carries the user's attributes, but never these. */
const NOT_IN_ID_TOKEN = new Set(['sub']);

export class TokenIssuer {
  readonly #options: Required<TokenOptions>;
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;
  readonly kid = randomBytes(16).toString('base64url');
  readonly #origins = new Map<string, Origin>();
  /** refresh token → origin_jti */
  readonly #refreshTokens = new Map<string, string>();

  constructor(options: TokenOptions) {
    this.#options = { clock: Date.now, accessSeconds: 3600, refreshSeconds: 30 * 86_400, ...options };
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.#privateKey = privateKey;
    this.#publicKey = publicKey;
  }

  get issuer(): string {
    return this.#options.issuer;
  }

  /** The JSON Web Key Set a backend verifies tokens with. */
  jwks(): { keys: Array<Record<string, unknown>> } {
    const jwk = this.#publicKey.export({ format: 'jwk' });
    return { keys: [{ ...jwk, kid: this.kid, alg: 'RS256', use: 'sig' }] };
  }

  /** A new sign-in: id, access and refresh tokens under a new origin. */
  signIn(user: PoolUser): AuthenticationResult {
    const origin = randomUUID();
    const now = this.#options.clock();
    this.#origins.set(origin, {
      username: user.username,
      authTime: Math.floor(now / 1000),
      refreshExpiresAt: now + this.#options.refreshSeconds * 1000,
      revoked: false,
    });
    const refreshToken = randomBytes(96).toString('base64url');
    this.#refreshTokens.set(refreshToken, origin);
    return { ...this.#issue(user, origin), RefreshToken: refreshToken };
  }

  /** New id and access tokens for a refresh token that is neither revoked nor expired (no rotation). */
  refresh(refreshToken: unknown, lookup: (username: string) => PoolUser | undefined): AuthenticationResult {
    const originId = typeof refreshToken === 'string' ? this.#refreshTokens.get(refreshToken) : undefined;
    const origin = originId === undefined ? undefined : this.#origins.get(originId);
    if (!origin || origin.refreshExpiresAt <= this.#options.clock()) {
      throw new CognitoError('NotAuthorizedException', 'Invalid Refresh Token');
    }
    if (origin.revoked) throw new CognitoError('NotAuthorizedException', 'Refresh Token has been revoked');
    const user = lookup(origin.username);
    if (!user) throw new CognitoError('NotAuthorizedException', 'Invalid Refresh Token');
    return this.#issue(user, originId!);
  }

  /** The claims of an access token this pool issued and has not revoked; Cognito's errors otherwise. */
  accessClaims(token: unknown): Claims {
    const claims = typeof token === 'string' ? this.#verified(token) : undefined;
    if (claims?.['token_use'] !== 'access') {
      throw new CognitoError('NotAuthorizedException', 'Invalid Access Token');
    }
    if ((claims['exp'] as number) * 1000 <= this.#options.clock()) {
      throw new CognitoError('NotAuthorizedException', 'Access Token has expired');
    }
    if (this.#origins.get(claims['origin_jti'] as string)?.revoked !== false) {
      throw new CognitoError('NotAuthorizedException', 'Access Token has been revoked');
    }
    return claims;
  }

  /** RevokeToken: the refresh token and the access tokens it yielded. Unknown tokens are ignored, as Cognito does. */
  revokeRefreshToken(refreshToken: unknown): void {
    const originId = typeof refreshToken === 'string' ? this.#refreshTokens.get(refreshToken) : undefined;
    const origin = originId === undefined ? undefined : this.#origins.get(originId);
    if (origin) origin.revoked = true;
  }

  /** GlobalSignOut / AdminDeleteUser: every token the user holds. */
  revokeUser(username: string): void {
    for (const origin of this.#origins.values()) if (origin.username === username) origin.revoked = true;
  }

  #issue(user: PoolUser, originJti: string): AuthenticationResult {
    const origin = this.#origins.get(originJti)!;
    const iat = Math.floor(this.#options.clock() / 1000);
    const exp = iat + this.#options.accessSeconds;
    const common = {
      sub: user.attributes['sub'],
      iss: this.issuer,
      origin_jti: originJti,
      event_id: randomUUID(),
    };
    const attributes = Object.fromEntries(
      Object.entries(user.attributes)
        .filter(([name]) => !NOT_IN_ID_TOKEN.has(name))
        .map(([name, value]) => [name, name.endsWith('_verified') ? value === 'true' : value]),
    );
    const idToken = this.#sign({
      ...attributes,
      ...common,
      aud: this.#options.clientId,
      'cognito:username': user.username,
      token_use: 'id',
      auth_time: origin.authTime,
      iat,
      exp,
      jti: randomUUID(),
    });
    const accessToken = this.#sign({
      ...common,
      client_id: this.#options.clientId,
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      auth_time: origin.authTime,
      iat,
      exp,
      jti: randomUUID(),
      username: user.username,
    });
    return {
      AccessToken: accessToken,
      IdToken: idToken,
      ExpiresIn: this.#options.accessSeconds,
      TokenType: 'Bearer',
    };
  }

  #sign(claims: Claims): string {
    const header = { kid: this.kid, alg: 'RS256' };
    const input = `${encode(header)}.${encode(claims)}`;
    return `${input}.${sign('sha256', Buffer.from(input), this.#privateKey).toString('base64url')}`;
  }

  #verified(token: string): Claims | undefined {
    const [header, payload, signature, extra] = token.split('.');
    if (!header || !payload || !signature || extra !== undefined) return undefined;
    const valid = verify(
      'sha256',
      Buffer.from(`${header}.${payload}`),
      this.#publicKey,
      Buffer.from(signature, 'base64url'),
    );
    if (!valid) return undefined;
    try {
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Claims;
    } catch {
      return undefined;
    }
  }
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
