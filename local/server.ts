import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { JsonLog } from '../functions/adapters/json-log.ts';
import { sendSettingsFromEnv, settingsFromEnv } from '../functions/config.ts';
import type { Log } from '../functions/core/ports.ts';
import type { Settings } from '../functions/core/settings.ts';
import { payloadTooLarge } from '../functions/http/request.ts';
import { type LocalActivity, startLocalActivity } from './activity-stream.ts';
import { apiGatewayEvent, matchRoute } from './api-event.ts';
import { type LocalCognitoInfo, LocalUserPool } from './cognito/operations.ts';
import { COGNITO_PATH, isCognitoPath, serveCognito } from './cognito/router.ts';
import { type UserSeed, userSeedsFromEnv } from './cognito/users.ts';
import { type ComposedApi, composeApi } from './compose.ts';
import { createVerificationTable, type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.ts';
import { withLocalPushApplications } from './local-push.ts';
import { LocalCascade, synthesizeLocalDefinition } from './local-workflow.ts';
import { Outbox } from './outbox.ts';
import { LocalDeliveryReceipts } from './outbox-receipts.ts';
import { PAGE, PAGE_CSP } from './page.ts';
import { describeSend, type LocalProviders, localProvidersFromEnv, type Provider } from './providers.ts';

/**
 * Local mode: the deployed service's route handlers behind a plain node:http server, with Amazon's
 * DynamoDB Local (in memory) for storage and the outbox for every channel. Each request is routed
 * and turned into an API Gateway REST proxy event exactly as `matchRoute`/`apiGatewayEvent` do for
 * the tests, so what answers here is what answers behind API Gateway.
 *
 * Beside the API: `GET /_local/outbox` (every message "sent", oldest first, full destination),
 * `DELETE /_local/outbox` (clears it), `GET /_local/events` (status changes, as EventBridge would
 * get them, from the table's stream), `GET /_local/openapi.yaml` (the API document), `GET /_local/`
 * (a page to watch the outbox and the events and try a verification), and `/_local/cognito` (a
 * Cognito-compatible endpoint running the project's own sign-in triggers on this engine:
 * local/cognito/router.ts).
 */
export interface LocalModeOptions {
  /** Port on 127.0.0.1; 0 picks a free one. Default 3000. */
  port?: number;
  /** Where the OTP_* settings are read from (functions/config.ts). Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Default: one JSON line per entry on stdout. */
  log?: Log;
  /** No log output at all (ignored when `log` is given). */
  quiet?: boolean;
}

export interface LocalMode {
  /** `http://127.0.0.1:<port>` */
  url: string;
  outbox: Outbox;
  /** The local user pool: what to give Amplify (`userPoolEndpoint: endpoint`) or the SDK (`endpoint`). */
  cognito: LocalCognitoInfo;
  /** Who a deployed SMS and call would go through, as OTP_SMS_PROVIDER and OTP_VOICE_PROVIDER pick them. */
  providers: { sms: Provider; voice: Provider };
  /** Closes the HTTP server, then stops DynamoDB Local and waits for its Java process to exit. */
  stop(): Promise<void>;
}

/** A start-up failure with a message meant for a person (no stack trace needed): Java, port, settings. */
export class LocalModeStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalModeStartError';
  }
}

export const LOCAL_TABLE_NAME = 'onetime-local';
/** Local mode reads at most this much of a request body; the handlers themselves refuse over 16 KiB. */
export const MAX_LOCAL_BODY_BYTES = 1024 * 1024;

