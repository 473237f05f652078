import { execFile } from 'node:child_process';
import { createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  GetTokensFromRefreshTokenCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { Amplify } from 'aws-amplify';
import { confirmSignIn, fetchAuthSession, signIn, signOut } from 'aws-amplify/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCognitoInfo } from '../../local/cognito/operations.ts';
import { type LocalMode, startLocalMode } from '../../local/server.ts';
import { codeOf, wrongCodeFor } from '../support/codes.ts';

/**
 * Local mode's Cognito endpoint with the clients apps really use: SDK v3 and Amplify v6, over HTTP,
 * against `startLocalMode` (the same engine, table and outbox as the HTTP API), running the project's
 * own Define / Create / Verify trigger handlers.
 */
let local: LocalMode;
let info: LocalCognitoInfo;
let cognito: CognitoIdentityProviderClient;

beforeAll(async () => {
  local = await startLocalMode({ port: 0, quiet: true, env: {} });
  info = (await (await fetch(`${local.url}/_local/cognito`)).json()) as LocalCognitoInfo;
  cognito = new CognitoIdentityProviderClient({
    endpoint: info.endpoint,
    region: info.region,
    // Admin calls are signed; the local endpoint takes any credentials.
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  cognito?.destroy();
  await local?.stop();
});

let users = 0;
/** A new user (AdminCreateUser) with a verified phone number and email address of its own. */
async function newUser(attributes: Record<string, string> = {}) {
  users++;
  const username = `user${users}`;
  const phone = `+1415555${String(1000 + users).padStart(4, '0')}`;
  const email = `${username}@example.com`;
  const all = {
    phone_number: phone,
    phone_number_verified: 'true',
    email,
    email_verified: 'true',
    ...attributes,
  };
  await cognito.send(
    new AdminCreateUserCommand({
      UserPoolId: info.userPoolId,
      Username: username,
      UserAttributes: Object.entries(all).map(([Name, Value]) => ({ Name, Value })),
      MessageAction: 'SUPPRESS',
    }),
  );
  return { username, phone, email };
}

/** The code of the last message the outbox holds for `to`. */
function lastCodeTo(to: string): string {
  const message = local.outbox.messages.filter((m) => m.to === to).at(-1);
  if (!message) throw new Error(`no message to ${to}`);
  return codeOf(message);
}

const messagesTo = (to: string) => local.outbox.messages.filter((m) => m.to === to);

async function startSdkSignIn(username: string) {
  return cognito.send(
    new InitiateAuthCommand({
      ClientId: info.clientId,
      AuthFlow: 'CUSTOM_AUTH',
      AuthParameters: { USERNAME: username },
    }),
  );
}

async function answer(
  session: string | undefined,
  username: string,
  code: string,
  metadata?: Record<string, string>,
) {
  return cognito.send(
    new RespondToAuthChallengeCommand({
      ClientId: info.clientId,
      ChallengeName: 'CUSTOM_CHALLENGE',
      Session: session,
      ChallengeResponses: { USERNAME: username, ANSWER: code },
      ...(metadata ? { ClientMetadata: metadata } : {}),
    }),
  );
}

async function rejection(call: Promise<unknown>): Promise<Error> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof Error)) throw new Error('expected the call to fail');
  return error;
}

/** The claims of a JWT whose RS256 signature verifies against the key set the pool serves. */
async function verifiedClaims(token: string): Promise<Record<string, unknown>> {
  const discovery = (await (
    await fetch(`${info.endpoint}/${info.userPoolId}/.well-known/openid-configuration`)
  ).json()) as { issuer: string; jwks_uri: string };
  const { keys } = (await (await fetch(discovery.jwks_uri)).json()) as {
    keys: Array<JsonWebKey & { kid: string }>;
  };
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const { kid, alg } = JSON.parse(Buffer.from(header, 'base64url').toString());
  expect(alg).toBe('RS256');
  const jwk = keys.find((key) => key.kid === kid);
  if (!jwk) throw new Error(`no key ${kid} in the served key set`);
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  expect(
    verify('sha256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url')),
  ).toBe(true);
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  expect(claims.iss).toBe(discovery.issuer);
  expect(claims.exp * 1000).toBeGreaterThan(Date.now());
  return claims;
}

