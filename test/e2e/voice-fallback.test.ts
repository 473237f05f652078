import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local/dynamodb-local.ts';

/**
 * The voice fallback end to end in local mode: local mode's entry (what `npm start` runs) in a
 * child process with a 2-second fallback wait, real HTTP,
 * the synthesized state machine run by aws-local-stepfunctions, DynamoDB Local on Java. An SMS left
 * unverified gets a call in the outbox reading the same code, which approves; one verified in time
 * gets none; and stopping with executions still waiting exits at once.
 */
const ROOT = new URL('../..', import.meta.url).pathname;
const STARTUP_MS = 90_000;

interface OutboxMessage {
  channel: string;
  to: string;
  body: string;
  verificationId: string;
}

let child: ChildProcess;
let output = '';
let base: string;

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // What `npm start` execs (package.json), spawned directly so SIGTERM reaches the server itself.
  child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      PORT: String(port),
      OTP_VOICE_FALLBACK_SECONDS: '2',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + STARTUP_MS;
  while (!output.includes(`running at http://localhost:${port}`)) {
    if (child.exitCode !== null) throw new Error(`local mode exited:\n${output}`);
    if (Date.now() > deadline) throw new Error(`local mode did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, STARTUP_MS + 10_000);

afterAll(async () => {
  if (child?.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
});

const post = async (path: string, body: unknown) => {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const outbox = async () =>
  ((await (await fetch(`${base}/_local/outbox`)).json()) as { messages: OutboxMessage[] }).messages;
const spokenCode = (body: string) => /(\d(?: \d){3,9})\./.exec(body)?.[1]?.replaceAll(' ', '');

describe('Voice fallback in local mode (OTP_VOICE_FALLBACK_SECONDS=2)', () => {
  it('calls an unverified SMS verification after the wait; the spoken code approves it', async () => {
    const sent = await post('/v1/verifications', { to: '+14155550150', channel: 'sms' });
    expect(sent.status).toBe(201);
    const id = sent.body['id'] as string;
    const sms = (await outbox()).find((m) => m.verificationId === id && m.channel === 'sms')!;
    const code = /\b(\d{6})\b/.exec(sms.body)?.[1];

    const began = Date.now();
    let call: OutboxMessage | undefined;
    while (!call && Date.now() - began < 15_000) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      call = (await outbox()).find((m) => m.verificationId === id && m.channel === 'voice');
    }
    expect(call, output).toBeDefined();
    expect(Date.now() - began).toBeGreaterThanOrEqual(1_500); // not before the wait
    expect(call).toMatchObject({ channel: 'voice', to: '+14155550150' });
    expect(spokenCode(call!.body)).toBe(code);

    const check = await post(`/v1/verifications/${id}/check`, { code: spokenCode(call!.body) });
    expect(check).toMatchObject({ status: 200, body: { status: 'approved', valid: true } });
  }, 30_000);

  it('does not call a verification approved within the wait', async () => {
    const sent = await post('/v1/verifications', { to: '+14155550151', channel: 'sms' });
    const id = sent.body['id'] as string;
    const sms = (await outbox()).find((m) => m.verificationId === id && m.channel === 'sms')!;
    const check = await post(`/v1/verifications/${id}/check`, { code: /\b(\d{6})\b/.exec(sms.body)?.[1] });
    expect(check.body).toMatchObject({ status: 'approved' });
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect((await outbox()).filter((m) => m.verificationId === id).map((m) => m.channel)).toEqual(['sms']);
  }, 30_000);

  it('stops at once on SIGTERM with an execution still waiting', async () => {
    const sent = await post('/v1/verifications', { to: '+14155550152', channel: 'sms' });
    expect(sent.status).toBe(201);
    const began = Date.now();
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(Date.now() - began).toBeLessThan(10_000);
    expect(output).toContain('Stopped.');
  }, 30_000);
});