export async function startLocalMode(options: LocalModeOptions = {}): Promise<LocalMode> {
  // Push works out of the box: made-up APNs and FCM applications unless the environment names some.
  const env = withLocalPushApplications(options.env ?? process.env);
  // One JSON line per entry, as the Lambda functions log; the engine passes only masked destinations.
  const log = options.log ?? (options.quiet ? silentLog : new JsonLog('onetime-local'));

  let settings: Settings;
  let userSeeds: UserSeed[];
  let providers: LocalProviders;
  try {
    settings = { ...settingsFromEnv(env), ...sendSettingsFromEnv(env) };
    userSeeds = userSeedsFromEnv(env);
    providers = localProvidersFromEnv(env, settings.appName);
  } catch (error) {
    throw new LocalModeStartError(errorMessage(error), { cause: error });
  }

  // Each message says which provider, template and protect configuration a deployed send would use.
  const outbox = new Outbox(Date.now, (message) => describeSend(message, providers));
  let api: ComposedApi | undefined;
  let cognito: LocalUserPool | undefined;
  let ready!: () => void;
  const apiReady = new Promise<void>((resolve) => {
    ready = resolve;
  });

  // Bind first: a taken port is reported at once, before Java starts.
  const server = createServer((request, response) => {
    void apiReady
      .then(() =>
        serve(request, response, { api: api!, cognito: cognito!, outbox, activity: activity!, log }),
      )
      .catch((error: unknown) => {
        log.error('local server error', { error: errorMessage(error) });
        if (!response.headersSent)
          sendJson(response, 500, envelope('internal_error', 'Something went wrong.'));
        else response.destroy();
      });
  });
  const port = await listen(server, options.port ?? 3000);

  // The cascade workflow's definition, synthesized from the construct while Java starts.
  const cascadeDefinition = synthesizeLocalDefinition(LOCAL_TABLE_NAME, settings.ttlSeconds);
  cascadeDefinition.catch(() => {}); // awaited below
  let dynamodb: DynamoDbLocal | undefined;
  let activity: LocalActivity | undefined;
  try {
    dynamodb = await startDynamoDbLocal();
    await createVerificationTable(dynamodb.client, LOCAL_TABLE_NAME);
    // Turns the table's stream on, so it must come before the first write.
    activity = await startLocalActivity({
      client: dynamodb.client,
      tableName: LOCAL_TABLE_NAME,
      log,
      feedback: outbox,
    });
    await cascadeDefinition;
  } catch (error) {
    await closeServer(server);
    await activity?.stop();
    await dynamodb?.stop();
    throw error instanceof Error && /java/i.test(error.message)
      ? new LocalModeStartError(error.message, { cause: error })
      : error;
  }

  // The outbox answers for every channel, so an unverified code gets its cascade's steps in time.
  const cascade = new LocalCascade({
    client: dynamodb.client,
    tableName: LOCAL_TABLE_NAME,
    log,
    definition: cascadeDefinition,
  });
  // The outbox "delivers" every message: each one is recorded as a delivery receipt (GET: delivered).
  const receipts = new LocalDeliveryReceipts({ client: dynamodb.client, tableName: LOCAL_TABLE_NAME, log });
  api = composeApi({
    client: dynamodb.client,
    tableName: LOCAL_TABLE_NAME,
    settings,
    senders: receipts.wrap(outbox.senders()),
    log,
    cascade,
  });
  cascade.attach(api.deps);
  receipts.attach(api.deps);
  // Sign-in codes go through the same engine, table, limits and outbox as the API's.
  cognito = new LocalUserPool({
    deps: api.deps,
    env,
    endpoint: `http://127.0.0.1:${port}${COGNITO_PATH}`,
    users: userSeeds,
  });
  ready();

  let stopping: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    outbox,
    cognito: cognito.info,
    providers: {
      sms: providers.channels.sms.provider ?? 'sns',
      voice: providers.channels.voice?.provider ?? 'end-user-messaging',
    },
    stop() {
      stopping ??= (async () => {
        await closeServer(server);
        await cascade.stop(); // pending waits end now: nothing keeps the process alive
        await activity?.stop();
        await dynamodb.stop();
      })();
      return stopping;
    },
  };
}

async function listen(server: Server, port: number): Promise<number> {
  server.listen(port, '127.0.0.1');
  try {
    await once(server, 'listening');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new LocalModeStartError(
        `Port ${port} is already in use. Stop whatever uses it, or choose another port, e.g. PORT=${port + 1} npm start`,
        { cause: error },
      );
    }
    if (code === 'EACCES') {
      throw new LocalModeStartError(
        `Port ${port} needs extra privileges; choose one above 1023, e.g. PORT=3000`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the local server has no port');
  return address.port;
}

/** Stops accepting, lets requests in flight finish for up to 2 s, then drops what is left. */
async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), 2_000);
  await closed;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------------
// Requests

interface Context {
  api: ComposedApi;
  cognito: LocalUserPool;
  outbox: Outbox;
  activity: LocalActivity;
  log: Log;
}

const API_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

async function serve(request: IncomingMessage, response: ServerResponse, context: Context): Promise<void> {
  const method = request.method ?? 'GET';
  const path = new URL(request.url ?? '/', 'http://local').pathname;

  if (isCognitoPath(path)) return serveCognitoRequest(request, response, method, path, context.cognito);
  if (path === '/_local' || path.startsWith('/_local/')) {
    return serveLocal(method, path, response, context.outbox, context.activity);
  }
  // A person who opens the server's address in a browser is looking for the page.
  if (path === '/' && (method === 'GET' || method === 'HEAD')) {
    response.writeHead(302, { location: '/_local/', 'content-type': 'text/plain; charset=utf-8' });
    response.end('The local page is at /_local/.\n');
    return;
  }

  const route = matchRoute(method, path);
  if (!route) {
    const allowed = API_METHODS.filter((candidate) => matchRoute(candidate, path));
    if (allowed.length > 0) {
      return sendJson(
        response,
        405,
        envelope('method_not_allowed', `${method} is not allowed on ${path}; use ${allowed.join(' or ')}.`),
        { allow: allowed.join(', ') },
      );
    }
    return sendJson(
      response,
      404,
      envelope(
        'not_found',
        `No route for ${method} ${path}. The API is under /v1/verifications; the local page is /_local/.`,
      ),
    );
  }

  const body = await readBody(request);
  if (body === 'too_large') {
    return sendJson(response, 413, envelope('payload_too_large', payloadTooLarge().message), {
      connection: 'close',
    });
  }

  const started = performance.now();
  const event = apiGatewayEvent({
    method,
    path,
    route,
    headers: flattenHeaders(request),
    body,
    sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
  });
  const result = await context.api[route.handler](event);
  writeResult(response, result);
  context.log.info('http request', {
    method,
    path,
    statusCode: result.statusCode,
    ms: Math.round(performance.now() - started),
  });
}

