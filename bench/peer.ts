/**
 * Cold starts beside the best-known open-source peer, aws-samples/amazon-cognito-passwordless-auth
 * (its npm package, pinned as a devDependency: its compiled trigger handlers in
 * dist/cdk/custom-auth/). Both sides are bundled here with the construct's own esbuild options
 * (`esbuildOptions`), and imported in fresh Node processes, interleaved over the rounds; the ratio is
 * the median over the rounds of onetime's import CPU ÷ the peer's in the same round (paired, so the
 * machine's drift cancels). The peer gets the environment its construct sets with magic links and SMS
 * step-up on, FIDO2 off. Issue 17's goal: every trigger and the HTTP send at or below the peer (≤ 1.0×).
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { esbuildOptions, type HandlerName, handlerEntry } from '../infra/otp-function.ts';
import { startExtensionStub } from '../test/support/extension-stub.ts';
import { median, startDynamoDbStub, timeImport } from './bundles.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PEER = join(ROOT, 'node_modules', 'amazon-cognito-passwordless-auth', 'dist', 'cdk', 'custom-auth');
const ROUNDS = 21;

/** Each onetime function beside the peer's handler that does the same job. */
const PAIRS: Array<{ job: string; ours: HandlerName; peer: string }> = [
  { job: 'define auth challenge', ours: 'cognito-define', peer: 'define-auth-challenge.js' },
  { job: 'create auth challenge (send)', ours: 'cognito-create', peer: 'create-auth-challenge.js' },
  { job: 'verify auth challenge', ours: 'cognito-verify', peer: 'verify-auth-challenge-response.js' },
  { job: "HTTP send (start) vs the peer's create", ours: 'start', peer: 'create-auth-challenge.js' },
];

/** What the peer's construct gives its triggers (magic link and SMS step-up on, FIDO2 off). */
const PEER_ENV = {
  MAGIC_LINK_ENABLED: 'TRUE',
  SMS_OTP_STEP_UP_ENABLED: 'TRUE',
  FIDO2_ENABLED: 'FALSE',
  ALLOWED_ORIGINS: 'https://app.example.com',
  SES_FROM_ADDRESS: 'no-reply@example.com',
  SES_REGION: 'us-east-1',
  KMS_KEY_ID: 'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000',
  DYNAMODB_SECRETS_TABLE: 'passwordless-secrets',
  SECONDS_UNTIL_EXPIRY: '900',
  MIN_SECONDS_BETWEEN: '60',
  STACK_ID: 'arn:aws:cloudformation:us-east-1:123456789012:stack/passwordless/bench',
  LOG_LEVEL: 'INFO',
};

async function bundle(out: string, name: string, entry: string): Promise<{ file: string; bytes: number }> {
  const file = join(out, name, 'index.mjs');
  await build({ ...esbuildOptions(entry, file), absWorkingDir: ROOT });
  return { file, bytes: statSync(file).size };
}

export async function benchPeer(): Promise<string> {
  mkdirSync(join(ROOT, 'bench', '.build'), { recursive: true });
  const out = mkdtempSync(join(ROOT, 'bench', '.build', 'peer-'));
  const extension = await startExtensionStub();
  const dynamodb = await startDynamoDbStub();
  try {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'] ?? '',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_SESSION_TOKEN: 'bench',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
      TABLE_NAME: 'onetime-bench',
      SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench',
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
      ...PEER_ENV,
    };
    const rows = [];
    const built = new Map<string, { file: string; bytes: number }>();
    for (const pair of PAIRS) {
      if (!built.has(pair.ours)) built.set(pair.ours, await bundle(out, pair.ours, handlerEntry(pair.ours)));
      if (!built.has(pair.peer))
        built.set(pair.peer, await bundle(out, `peer-${pair.peer}`, join(PEER, pair.peer)));
    }
    const cpu = new Map<string, number[]>([...built.keys()].map((key) => [key, []]));
    // Interleaved rounds: every bundle once per round, as deployed (source maps on).
    for (let round = 0; round < ROUNDS; round++) {
      for (const [key, { file }] of built) cpu.get(key)!.push((await timeImport(file, env, true)).cpu);
    }
    for (const pair of PAIRS) {
      const ours = cpu.get(pair.ours)!;
      const peer = cpu.get(pair.peer)!;
      const paired = median(ours.map((value, i) => value / peer[i]!));
      rows.push(
        `| ${pair.job} | ${kb(built.get(pair.ours)!.bytes)} / ${kb(built.get(pair.peer)!.bytes)} | ` +
          `${median(ours).toFixed(1)} ms / ${median(peer).toFixed(1)} ms | ${paired.toFixed(2)}× | ≤ 1.00× | ${paired <= 1 ? 'PASS' : 'FAIL'} |`,
      );
    }
    return [
      '## Cold starts beside the peer (amazon-cognito-passwordless-auth 0.17.0)',
      '',
      `Both sides bundled with the construct's esbuild options; each import in a fresh Node process with source maps on, ${ROUNDS} interleaved rounds; "paired" is the median over the rounds of onetime's import CPU ÷ the peer's in the same round. The peer's environment: magic link and SMS step-up on, FIDO2 off. onetime's send path reads its secret through the extension at import (a local stub answers here, as the extension does on Lambda).`,
      '',
      '| function | bundle: onetime / peer | import CPU, median: onetime / peer | paired ratio | target | result |',
      '| --- | --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n');
  } finally {
    await extension.close();
    await dynamodb.close();
    rmSync(out, { recursive: true, force: true });
  }
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchPeer());
