import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalMode, startLocalMode } from '../../local/server.ts';

/**
 * The README promises a curl session "that works as written". This test runs that very block with
 * bash against local mode (only the port differs), so the README cannot drift from the product.
 */
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const session = readme.split('## A session with curl')[1]?.match(/```sh\n([\s\S]*?)```/)?.[1];

const payment = readme.split('## Approving a payment with curl')[1]?.match(/```sh\n([\s\S]*?)```/)?.[1];

const providers = readme.split('### Phone providers in local mode')[1]?.match(/```sh\n([\s\S]*?)```/)?.[1];

const clientExample = readme.split('## The same from TypeScript')[1]?.match(/```ts\n([\s\S]*?)```/)?.[1];
/** What each `console.log(…); // output` line of the client example says it prints. */
const promised = [...(clientExample ?? '').matchAll(/console\.log\(.*\/\/ (.+)$/gm)].map((m) => m[1]!);

describe('README', () => {
  let local: LocalMode;
  beforeAll(async () => {
    local = await startLocalMode({ port: 0, quiet: true, env: {} });
  });
  afterAll(async () => {
    await local?.stop();
  });

  /** Runs the README's session as written against `local` (only the port differs); its output lines. */
  async function runSession(options: { cascade?: boolean } = {}): Promise<string[]> {
    expect(session, 'README has a ```sh block under "A session with curl"').toBeDefined();
    const port = new URL(local.url).port;
    // Step 5 leaves its verification pending: run again within 30 s, it would meet the cooldown.
    const steps = options.cascade ? session! : session!.split('# 5.')[0]!;
    const script = `set -euo pipefail\n${steps.replaceAll('localhost:3000', `localhost:${port}`)}`;
    const { stdout } = await promisify(execFile)('bash', ['-c', script], { timeout: 30_000 });
    return stdout.trim().split('\n');
  }

  it('curl session works as written: the code from the outbox approves the verification', async () => {
    const outputs = await runSession({ cascade: true });
    expect(outputs[0]).toMatch(/^Your onetime code is \d{6}\./);
    // The session's "wrong" code is 000000; one run in a million draws exactly that code.
    if (/\b000000\b/.test(outputs[0]!)) {
      expect(JSON.parse(outputs[1]!)).toMatchObject({ valid: true, status: 'approved' });
      expect(JSON.parse(outputs[2]!)).toMatchObject({ error: { code: 'verification_closed' } });
    } else {
      expect(JSON.parse(outputs[1]!)).toMatchObject({
        valid: false,
        status: 'pending',
        attemptsRemaining: 4,
      });
      expect(JSON.parse(outputs[2]!)).toMatchObject({ valid: true, status: 'approved' });
    }
    const status = JSON.parse(outputs[3]!);
    expect(status).toMatchObject({ status: 'approved', to: '+1********23', channel: 'sms' });
    expect(local.outbox.messages.filter((m) => m.verificationId === status.id)).toHaveLength(1);
    // 5. The cascade, as its GET shows it before any step was due.
    expect(JSON.parse(outputs[4]!)).toEqual([
      { channel: 'voice', to: '+1********24', afterSeconds: 30, status: 'scheduled' },
      { channel: 'email', to: 'a***@example.com', afterSeconds: 60, status: 'scheduled' },
    ]);
    expect(outputs).toHaveLength(5);
  });

  it('payment session works as written: the SMS shows the payment, another payment is a wrong code', async () => {
    expect(payment, 'README has a ```sh block under "Approving a payment with curl"').toBeDefined();
    const port = new URL(local.url).port;
    const script = `set -euo pipefail\n${payment!.replaceAll('localhost:3000', `localhost:${port}`)}`;
    const { stdout } = await promisify(execFile)('bash', ['-c', script], { timeout: 30_000 });
    const outputs = stdout.trim().split('\n');
    expect(outputs[0]).toMatch(/^Your onetime code to pay €49\.90 to Acme Shop is \d{6}\./);
    const transaction = { amount: '49.90', currency: 'EUR', payee: 'Acme Shop' };
    expect(JSON.parse(outputs[1]!)).toMatchObject({ valid: false, attemptsRemaining: 4, transaction });
    expect(JSON.parse(outputs[2]!)).toMatchObject({ valid: true, status: 'approved', transaction });
  });

  it('provider session works as written: local mode started as its first line says, the outbox as its comment shows', async () => {
    expect(providers, 'README has a ```sh block under "Phone providers in local mode"').toBeDefined();
    const [start, rest] = providers!.split('# in another terminal:\n');
    // `VAR=value … npm start`: local mode with those variables.
    const env = Object.fromEntries(
      [...start!.matchAll(/\b(OTP_[A-Z_]+)=(\S+)/g)].map((match) => [match[1]!, match[2]!]),
    );
    expect(start).toMatch(/ npm start\n$/);
    const notify = await startLocalMode({ port: 0, quiet: true, env });
    try {
      const port = new URL(notify.url).port;
      const script = `set -euo pipefail\n${rest!.replaceAll('localhost:3000', `localhost:${port}`)}`;
      const { stdout } = await promisify(execFile)('bash', ['-c', script], { timeout: 30_000 });
      const shown = JSON.parse(stdout.trim()) as {
        body: string;
        deployedSend: { templateVariables: { code: string } };
      };
      const code = shown.deployedSend.templateVariables.code;
      // The commented output, with its code the one this run sent.
      const promisedOutput = rest!
        .split('\n')
        .filter((line) => line.startsWith('#'))
        .map((line) => line.replace(/^# ?/, ''))
        .join('')
        .replaceAll('123456', code);
      expect(shown).toEqual(JSON.parse(promisedOutput));
    } finally {
      await notify.stop();
    }
  }, 60_000);

  it('client example works as written: each console.log prints what its comment says', async () => {
    expect(clientExample, 'README has a ```ts block under "The same from TypeScript"').toBeDefined();
    const port = new URL(local.url).port;
    const script = clientExample!.replaceAll('localhost:3000', `localhost:${port}`);
    // As an app runs it: an ES module importing `onetime/client` (the package's own export), no key.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      {
        cwd: new URL('../..', import.meta.url).pathname,
        timeout: 30_000,
        env: { ...process.env, ONETIME_API_KEY: '' },
      },
    );
    const printed = stdout.trim().split('\n');
    expect(promised).toHaveLength(5);
    expect(printed).toHaveLength(promised.length);
    for (const [index, line] of printed.entries()) {
      // Numbers may be lower than promised (the cooldown left when the second request lands), never higher.
      const digits = (text: string) => text.replaceAll(/\d+/g, '#');
      expect(digits(line)).toBe(digits(promised[index]!));
      const numbers = (text: string) => [...text.matchAll(/\d+/g)].map(Number);
      const [got, want] = [numbers(line), numbers(promised[index]!)];
      for (const [i, value] of got.entries()) expect(value).toBeLessThanOrEqual(want[i]!);
      if (line.startsWith('+1')) expect(line).toBe(promised[index]);
    }
  });

  it('curl session still reads its own SMS when newer messages arrived in between (a slow reader)', async () => {
    const port = new URL(local.url).port;
    const [first, rest] = session!
      .split('# 5.')[0]!
      .replaceAll('localhost:3000', `localhost:${port}`)
      .split('# 3.');
    const run = (script: string) =>
      promisify(execFile)('bash', ['-c', `set -euo pipefail\n${script}`], { timeout: 30_000 });
    const started = await run(`${first}\necho "ID=$ID"`);
    const id = /^ID=(.+)$/m.exec(started.stdout)?.[1];
    expect(id).toBeDefined();
    // What a minute's wait brings: the fallback call for this very code, and another person's SMS.
    const voice = local.outbox.senders().voice;
    const sms = local.outbox.senders().sms;
    await voice.send({
      channel: 'voice',
      to: '+14155550123',
      maskedTo: '',
      body: 'Your code is 1 2 3 4 5 6.',
      verificationId: id!,
    });
    await sms.send({
      channel: 'sms',
      to: '+14155550999',
      maskedTo: '',
      body: 'Your onetime code is 654321.',
      verificationId: 'other',
    });

    const { stdout } = await run(`ID=${id}\nSMS='${/^SMS='(.*)'$/m.exec(first!)?.[1]}'\n# 3.${rest}`);

    const outputs = stdout.trim().split('\n');
    expect(outputs.map((line) => JSON.parse(line).status)).toContain('approved');
    expect(outputs.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ id, status: 'approved' }),
    );
  });

  it('GET /_local/events shows the approval, taken from the table stream as EventBridge would get it', async () => {
    const { id } = JSON.parse((await runSession())[3]!) as { id: string };
    let events: Array<{ verificationId: string; status: string; channel: string }> = [];
    // Polled: the deadline is only reached by a broken run, however busy the machine.
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      const response = await fetch(`${local.url}/_local/events`);
      events = ((await response.json()) as { events: typeof events }).events;
      if (events.some((event) => event.verificationId === id && event.status === 'approved')) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(events).toContainEqual(
      expect.objectContaining({ verificationId: id, status: 'approved', channel: 'sms' }),
    );
    expect(JSON.stringify(events)).not.toContain('4155550123');
  }, 60_000);
});
