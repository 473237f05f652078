import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../local/dynamodb-local.ts';
import { localClient, type OutboxEntry } from '../support/local-http.ts';

/**
 * The cascade end to end in local mode (the voice fallback, and a three-step cascade): local mode's entry (what `npm start` runs) in a
 * child process with a 4-second fallback wait, real HTTP,
 * the synthesized state machine run by aws-local-stepfunctions, DynamoDB Local on Java. An SMS left
 * unverified gets a call in the outbox reading the same code, which approves; one verified in time
 * gets none; and stopping with executions still waiting exits at once, without calling.
 *
 * Nothing here sleeps for a guessed time: the tests poll for what they wait for (with deadlines far
 * beyond any busy machine), and the one real-time bound they need, acting within the wait, has four
 * seconds of room for one to three local HTTP requests and is checked, not assumed.
 */
const ROOT = new URL('../..', import.meta.url).pathname;
const STARTUP_MS = 90_000;
const WAIT_SECONDS = 4;
const WAIT_MS = WAIT_SECONDS * 1000;
/** How long a poll may take before the test gives up: only a broken run gets near it. */
const POLL_DEADLINE_MS = 45_000;

type OutboxMessage = OutboxEntry;

let child: ChildProcess;
let output = '';
let base: string;

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // What `npm start` execs (package.json), spawned directly so SIGTERM reaches the server itself.
  child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      PORT: String(port),
      OTP_VOICE_FALLBACK_SECONDS: String(WAIT_SECONDS),
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

const { post, outbox } = localClient(() => base);
const spokenCode = (body: string) => /(\d(?: \d){3,9})\./.exec(body)?.[1]?.replaceAll(' ', '');

/** Sends an SMS verification and reads its code from the outbox. */
async function sendSms(to: string): Promise<{ id: string; code: string }> {
  const sent = await post('/v1/verifications', { to, channel: 'sms' });
  expect(sent.status, JSON.stringify(sent.body)).toBe(201);
  const id = sent.body['id'] as string;
  const sms = (await outbox()).find((m) => m.verificationId === id && m.channel === 'sms');
  const code = sms && /\b(\d{6})\b/.exec(sms.body)?.[1];
  if (!code) throw new Error(`no SMS code for ${id} in the outbox`);
  return { id, code };
}

