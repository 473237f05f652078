import { randomUUID } from 'node:crypto';
import { CognitoError } from './errors.ts';
import type { LocalUserPool } from './operations.ts';

/**
 * Local mode's Cognito endpoint over HTTP, under `/_local/cognito`:
 *
 * - `GET /_local/cognito` → `{endpoint, region, userPoolId, clientId}` (what to give Amplify or the SDK);
 * - `POST /_local/cognito` with `X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`: Cognito's
 *   JSON 1.1 protocol, errors as Cognito shapes them (`__type` and `message` in the body, the
 *   `x-amzn-errortype` header). Requests are not signature-checked: any credentials do for Admin calls;
 * - `GET /_local/cognito/<userPoolId>/.well-known/jwks.json` and `…/openid-configuration`: the key set and
 *   the OIDC discovery document under the issuer, as Cognito serves them under its own;
 * - CORS on all of it, so a browser app on another origin can sign in.
 */
export const COGNITO_PATH = '/_local/cognito';
const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';
const JSON_TYPE = 'application/x-amz-json-1.1';

export interface CognitoRequest {
  method: string;
  path: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string | null;
}

export interface CognitoReply {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export const isCognitoPath = (path: string) => path === COGNITO_PATH || path.startsWith(`${COGNITO_PATH}/`);

export async function serveCognito(pool: LocalUserPool, request: CognitoRequest): Promise<CognitoReply> {
  const cors = corsHeaders(request);
  if (request.method === 'OPTIONS') return { statusCode: 204, headers: cors, body: '' };
  const wellKnown = `${COGNITO_PATH}/${pool.info.userPoolId}/.well-known/`;

  // The SDK posts to `<endpoint>/`.
  const path = request.path.replace(/\/+$/, '');
  if (path === COGNITO_PATH && request.method === 'POST') {
    const reply = await protocol(pool, request);
    return { ...reply, headers: { ...cors, ...reply.headers } };
  }
  if (request.method === 'GET' || request.method === 'HEAD') {
    if (path === COGNITO_PATH) return json(200, pool.info, cors);
    if (path === `${wellKnown}jwks.json`) return json(200, pool.tokens.jwks(), cors);
    if (path === `${wellKnown}openid-configuration`) return json(200, discovery(pool), cors);
  }
  return json(
    404,
    {
      __type: 'ResourceNotFoundException',
      message: `No ${request.method} ${request.path}. POST ${COGNITO_PATH} speaks Cognito's JSON protocol; GET ${COGNITO_PATH} names the pool; the key set is at ${wellKnown}jwks.json.`,
    },
    cors,
  );
}

/** One JSON-protocol call: the operation's answer, or its error as Cognito sends it. */
async function protocol(pool: LocalUserPool, request: CognitoRequest): Promise<CognitoReply> {
  const requestId = randomUUID();
  try {
    const target = request.headers['x-amz-target'] ?? '';
    if (!target.startsWith(TARGET_PREFIX)) {
      throw new CognitoError(
        'UnknownOperationException',
        `X-Amz-Target must be ${TARGET_PREFIX}<Operation>.`,
      );
    }
    let input: unknown;
    try {
      input = JSON.parse(request.body || '{}');
    } catch {
      throw new CognitoError('SerializationException', 'The request body is not JSON.');
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new CognitoError('SerializationException', 'The request body must be a JSON object.');
    }
    const output = await pool.call(target.slice(TARGET_PREFIX.length), input as Record<string, unknown>);
    return {
      statusCode: 200,
      headers: { 'content-type': JSON_TYPE, 'x-amzn-requestid': requestId },
      body: JSON.stringify(output),
    };
  } catch (caught) {
    const error =
      caught instanceof CognitoError ? caught : new CognitoError('InternalErrorException', 'Internal error.');
    if (!(caught instanceof CognitoError)) console.error('local Cognito endpoint:', caught);
    return {
      statusCode: error.statusCode,
      headers: {
        'content-type': JSON_TYPE,
        'x-amzn-requestid': requestId,
        // The message goes in the body only: a header cannot carry every character a trigger's message may hold.
        'x-amzn-errortype': `${error.name}:`,
      },
      body: JSON.stringify({ __type: error.name, message: error.message }),
    };
  }
}

/** The OIDC discovery document: what a backend's JWT library reads to find the issuer's keys. */
function discovery(pool: LocalUserPool) {
  const issuer = pool.tokens.issuer;
  return {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    authorization_endpoint: `${issuer}/oauth2/authorize`,
    token_endpoint: `${issuer}/oauth2/token`,
    userinfo_endpoint: `${issuer}/oauth2/userInfo`,
    response_types_supported: ['code', 'token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'email', 'phone', 'profile'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
  };
}

function corsHeaders(request: CognitoRequest): Record<string, string> {
  return {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    // Amplify and the SDK send their own headers (x-amz-target, x-amz-user-agent, amz-sdk-*): echo the ask.
    'access-control-allow-headers':
      request.headers['access-control-request-headers'] ??
      'content-type, x-amz-target, x-amz-user-agent, cache-control',
    'access-control-expose-headers': 'x-amzn-requestid, x-amzn-errortype, date',
    'access-control-max-age': '600',
    'cache-control': 'no-store',
  };
}

function json(statusCode: number, body: unknown, headers: Record<string, string>): CognitoReply {
  return {
    statusCode,
    headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  };
}