describe('the local Cognito endpoint, described', () => {
  it('names the pool at GET /_local/cognito, with its issuer’s discovery document and key set', async () => {
    expect(info).toEqual({
      endpoint: `${local.url}/_local/cognito`,
      region: 'us-east-1',
      userPoolId: 'us-east-1_onetimeLocal',
      clientId: 'onetimelocalappclient',
    });
    expect(local.cognito).toEqual(info);
    const discovery = (await (
      await fetch(`${info.endpoint}/${info.userPoolId}/.well-known/openid-configuration`)
    ).json()) as { jwks_uri: string };
    expect(discovery).toMatchObject({
      issuer: `${info.endpoint}/${info.userPoolId}`,
      jwks_uri: `${info.endpoint}/${info.userPoolId}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: ['RS256'],
    });
    const { keys } = (await (await fetch(discovery.jwks_uri)).json()) as { keys: unknown[] };
    expect(keys).toEqual([
      expect.objectContaining({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) }),
    ]);
  });

  it('answers a browser’s preflight, and errors as Cognito shapes them (__type, x-amzn-errortype), with CORS', async () => {
    const preflight = await fetch(info.endpoint, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-amz-target,x-amz-user-agent,cache-control',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('x-amz-target');

    const refused = await fetch(info.endpoint, {
      method: 'POST',
      headers: {
        origin: 'http://localhost:5173',
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
      },
      body: JSON.stringify({
        ClientId: 'someone-else',
        AuthFlow: 'CUSTOM_AUTH',
        AuthParameters: { USERNAME: 'ana' },
      }),
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
    expect(refused.headers.get('access-control-expose-headers')).toContain('x-amzn-errortype');
    expect(refused.headers.get('x-amzn-errortype')).toMatch(/^ResourceNotFoundException/);
    expect(await refused.json()).toEqual({
      __type: 'ResourceNotFoundException',
      message: 'User pool client someone-else does not exist.',
    });
  });

  it('refuses an operation it does not serve by name', async () => {
    const response = await fetch(info.endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSCognitoIdentityProviderService.SignUp' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { __type: string }).__type).toBe('UnknownOperationException');
  });
});

describe('SDK v3 (CognitoIdentityProviderClient with `endpoint`)', () => {
  it('manages users: AdminCreateUser, AdminGetUser, AdminUpdateUserAttributes, AdminDeleteUser', async () => {
    const { username } = await newUser();
    const got = await cognito.send(
      new AdminGetUserCommand({ UserPoolId: info.userPoolId, Username: username }),
    );
    expect(got.UserStatus).toBe('FORCE_CHANGE_PASSWORD');
    expect(got.UserCreateDate).toBeInstanceOf(Date);
    expect(got.UserAttributes).toEqual(
      expect.arrayContaining([
        { Name: 'email_verified', Value: 'true' },
        { Name: 'sub', Value: expect.any(String) },
      ]),
    );

    await cognito.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: info.userPoolId,
        Username: username,
        UserAttributes: [{ Name: 'email', Value: 'new@example.com' }],
      }),
    );
    const updated = await cognito.send(
      new AdminGetUserCommand({ UserPoolId: info.userPoolId, Username: username }),
    );
    // As in Cognito: a changed address is not verified until the same call (or a later one) says so.
    expect(updated.UserAttributes).toEqual(
      expect.arrayContaining([
        { Name: 'email', Value: 'new@example.com' },
        { Name: 'email_verified', Value: 'false' },
      ]),
    );

    const again = await rejection(
      cognito.send(new AdminCreateUserCommand({ UserPoolId: info.userPoolId, Username: username })),
    );
    expect(again.name).toBe('UsernameExistsException');
    await cognito.send(new AdminDeleteUserCommand({ UserPoolId: info.userPoolId, Username: username }));
    const gone = await rejection(
      cognito.send(new AdminGetUserCommand({ UserPoolId: info.userPoolId, Username: username })),
    );
    expect(gone.name).toBe('UserNotFoundException');
  });

  it('signs in with a wrong code then the right one, sent by SMS to the outbox; the tokens verify against the key set', async () => {
    const { username, phone, email } = await newUser();

    const started = await startSdkSignIn(username);
    expect(started.ChallengeName).toBe('CUSTOM_CHALLENGE');
    expect(started.ChallengeParameters).toEqual({
      channel: 'sms',
      destination: `+1********${phone.slice(-2)}`,
      codeLength: '6',
      codeAlphabet: 'digits',
      USERNAME: username,
    });
    const code = lastCodeTo(phone);

    const retry = await answer(started.Session, username, wrongCodeFor(code));
    expect(retry.ChallengeName).toBe('CUSTOM_CHALLENGE');
    expect(messagesTo(phone)).toHaveLength(1);
    // A session is answered once: the first one is spent.
    const spent = await rejection(answer(started.Session, username, code));
    expect(spent.name).toBe('NotAuthorizedException');

    const signedIn = await answer(retry.Session, username, code);
    const { IdToken, AccessToken, RefreshToken, TokenType } = signedIn.AuthenticationResult ?? {};
    expect(TokenType).toBe('Bearer');
    expect(RefreshToken).toEqual(expect.any(String));
    const id = await verifiedClaims(IdToken!);
    expect(id).toMatchObject({
      token_use: 'id',
      aud: info.clientId,
      'cognito:username': username,
      email,
      email_verified: true,
      phone_number: phone,
    });
    const access = await verifiedClaims(AccessToken!);
    expect(access).toMatchObject({ token_use: 'access', client_id: info.clientId, username, sub: id['sub'] });
    expect(access['origin_jti']).toEqual(expect.any(String));

    const me = await cognito.send(new GetUserCommand({ AccessToken }));
    expect(me.Username).toBe(username);
    expect(me.UserAttributes).toEqual(expect.arrayContaining([{ Name: 'phone_number', Value: phone }]));
  });

  it('switches channel through ClientMetadata: the code goes again, by email, and signs in', async () => {
    const { username, phone, email } = await newUser();
    const started = await startSdkSignIn(username);
    expect(started.ChallengeParameters?.['channel']).toBe('sms');

    const byEmail = await answer(started.Session, username, 'resend', { channel: 'email' });
    expect(byEmail.ChallengeParameters).toMatchObject({
      channel: 'email',
      destination: expect.stringMatching(/^u\*\*\*@example\.com$/),
    });
    // Another destination, so another verification with a code of its own.
    expect(messagesTo(email)).toHaveLength(1);
    expect(messagesTo(phone)).toHaveLength(1);

    const signedIn = await answer(byEmail.Session, username, lastCodeTo(email));
    expect(signedIn.AuthenticationResult?.AccessToken).toEqual(expect.any(String));
  });

  it('answers an unknown user with a decoy challenge, sends nothing, and fails after as many answers', async () => {
    const before = local.outbox.messages.length;
    const started = await startSdkSignIn('nobody-here');
    expect(started.ChallengeName).toBe('CUSTOM_CHALLENGE');
    expect(started.ChallengeParameters).toMatchObject({
      channel: expect.stringMatching(/^(sms|email|voice)$/),
      destination: expect.any(String),
      codeLength: '6',
      USERNAME: 'nobody-here',
    });
    let session = started.Session;
    for (let attempt = 1; attempt < 5; attempt++) {
      const next = await answer(session, 'nobody-here', '123456');
      expect(next.ChallengeName).toBe('CUSTOM_CHALLENGE');
      session = next.Session;
    }
    const last = await rejection(answer(session, 'nobody-here', '123456'));
    expect(last.name).toBe('NotAuthorizedException');
    expect(local.outbox.messages.length).toBe(before);
  });

  it('fails a sign-in the create trigger refuses with UserLambdaValidationException and its message', async () => {
    const { username } = await newUser({ phone_number_verified: 'false', email_verified: 'false' });
    const refused = await rejection(startSdkSignIn(username));
    expect(refused.name).toBe('UserLambdaValidationException');
    expect(refused.message).toMatch(/^CreateAuthChallenge failed with error .+\.$/);
  });

  it('refreshes (REFRESH_TOKEN_AUTH, GetTokensFromRefreshToken), and RevokeToken ends the refresh token and its access tokens', async () => {
    const { username, phone } = await newUser();
    const started = await startSdkSignIn(username);
    const first = (await answer(started.Session, username, lastCodeTo(phone))).AuthenticationResult!;

    const refreshed = await cognito.send(
      new InitiateAuthCommand({
        ClientId: info.clientId,
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: first.RefreshToken! },
      }),
    );
    const viaRefresh = await verifiedClaims(refreshed.AuthenticationResult!.AccessToken!);
    expect(viaRefresh['origin_jti']).toBe((await verifiedClaims(first.AccessToken!))['origin_jti']);
    const fromToken = await cognito.send(
      new GetTokensFromRefreshTokenCommand({ ClientId: info.clientId, RefreshToken: first.RefreshToken }),
    );
    await verifiedClaims(fromToken.AuthenticationResult!.IdToken!);

    await cognito.send(new RevokeTokenCommand({ ClientId: info.clientId, Token: first.RefreshToken }));
    const revoked = await rejection(
      cognito.send(
        new GetTokensFromRefreshTokenCommand({ ClientId: info.clientId, RefreshToken: first.RefreshToken }),
      ),
    );
    expect([revoked.name, revoked.message]).toEqual([
      'NotAuthorizedException',
      'Refresh Token has been revoked',
    ]);
    const stale = await rejection(cognito.send(new GetUserCommand({ AccessToken: first.AccessToken })));
    expect(stale.name).toBe('NotAuthorizedException');

    const viaInitiate = await rejection(
      cognito.send(
        new InitiateAuthCommand({
          ClientId: info.clientId,
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: { REFRESH_TOKEN: first.RefreshToken! },
        }),
      ),
    );
    expect(viaInitiate.name).toBe('NotAuthorizedException');
  });

  it('GlobalSignOut ends every token the user holds', async () => {
    const { username, phone } = await newUser();
    const started = await startSdkSignIn(username);
    const tokens = (await answer(started.Session, username, lastCodeTo(phone))).AuthenticationResult!;
    await cognito.send(new GlobalSignOutCommand({ AccessToken: tokens.AccessToken }));
    const afterward = await rejection(cognito.send(new GetUserCommand({ AccessToken: tokens.AccessToken })));
    expect([afterward.name, afterward.message]).toEqual([
      'NotAuthorizedException',
      'Access Token has been revoked',
    ]);
    const refresh = await rejection(
      cognito.send(
        new GetTokensFromRefreshTokenCommand({ ClientId: info.clientId, RefreshToken: tokens.RefreshToken }),
      ),
    );
    expect(refresh.name).toBe('NotAuthorizedException');
  });
});

describe('Amplify v6 (Auth.Cognito.userPoolEndpoint)', () => {
  it('signs in with CUSTOM_WITHOUT_SRP, a wrong then the right code, fetches, refreshes and signs out', async () => {
    const { username, phone } = await newUser();
    Amplify.configure({
      Auth: {
        Cognito: {
          userPoolId: info.userPoolId,
          userPoolClientId: info.clientId,
          userPoolEndpoint: info.endpoint,
        },
      },
    });

    const started = await signIn({ username, options: { authFlowType: 'CUSTOM_WITHOUT_SRP' } });
    expect(started.nextStep.signInStep).toBe('CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE');
    expect(started.nextStep).toMatchObject({ additionalInfo: { channel: 'sms', codeLength: '6' } });
    const code = lastCodeTo(phone);

    const wrong = await confirmSignIn({ challengeResponse: wrongCodeFor(code) });
    expect(wrong.isSignedIn).toBe(false);
    expect(wrong.nextStep.signInStep).toBe('CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE');
    const right = await confirmSignIn({ challengeResponse: code });
    expect(right).toMatchObject({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });

    const session = await fetchAuthSession();
    const idToken = session.tokens!.idToken!.toString();
    expect(await verifiedClaims(idToken)).toMatchObject({
      'cognito:username': username,
      phone_number: phone,
    });

    const refreshed = await fetchAuthSession({ forceRefresh: true });
    const newAccess = refreshed.tokens!.accessToken.toString();
    expect(newAccess).not.toBe(session.tokens!.accessToken.toString());
    await verifiedClaims(newAccess);

    await signOut();
    // Amplify revoked the refresh token (RevokeToken, since the access token carries origin_jti).
    const afterSignOut = await rejection(cognito.send(new GetUserCommand({ AccessToken: newAccess })));
    expect(afterSignOut.message).toBe('Access Token has been revoked');
  });

  it('shows an unknown user a challenge like anyone else’s, and never signs them in', async () => {
    Amplify.configure({
      Auth: {
        Cognito: {
          userPoolId: info.userPoolId,
          userPoolClientId: info.clientId,
          userPoolEndpoint: info.endpoint,
        },
      },
    });
    const started = await signIn({
      username: 'ghost@example.com',
      options: { authFlowType: 'CUSTOM_WITHOUT_SRP' },
    });
    expect(started.nextStep.signInStep).toBe('CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE');
    const wrong = await confirmSignIn({ challengeResponse: '123456' });
    expect(wrong.isSignedIn).toBe(false);
  });
});

describe('docs/cognito.md, "Sign in offline"', () => {
  it('signs the demo user in with Amplify, run as written (only the port differs)', async () => {
    const doc = readFileSync(new URL('../../docs/cognito.md', import.meta.url), 'utf8');
    const section = doc.split('## Sign in offline')[1]!.split('\n## ')[0]!;
    const script = /```js\n([\s\S]*?)```/.exec(section)![1]!.replaceAll('http://localhost:3000', local.url);
    expect(script).toContain(`userPoolId: '${info.userPoolId}'`);
    expect(script).toContain(`userPoolClientId: '${info.clientId}'`);

    // A module evaluated from the project's root resolves `aws-amplify` as the reader's project would.
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      timeout: 60_000,
    });
    expect(stdout.trim().split('\n')).toEqual([
      'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE +1********23',
      'true ana@example.com',
    ]);
  }, 60_000);
});