/** Polls the outbox until the voice call for `id` is there. */
async function callFor(id: string): Promise<OutboxMessage> {
  const deadline = Date.now() + POLL_DEADLINE_MS;
  for (;;) {
    const call = (await outbox()).find((m) => m.verificationId === id && m.channel === 'voice');
    if (call) return call;
    if (Date.now() > deadline) throw new Error(`no call for ${id} within ${POLL_DEADLINE_MS} ms:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Local mode's log lines (JSON, one a line) about the fallback of `id`: the call task logs each outcome. */
const fallbackLogLines = (id: string) =>
  output.split('\n').filter((line) => line.includes(id) && /cascade step/i.test(line));

// One server's life, in order: the SIGTERM test stops the server the others use (`shuffle: false`).
describe(`Cascade in local mode (OTP_VOICE_FALLBACK_SECONDS=${WAIT_SECONDS})`, {
  shuffle: false,
}, () => {
  it('calls an unverified SMS verification after the wait; the spoken code approves it', async () => {
    const began = Date.now(); // the execution starts after this, so its call cannot come before + WAIT_MS
    const { id, code } = await sendSms('+14155550150');

    const call = await callFor(id);
    // Timers and clocks round to whole milliseconds in different ways: 10 ms of slack.
    expect(Date.parse(call.sentAt) - began, 'not before the wait').toBeGreaterThanOrEqual(WAIT_MS - 10);
    expect(call).toMatchObject({ channel: 'voice', to: '+14155550150' });
    expect(spokenCode(call.body)).toBe(code);

    const check = await post(`/v1/verifications/${id}/check`, { code: spokenCode(call.body) });
    expect(check).toMatchObject({ status: 200, body: { status: 'approved', valid: true } });
    // The call is logged with the id (what the SIGTERM test looks for); the line may trail the call.
    await vi.waitFor(() => expect(fallbackLogLines(id)).toHaveLength(1), { timeout: POLL_DEADLINE_MS });
  }, 90_000);

  it('does not call a verification approved within the wait', async () => {
    const began = Date.now();
    const { id, code } = await sendSms('+14155550151');
    const check = await post(`/v1/verifications/${id}/check`, { code });
    expect(check.body).toMatchObject({ status: 'approved' });
    expect(Date.now() - began, 'the approval came within the wait').toBeLessThan(WAIT_MS);

    // An execution started after this one waits as long and ends later (same wait, timers fire in
    // order, and its call takes more steps than deciding not to call): once its call is in the
    // outbox, the approved verification's execution has decided too.
    const later = await sendSms('+14155550153');
    await callFor(later.id);
    expect((await outbox()).filter((m) => m.verificationId === id).map((m) => m.channel)).toEqual(['sms']);
  }, 90_000);

  it('runs a three-step cascade in order, each step once with the same code, shown in GET', async () => {
    const to = '+14155550154';
    const sent = await post('/v1/verifications', {
      to,
      channel: 'sms',
      cascade: [
        { channel: 'voice', afterSeconds: 1 },
        { channel: 'email', to: 'cascade@example.com', afterSeconds: 1 },
        { channel: 'sms', afterSeconds: 1 },
      ],
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    const id = sent.body['id'] as string;
    const deadline = Date.now() + POLL_DEADLINE_MS;
    const ofThis = async () => (await outbox()).filter((m) => m.verificationId === id);
    let messages = await ofThis();
    while (messages.length < 4) {
      if (Date.now() > deadline) throw new Error(`cascade of ${id} incomplete:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      messages = await ofThis();
    }
    expect(messages.map((m) => [m.channel, m.to])).toEqual([
      ['sms', to],
      ['voice', to],
      ['email', 'cascade@example.com'],
      ['sms', to],
    ]);
    const code = /\b(\d{6})\b/.exec(messages[0]!.body)?.[1];
    expect(spokenCode(messages[1]!.body)).toBe(code);
    expect(messages[2]!.body).toContain(code);
    expect(messages[3]!.body).toContain(code);
    // Each about a second after the one before it (counted from the step's claim, a moment before its
    // outbox time; the exact waits are the workflow tests', on a test clock).
    for (let i = 1; i < 4; i++) {
      expect(Date.parse(messages[i]!.sentAt) - Date.parse(messages[i - 1]!.sentAt)).toBeGreaterThanOrEqual(
        500,
      );
    }
    // A step's message reaches the outbox a moment before its outcome is written: read until none is
    // still `sending` (the deadline is only reached by a broken run).
    const read = async () =>
      (await (await fetch(`${base}/v1/verifications/${id}`)).json()) as {
        cascade: Array<{ status: string }>;
      };
    let shown = await read();
    while (shown.cascade.some((step) => step.status === 'sending') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      shown = await read();
    }
    expect(shown.cascade).toMatchObject([
      { channel: 'voice', to: '+1********54', status: 'sent' },
      { channel: 'email', to: 'c***@example.com', status: 'sent' },
      { channel: 'sms', to: '+1********54', status: 'sent' },
    ]);
    const check = await post(`/v1/verifications/${id}/check`, { code });
    expect(check.body).toMatchObject({ status: 'approved' });
  }, 90_000);

  it('stops at once on SIGTERM with an execution still waiting, and it never calls', async () => {
    const began = Date.now();
    const { id } = await sendSms('+14155550152');
    expect(Date.now() - began, 'stopped within the wait').toBeLessThan(WAIT_MS);
    const stopping = Date.now();
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(20_000);
    expect(output).toContain('Stopped.');
    // Whatever the workflow did with it would be logged with its id (as the first test saw): nothing.
    expect(fallbackLogLines(id)).toEqual([]);
  }, 60_000);
});
