import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { settingsFromEnv } from '../../functions/config.ts';
import type { Settings } from '../../functions/core/settings.ts';
import type { Log } from '../../functions/ports.ts';
import { type LocalActivity, startLocalActivity } from './activity-stream.ts';
import { apiGatewayEvent, matchRoute } from './api-event.ts';
import { type ComposedApi, composeApi } from './compose.ts';
import { LocalDeliveryReceipts } from './delivery-receipts.ts';
import { createVerificationTable, type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.ts';
import { LocalWorkflowStarter, synthesizeLocalDefinition } from './local-workflow.ts';
import { Outbox } from './outbox.ts';

/**
 * Local mode: the deployed service's route handlers behind a plain node:http server, with Amazon's
 * DynamoDB Local (in memory) for storage and the outbox for every channel. Each request is routed
 * and turned into an API Gateway REST proxy event exactly as `matchRoute`/`apiGatewayEvent` do for
 * the tests, so what answers here is what answers behind API Gateway.
 *
 * Beside the API: `GET /_local/outbox` (every message "sent", oldest first, full destination),
 * `DELETE /_local/outbox` (clears it), `GET /_local/events` (status changes, as EventBridge would
 * get them, from the table's stream), and `GET /_local/` (a page to watch the outbox and try a
 * verification).
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
  const env = options.env ?? process.env;
  const log = options.log ?? (options.quiet ? silentLog : jsonLineLog());

  let settings: Settings;
  try {
    settings = settingsFromEnv(env);
  } catch (error) {
    throw new LocalModeStartError(errorMessage(error), { cause: error });
  }

  const outbox = new Outbox();
  let api: ComposedApi | undefined;
  let ready!: () => void;
  const apiReady = new Promise<void>((resolve) => {
    ready = resolve;
  });

  // Bind first: a taken port is reported at once, before Java starts.
  const server = createServer((request, response) => {
    void apiReady
      .then(() => serve(request, response, { api: api!, outbox, activity: activity!, log }))
      .catch((error: unknown) => {
        log.error('local server error', { error: errorMessage(error) });
        if (!response.headersSent)
          sendJson(response, 500, envelope('internal_error', 'Something went wrong.'));
        else response.destroy();
      });
  });
  const port = await listen(server, options.port ?? 3000);

  // The voice-fallback workflow's definition, synthesized from the construct while Java starts.
  const voiceFallbackDefinition = synthesizeLocalDefinition(LOCAL_TABLE_NAME);
  voiceFallbackDefinition.catch(() => {}); // awaited below
  let dynamodb: DynamoDbLocal | undefined;
  let activity: LocalActivity | undefined;
  try {
    dynamodb = await startDynamoDbLocal();
    await createVerificationTable(dynamodb.client, LOCAL_TABLE_NAME);
    // Turns the table's stream on, so it must come before the first write.
    activity = await startLocalActivity({ client: dynamodb.client, tableName: LOCAL_TABLE_NAME, log });
    await voiceFallbackDefinition;
  } catch (error) {
    await closeServer(server);
    await activity?.stop();
    await dynamodb?.stop();
    throw error instanceof Error && /java/i.test(error.message)
      ? new LocalModeStartError(error.message, { cause: error })
      : error;
  }

  // The outbox answers for voice too, so an unverified SMS gets its fallback call after the wait.
  const workflow = new LocalWorkflowStarter({
    client: dynamodb.client,
    tableName: LOCAL_TABLE_NAME,
    waitMs: settings.voiceFallbackSeconds * 1000,
    log,
    definition: voiceFallbackDefinition,
  });
  // The outbox "delivers" every message: each one is recorded as a delivery receipt (GET: delivered).
  const receipts = new LocalDeliveryReceipts({ client: dynamodb.client, tableName: LOCAL_TABLE_NAME, log });
  api = composeApi({
    client: dynamodb.client,
    tableName: LOCAL_TABLE_NAME,
    settings,
    senders: receipts.wrap(outbox.senders()),
    log,
    workflow,
  });
  workflow.attach(api.deps);
  receipts.attach(api.deps);
  ready();

  let stopping: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    outbox,
    stop() {
      stopping ??= (async () => {
        await closeServer(server);
        await workflow.stop(); // pending waits end now: nothing keeps the process alive
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
  outbox: Outbox;
  activity: LocalActivity;
  log: Log;
}

const API_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

async function serve(request: IncomingMessage, response: ServerResponse, context: Context): Promise<void> {
  const method = request.method ?? 'GET';
  const path = new URL(request.url ?? '/', 'http://local').pathname;

  if (path === '/_local' || path.startsWith('/_local/')) {
    return serveLocal(method, path, response, context.outbox, context.activity);
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
    return sendJson(
      response,
      413,
      envelope('payload_too_large', `The body must not exceed ${MAX_LOCAL_BODY_BYTES} bytes.`),
      { connection: 'close' },
    );
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
      }));
      sendJson(response, 200, { messages });
    } else if (method === 'DELETE') {
      const cleared = outbox.messages.length;
      outbox.clear();
      sendJson(response, 200, { cleared });
    } else {
      methodNotAllowed(response, method, path, ['GET', 'DELETE']);
    }
  } else if (path === '/_local/events') {
    if (method === 'GET') sendJson(response, 200, { events: activity.events });
    else methodNotAllowed(response, method, path, ['GET']);
  } else {
    sendJson(
      response,
      404,
      envelope('not_found', `No route for ${method} ${path}. Try GET /_local/ or GET /_local/outbox.`),
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
  if (Number.isFinite(declared) && declared > MAX_LOCAL_BODY_BYTES) return 'too_large';
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_LOCAL_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      // Keep draining (not destroying) so the 413 still reaches the client.
      request.off('data', onData);
      request.resume();
      chunks.length = 0;
      resolve('too_large');
    };
    request.on('data', onData);
    request.once('end', () => resolve(size === 0 ? null : Buffer.concat(chunks).toString('utf8')));
    request.once('error', reject);
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

/**
 * Local mode's log: one JSON line per entry on stdout. The engine passes only masked destinations
 * and ids, never a code or a full number; this adds nothing of its own but method, path and status.
 */
export function jsonLineLog(
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  service = 'onetime-local',
): Log {
  const entry =
    (level: 'INFO' | 'WARN' | 'ERROR') =>
    (message: string, ...fields: Record<string, unknown>[]) => {
      const extra: Record<string, unknown> = Object.assign({}, ...fields);
      for (const key of ['level', 'message', 'timestamp', 'service']) delete extra[key];
      let line: string;
      try {
        line = JSON.stringify({ level, message, timestamp: new Date().toISOString(), service, ...extra });
      } catch {
        line = JSON.stringify({ level, message, timestamp: new Date().toISOString(), service });
      }
      write(line);
    };
  return { info: entry('INFO'), warn: entry('WARN'), error: entry('ERROR') };
}

const silentLog: Log = { info() {}, warn() {}, error() {} };

// ---------------------------------------------------------------------------------------------------
// The /_local/ page: self-contained, no external assets; everything shown goes through textContent.

const PAGE_SCRIPT = `
'use strict';
const $ = (id) => document.getElementById(id);
const startForm = $('start-form');
const checkForm = $('check-form');
const answer = $('answer');
const answerTitle = $('answer-title');
const list = $('messages');
const outboxState = $('outbox-state');
const EXAMPLES = { sms: '+14155550123', voice: '+14155550123', email: 'ana@example.com' };

function show(label, status, body) {
  answerTitle.textContent = label + ' \\u2192 ' + status;
  answerTitle.className = status >= 400 ? 'bad' : 'good';
  answer.textContent = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
}

async function call(method, path, body) {
  const label = method + ' ' + path;
  try {
    const response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed = text;
    try { parsed = JSON.parse(text); } catch {}
    show(label, response.status, parsed);
    return { status: response.status, body: parsed };
  } catch (error) {
    show(label, 'no answer', String(error));
    return undefined;
  }
}

startForm.channel.addEventListener('change', () => {
  const to = startForm.to.value.trim();
  if (to === '' || Object.values(EXAMPLES).includes(to)) startForm.to.value = EXAMPLES[startForm.channel.value];
});

startForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const result = await call('POST', '/v1/verifications', {
    to: startForm.to.value,
    channel: startForm.channel.value,
  });
  if (result && result.body && typeof result.body.id === 'string') {
    checkForm.id.value = result.body.id;
    checkForm.code.value = '';
    checkForm.code.focus();
  }
  refresh();
});

checkForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const id = checkForm.id.value.trim();
  if (id === '') return show('check', 'skipped', 'Send a code first: the verification id goes here.');
  await call('POST', '/v1/verifications/' + encodeURIComponent(id) + '/check', { code: checkForm.code.value });
});

$('status').addEventListener('click', () => {
  const id = checkForm.id.value.trim();
  if (id === '') return show('status', 'skipped', 'Send a code first: the verification id goes here.');
  call('GET', '/v1/verifications/' + encodeURIComponent(id));
});

$('cancel').addEventListener('click', () => {
  const id = checkForm.id.value.trim();
  if (id === '') return show('cancel', 'skipped', 'Send a code first: the verification id goes here.');
  call('DELETE', '/v1/verifications/' + encodeURIComponent(id));
});

$('clear').addEventListener('click', async () => {
  await fetch('/_local/outbox', { method: 'DELETE' });
  refresh();
});

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function render(messages) {
  list.replaceChildren();
  outboxState.textContent = messages.length === 0
    ? 'Empty. Send a code and it shows up here within a second.'
    : messages.length + (messages.length === 1 ? ' message' : ' messages') + ', newest first.';
  for (const message of messages.slice().reverse()) {
    const item = element('li', 'message');
    const head = element('div', 'head');
    head.append(
      element('span', 'badge ' + message.channel, message.channel),
      element('span', 'to', message.to),
      element('time', 'time', new Date(message.sentAt).toLocaleTimeString()),
    );
    item.append(head);
    if (message.subject) item.append(element('div', 'subject', message.subject));
    item.append(element('pre', 'body', message.body));
    const code = (/\\b(\\d{4,10})\\b/.exec(message.body) || [])[1];
    if (code) {
      const use = element('button', 'link', 'Use code ' + code);
      use.type = 'button';
      use.addEventListener('click', () => {
        checkForm.id.value = message.verificationId || checkForm.id.value;
        checkForm.code.value = code;
        checkForm.code.focus();
      });
      item.append(use);
    }
    list.append(item);
  }
}

let last = '';
async function refresh() {
  try {
    const response = await fetch('/_local/outbox', { cache: 'no-store' });
    const text = await response.text();
    if (text !== last) {
      last = text;
      render(JSON.parse(text).messages);
    }
  } catch {
    last = '';
    outboxState.textContent = 'Local mode is not answering (stopped?). Retrying every second.';
  }
}
refresh();
setInterval(refresh, 1000);
`;

const PAGE_STYLE = `
:root { color-scheme: light dark; --bg: #f6f7f9; --card: #fff; --ink: #1b1f24; --muted: #5f6b7a; --line: #dde2e8;
  --accent: #2457d6; --good: #137a3a; --bad: #b42318; --code: #f1f3f6; }
@media (prefers-color-scheme: dark) { :root { --bg: #111418; --card: #1a1f25; --ink: #e6e9ed; --muted: #98a2b0;
  --line: #2c333c; --accent: #7aa2ff; --good: #5fd38a; --bad: #ff8a80; --code: #232a32; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
header { padding: 20px 28px 8px; }
h1 { margin: 0; font-size: 22px; }
h1 .tag { font-size: 12px; font-weight: 600; vertical-align: middle; padding: 2px 8px; margin-left: 6px;
  border-radius: 999px; background: var(--accent); color: #fff; }
header p { margin: 6px 0 0; color: var(--muted); }
main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 20px; padding: 16px 28px 28px; }
@media (max-width: 820px) { main { grid-template-columns: minmax(0, 1fr); } }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 20px; min-width: 0; }
h2 { font-size: 15px; margin: 4px 0 10px; }
h2 + form, form + h2 { margin-top: 0; }
form { display: grid; grid-template-columns: 1fr auto; gap: 8px 10px; align-items: end; margin-bottom: 18px; }
label { display: grid; gap: 4px; font-size: 13px; color: var(--muted); }
label.wide { grid-column: 1 / -1; }
input, select, button { font: inherit; color: inherit; }
input, select { width: 100%; height: 36px; padding: 0 9px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); }
input[readonly] { color: var(--muted); }
button { height: 36px; padding: 0 14px; border: 1px solid var(--accent); border-radius: 6px; background: var(--accent); color: #fff;
  cursor: pointer; white-space: nowrap; }
button.secondary { background: transparent; color: var(--accent); }
button.link { height: auto; border: 0; background: none; color: var(--accent); padding: 6px 0 0; font-size: 13px; }
.buttons { grid-column: 1 / -1; display: flex; gap: 8px; }
#answer-title { font-size: 13px; margin: 0 0 6px; overflow-wrap: anywhere; font-family: ui-monospace, Menlo, Consolas, monospace; }
#answer-title.good { color: var(--good); } #answer-title.bad { color: var(--bad); }
pre { margin: 0; padding: 10px 12px; background: var(--code); border-radius: 6px; overflow-x: auto;
  font: 13px/1.4 ui-monospace, Menlo, Consolas, monospace; white-space: pre-wrap; word-break: break-word; }
.row { display: flex; justify-content: space-between; align-items: center; margin-bottom: 6px; }
.row h2 { margin: 0; }
#outbox-state { color: var(--muted); font-size: 13px; margin: 0 0 8px; }
ol { list-style: none; margin: 0; padding: 0; display: grid; gap: 10px; }
.message { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.head { display: flex; gap: 10px; align-items: center; margin-bottom: 6px; font-size: 13px; }
.to { font-family: ui-monospace, Menlo, Consolas, monospace; }
.time { margin-left: auto; color: var(--muted); }
.subject { font-weight: 600; margin-bottom: 4px; }
.badge { font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; padding: 1px 7px;
  border-radius: 4px; background: var(--code); color: var(--muted); }
.badge.sms { color: var(--accent); } .badge.email { color: var(--good); } .badge.voice { color: #a15c00; }
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>onetime · local mode</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
  <h1>onetime <span class="tag">local mode</span></h1>
  <p>Nothing leaves this machine: every SMS, email and voice message lands in the outbox.</p>
</header>
<main>
  <section class="card">
    <h2>1. Send a code</h2>
    <form id="start-form" autocomplete="off">
      <label>To (phone number or email)<input name="to" value="+14155550123" required></label>
      <label>Channel<select name="channel"><option>sms</option><option>email</option><option>voice</option></select></label>
      <div class="buttons"><button type="submit">Send code</button></div>
    </form>
    <h2>2. Check it</h2>
    <form id="check-form" autocomplete="off">
      <label class="wide">Verification id<input name="id" readonly placeholder="filled in when a code is sent"></label>
      <label class="wide">Code<input name="code" inputmode="numeric" placeholder="from the outbox"></label>
      <div class="buttons">
        <button type="submit">Check code</button>
        <button type="button" class="secondary" id="status">Status</button>
        <button type="button" class="secondary" id="cancel">Cancel</button>
      </div>
    </form>
    <h2>Answer</h2>
    <p id="answer-title">No request yet.</p>
    <pre id="answer">The API's JSON answers show up here.</pre>
  </section>
  <section class="card">
    <div class="row"><h2>Outbox</h2><button type="button" class="secondary" id="clear">Clear</button></div>
    <p id="outbox-state">Loading…</p>
    <ol id="messages"></ol>
  </section>
</main>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');
const PAGE_CSP = [
  "default-src 'none'",
  `script-src 'sha256-${sha256(PAGE_SCRIPT)}'`,
  `style-src 'sha256-${sha256(PAGE_STYLE)}'`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