async function serveCognitoRequest(
  request: IncomingMessage,
  response: ServerResponse,
  method: string,
  path: string,
  pool: LocalUserPool,
): Promise<void> {
  const body = await readBody(request);
  const reply =
    body === 'too_large'
      ? { statusCode: 413, headers: { connection: 'close' }, body: '' }
      : await serveCognito(pool, { method, path, headers: flattenHeaders(request), body });
  response.writeHead(reply.statusCode, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) });
  response.end(method === 'HEAD' ? undefined : reply.body);
}

function serveLocal(
  method: string,
  path: string,
  response: ServerResponse,
  outbox: Outbox,
  activity: LocalActivity,
): void {
  if (path === '/_local' || path === '/_local/') {
    if (method === 'GET' || method === 'HEAD') {
      response.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'content-security-policy': PAGE_CSP,
        'content-length': Buffer.byteLength(PAGE),
      });
      response.end(method === 'HEAD' ? undefined : PAGE);
    } else {
      methodNotAllowed(response, method, path, ['GET']);
    }
  } else if (path === '/_local/outbox') {
    if (method === 'GET') {
      const messages = outbox.messages.map((message) => ({
        channel: message.channel,
        to: message.to,
        body: message.body,
        ...(message.subject === undefined ? {} : { subject: message.subject }),
        sentAt: message.sentAt,
        verificationId: message.verificationId,
        ...(message.provider ? { provider: message.provider, deployedSend: message.deployedSend } : {}),
        ...(message.approximateBody ? { approximateBody: true } : {}),
        ...(message.feedback ? { feedback: message.feedback } : {}),
      }));
      sendJson(response, 200, { messages });
    } else if (method === 'DELETE') {
      const cleared = outbox.messages.length;
      outbox.clear();
      sendJson(response, 200, { cleared });
    } else {
      methodNotAllowed(response, method, path, ['GET', 'DELETE']);
    }
  } else if (path === '/_local/openapi.yaml') {
    // The API document, linked from the page: served as text so a browser shows it.
    if (method === 'GET' || method === 'HEAD') {
      const text = readFileSync(new URL('../docs/openapi.yaml', import.meta.url));
      response.writeHead(200, {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'content-length': text.length,
      });
      response.end(method === 'HEAD' ? undefined : text);
    } else methodNotAllowed(response, method, path, ['GET']);
  } else if (path === '/_local/events') {
    if (method === 'GET') sendJson(response, 200, { events: activity.events });
    else methodNotAllowed(response, method, path, ['GET']);
  } else {
    sendJson(
      response,
      404,
      envelope(
        'not_found',
        `No route for ${method} ${path}. Try GET /_local/, /_local/outbox, /_local/events or /_local/openapi.yaml.`,
      ),
    );
  }
}

function methodNotAllowed(response: ServerResponse, method: string, path: string, allowed: string[]): void {
  sendJson(
    response,
    405,
    envelope('method_not_allowed', `${method} is not allowed on ${path}; use ${allowed.join(' or ')}.`),
    { allow: allowed.join(', ') },
  );
}

/** The body as text (API Gateway passes JSON bodies as strings), or `too_large` past the local cap. */
async function readBody(request: IncomingMessage): Promise<string | null | 'too_large'> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_LOCAL_BODY_BYTES) return drainThenRefuse(request);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_LOCAL_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      request.off('data', onData);
      chunks.length = 0;
      resolve(drainThenRefuse(request));
    };
    request.on('data', onData);
    request.once('end', () => resolve(size === 0 ? null : Buffer.concat(chunks).toString('utf8')));
    request.once('error', reject);
  });
}

/** Past this much, a body is not read to its end: the connection is cut after the 413. */
const MAX_DRAINED_BYTES = 64 * 1024 * 1024;

/**
 * Reads the rest of a body that is too large, discarding it, before the 413 goes out: a server that
 * answers and closes while the client is still sending makes the client see a broken pipe instead of
 * the answer.
 */
function drainThenRefuse(request: IncomingMessage): Promise<'too_large'> {
  return new Promise((resolve) => {
    let drained = 0;
    const done = () => resolve('too_large');
    request.on('data', (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > MAX_DRAINED_BYTES) {
        request.pause();
        done();
      }
    });
    request.once('end', done);
    request.once('error', done);
    request.resume();
  });
}

/** Header names come lower-cased from node; repeated headers are joined as HTTP allows. */
function flattenHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function writeResult(response: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    headers[name.toLowerCase()] = values.map(String);
  }
  const body = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : Buffer.from(result.body ?? '');
  headers['content-length'] = String(body.length);
  response.writeHead(result.statusCode, headers);
  response.end(body);
}

function sendJson(
  response: ServerResponse,
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(statusCode, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

const envelope = (code: string, message: string) => ({ error: { code, message } });

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------------
// Logs

const silentLog: Log = { info() {}, warn() {}, error() {} };
