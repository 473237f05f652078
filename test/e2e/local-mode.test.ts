import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/dynamodb-local.ts';

/**
 * `npm start` as a newcomer runs it: a real child process, real HTTP, the real DynamoDB Local on
 * Java. Walks send → outbox → check, then stops it with SIGTERM and makes sure nothing is left.
 */
const ROOT = new URL('../..', import.meta.url).pathname;
const STARTUP_MS = 90_000; // DynamoDB Local starts in ~2 s on an idle machine; CI machines are not idle.

interface Started {
  child: ChildProcess;
  output: () => string;
}

function run(command: string, args: string[], env: Record<string, string | undefined>): Started {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return { child, output: () => output };
}

async function waitFor(started: Started, text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!started.output().includes(text)) {
    if (started.child.exitCode !== null || started.child.signalCode !== null) {
      throw new Error(`exited before printing "${text}":\n${started.output()}`);
    }
    if (Date.now() > deadline) throw new Error(`no "${text}" within ${timeoutMs} ms:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every process below `root` (npm → sh → node → java), read from ps. */
function descendants(root: number): Array<{ pid: number; command: string }> {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => {
      const [pid, ppid, ...command] = line.trim().split(/\s+/);
      return { pid: Number(pid), ppid: Number(ppid), command: command.join(' ') };
    });
  const found = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const row of rows) {
      if (found.has(row.ppid) && !found.has(row.pid)) {
        found.add(row.pid);
        grew = true;
      }
    }
  }
  return rows.filter((row) => row.pid !== root && found.has(row.pid));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function exitOf(child: ChildProcess, timeoutMs: number) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return { code: child.exitCode, signal: child.signalCode };
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal };
}

const env = (extra: Record<string, string>) => ({
  ...process.env,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  ...extra,
});

// One server's life, in order: its last test stops the server the others use, so the order is fixed
// (`shuffle: false`) rather than left to chance.
describe('npm start (local mode)', { shuffle: false }, () => {
  let port: number;
  let base: string;
  let started: Started;
  let processes: Array<{ pid: number; command: string }> = [];

  beforeAll(async () => {
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    started = run('npm', ['start'], env({ PORT: String(port), OTP_RESEND_COOLDOWN_SECONDS: '0' }));
    await waitFor(started, `running at http://localhost:${port}`, STARTUP_MS);
    processes = descendants(started.child.pid!);
  }, STARTUP_MS + 10_000);

  afterAll(async () => {
    // Only if a test failed half-way: leave nothing running.
    for (const { pid } of processes) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (started?.child.exitCode === null) started.child.kill('SIGKILL');
  });

  it('prints the URL, the page and a curl example', () => {
    const output = started.output();
    expect(output).toContain(`http://localhost:${port}/_local/`);
    expect(output).toContain(
      `curl -s localhost:${port}/v1/verifications -H 'content-type: application/json'`,
    );
    expect(processes.some((p) => p.command.includes('DynamoDBLocal'))).toBe(true);
    // The providers a deploy would use, as none of OTP_SMS_PROVIDER / OTP_VOICE_PROVIDER is set.
    expect(output).toContain('SMS through sns, calls through end-user-messaging');
  });

  it('prints the local user pool: its endpoint, pool id and client id, as GET /_local/cognito names them', async () => {
    const pool = (await (await fetch(`${base}/_local/cognito`)).json()) as Record<string, string>;
    const output = started.output();
    expect(output).toMatch(new RegExp(`userPoolEndpoint +${pool['endpoint']}`));
    expect(output).toMatch(new RegExp(`userPoolId +${pool['userPoolId']}`));
    expect(output).toMatch(new RegExp(`userPoolClientId +${pool['clientId']}`));
    expect(output).toContain('OTP_LOCAL_COGNITO_USERS');
  });

  it('walks send, outbox, wrong code, right code, status over real HTTP', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    const sent = await post('/v1/verifications', { to: '+1 415 555 0123', channel: 'sms' });
    expect(sent.status).toBe(201);
    const verification = (await sent.json()) as { id: string; resendAvailableAt: string };
    expect(verification).toMatchObject({ to: '+1********23', status: 'pending' });
    // OTP_RESEND_COOLDOWN_SECONDS=0 from the environment reached the service.
    expect(Date.parse(verification.resendAvailableAt)).toBeLessThanOrEqual(Date.now() + 1_000);

    const outbox = (await (await fetch(`${base}/_local/outbox`)).json()) as {
      messages: Array<{ channel: string; to: string; body: string; sentAt: string }>;
    };
    const message = outbox.messages.at(-1)!;
    expect(message).toMatchObject({ channel: 'sms', to: '+14155550123' });
    expect(Number.isNaN(Date.parse(message.sentAt))).toBe(false);
    const code = /\b(\d{6})\b/.exec(message.body)?.[1];
    expect(code).toMatch(/^\d{6}$/);

    const wrongCode = code === '000000' ? '111111' : '000000';
    const wrong = await post(`/v1/verifications/${verification.id}/check`, { code: wrongCode });
    expect(wrong.status).toBe(200);
    expect(await wrong.json()).toMatchObject({ valid: false, status: 'pending', attemptsRemaining: 4 });

    const right = await post(`/v1/verifications/${verification.id}/check`, { code });
    expect(right.status).toBe(200);
    expect(await right.json()).toMatchObject({ valid: true, status: 'approved' });

    const status = await fetch(`${base}/v1/verifications/${verification.id}`);
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({
      id: verification.id,
      status: 'approved',
      to: '+1********23',
    });

    const again = await post(`/v1/verifications/${verification.id}/check`, { code });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: 'verification_closed' }, status: 'approved' });
  });

  it('clears the outbox on DELETE /_local/outbox', async () => {
    expect((await fetch(`${base}/_local/outbox`, { method: 'DELETE' })).status).toBe(200);
    expect(await (await fetch(`${base}/_local/outbox`)).json()).toEqual({ messages: [] });
  });

  it('serves the /_local/ page: self-contained HTML with a form', async () => {
    const page = await fetch(`${base}/_local/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('<form');
    expect(html).toContain('/v1/verifications');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
  });

  it('answers unknown routes, wrong methods and huge bodies with the error envelope', async () => {
    const unknown = await fetch(`${base}/v2/nothing`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'not_found' } });

    const wrongMethod = await fetch(`${base}/v1/verifications`, { method: 'PUT' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    const refused = await wrongMethod.json();
    expect(refused).toEqual({
      error: { code: 'method_not_allowed', message: 'PUT is not allowed on /v1/verifications; use POST.' },
    });
    // docs/openapi.yaml shows this very answer.
    expect(readFileSync(new URL('../../docs/openapi.yaml', import.meta.url), 'utf8')).toContain(
      JSON.stringify(refused).replaceAll('":', '": ').replaceAll(',"', ', "'),
    );

    const missing = await fetch(`${base}/v1/verifications/no-such-id`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });

    for (const size of [20 * 1024, 2 * 1024 * 1024]) {
      const huge = await fetch(`${base}/v1/verifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: '+14155550123', channel: 'sms', pad: 'x'.repeat(size) }),
      });
      expect(huge.status).toBe(413);
      // The limit in the answer is the API's (16 KiB), whichever layer refused the body.
      expect(await huge.json()).toEqual({
        error: { code: 'payload_too_large', message: 'The body must not exceed 16 KiB.' },
      });
    }
  });

  it('sends a browser that opens the server address to the page', async () => {
    const root = await fetch(`${base}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/_local/');
    const followed = await fetch(`${base}/`);
    expect(followed.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('stops on SIGTERM: exit code 0, DynamoDB Local gone', async () => {
    const server = processes.find((p) => p.command.includes('local/main.ts') && !p.command.startsWith('sh'));
    const java = processes.filter((p) => p.command.includes('DynamoDBLocal'));
    expect(server).toBeDefined();
    expect(java.length).toBe(1);

    // The server process, as a process manager would signal it; npm passes its exit code on.
    process.kill(server!.pid, 'SIGTERM');
    const exit = await exitOf(started.child, 20_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(started.output()).toContain('Stopped.');
    // Helpers (tsx's esbuild service) notice their parent's exit a moment later: poll for it, with a
    // deadline only a busy machine's slowest run would come near.
    const deadline = Date.now() + 30_000;
    while (processes.some((p) => alive(p.pid)) && Date.now() < deadline) await sleep(100);
    for (const p of processes) expect(alive(p.pid), `${p.pid} ${p.command}`).toBe(false);
  }, 60_000);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('npm start when it cannot start', () => {
  const main = ['--import', 'tsx', 'local/main.ts'];

  it('names Java and exits 1 when java is not on the PATH', async () => {
    const emptyPath = mkdtempSync(join(tmpdir(), 'onetime-no-java-'));
    try {
      const started = run(process.execPath, main, env({ PORT: String(await freePort()), PATH: emptyPath }));
      const exit = await exitOf(started.child, 60_000);
      expect(exit).toEqual({ code: 1, signal: null });
      expect(started.output()).toMatch(/needs Java 17 or newer/);
      expect(started.output()).not.toMatch(/\n\s+at /); // one clear line, no stack trace
    } finally {
      rmSync(emptyPath, { recursive: true, force: true });
    }
  }, 70_000);

  it('says the port is taken and exits 1', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const started = run(process.execPath, main, env({ PORT: String(port) }));
      const exit = await exitOf(started.child, 60_000);
      expect(exit).toEqual({ code: 1, signal: null });
      expect(started.output()).toContain(`Port ${port} is already in use`);
      expect(started.output()).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  }, 70_000);

  it('refuses a bad OTP_* setting with one line naming it', async () => {
    const started = run(process.execPath, main, env({ PORT: '0', OTP_CODE_LENGTH: 'seven' }));
    const exit = await exitOf(started.child, 60_000);
    expect(exit).toEqual({ code: 1, signal: null });
    expect(started.output()).toContain('OTP_CODE_LENGTH must be an integer');
  }, 70_000);
});
