/**
 * `npm start`: onetime on this machine. The API on http://localhost:$PORT (default 3000), Amazon's
 * DynamoDB Local in memory, and every message in the outbox instead of a phone or an inbox.
 * Settings come from the OTP_* environment variables of the contract. Ctrl-C stops it all.
 */
import {
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED,
  OTP_LOCAL_COGNITO_USERS,
  PORT,
} from '../functions/env.ts';

process.env[AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED] ??= 'true';
// A closed terminal or pipe must not crash us halfway through stopping DynamoDB Local.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

const { LocalModeStartError, startLocalMode } = await import('./server.ts');

const port = parsePort(process.env[PORT]);
console.log('Starting onetime local mode (DynamoDB Local on Java, in memory)…');

let local: Awaited<ReturnType<typeof startLocalMode>>;
try {
  local = await startLocalMode({ port });
} catch (error) {
  if (error instanceof LocalModeStartError) {
    console.error(`onetime could not start: ${error.message}`);
  } else {
    console.error('onetime could not start:', error);
  }
  process.exit(1);
}

const actualPort = new URL(local.url).port;
const base = `http://localhost:${actualPort}`;
console.log(`
onetime local mode is running at ${base}

  API     ${base}/v1/verifications
  Page    ${base}/_local/        watch the outbox and try a verification in your browser
  Outbox  ${base}/_local/outbox  every message "sent" (nothing leaves this machine)

Phone providers a deploy would use (each outbox message names what it would send; README "Phone providers in local mode"):
  SMS through ${local.providers.sms}, calls through ${local.providers.voice}   set OTP_SMS_PROVIDER / OTP_VOICE_PROVIDER to change

Passwordless sign-in (a Cognito user pool on this engine; docs/cognito.md "Sign in offline"):
  userPoolEndpoint  ${local.cognito.endpoint}
  userPoolId        ${local.cognito.userPoolId}
  userPoolClientId  ${local.cognito.clientId}
  region            ${local.cognito.region}
  users             ${process.env[OTP_LOCAL_COGNITO_USERS] ? `from ${OTP_LOCAL_COGNITO_USERS}` : `ana (ana@example.com, +14155550123); set ${OTP_LOCAL_COGNITO_USERS} for your own`}

Send a code, then read it from the outbox:
  curl -s localhost:${actualPort}/v1/verifications -H 'content-type: application/json' -d '{"to":"+14155550123","channel":"sms"}'
  curl -s localhost:${actualPort}/_local/outbox

Press Ctrl-C to stop. Log lines (JSON) follow.
`);

let stopping = false;
function shutdown(reason: string): void {
  if (stopping) return;
  stopping = true;
  console.log(`\nStopping onetime local mode (${reason})…`);
  local.stop().then(
    () => {
      console.log('Stopped. DynamoDB Local is gone, and its data with it (it was in memory).');
      process.exit(0);
    },
    (error: unknown) => {
      console.error('onetime did not stop cleanly:', error);
      process.exit(1);
    },
  );
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));

// `npm start` runs us under `sh -c`, which dies on a SIGTERM sent to npm without passing it on. When
// whoever started us is gone, stop too rather than keep a server and a Java process running orphaned.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) shutdown('the process that started it exited');
}, 500).unref();

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 3000;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    console.error(`onetime could not start: ${PORT} must be a whole number from 0 to 65535 (got "${raw}").`);
    process.exit(1);
  }
  return value;
}
