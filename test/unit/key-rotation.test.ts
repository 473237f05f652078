import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { KEY_REFRESH_MS, loadRefreshingSealer } from '../../functions/adapters/refreshing-sealer.ts';
import {
  advanceRotation,
  newKey,
  rotateKey,
  STAGE_TO_PROMOTE_MS,
} from '../../functions/adapters/secret-key-rotation.ts';
import { newVerificationId } from '../../functions/core/ids.ts';
import {
  type KeyMaterial,
  parseKeyMaterial,
  promoteKey,
  readKeyMaterial,
  stageKey,
} from '../../functions/core/key-material.ts';
import type { Log } from '../../functions/core/ports.ts';
import { Sealer } from '../../functions/core/sealing.ts';

const run = promisify(execFile);
const A = 'a'.repeat(32) + 'A'.repeat(32);
const B = 'b'.repeat(32) + 'B'.repeat(32);
const C = 'c'.repeat(32) + 'C'.repeat(32);
const TO = '+14155550123';
const CODE = '482913';

const sealerOf = (material: KeyMaterial | string) => {
  const keys = parseKeyMaterial(typeof material === 'string' ? material : JSON.stringify(material));
  return new Sealer(keys.current, keys.accepted, keys.naming);
};

describe('Key material: the secret value', () => {
  it('reads a plain string (as generated at deploy) as the current key', () => {
    expect(readKeyMaterial(A)).toEqual({ current: A });
    // Looks like JSON but is not an object with `current`: still the key itself.
    expect(readKeyMaterial('{not json')).toEqual({ current: '{not json' });
    expect(readKeyMaterial('"quoted"')).toEqual({ current: '"quoted"' });
    expect(readKeyMaterial('{"other":"x"}')).toEqual({ current: '{"other":"x"}' });
  });

  it('reads a rotated value, and refuses one whose keys are not strings', () => {
    const value = JSON.stringify({ current: B, previous: A, naming: A });
    expect(readKeyMaterial(value)).toEqual({ current: B, previous: A, naming: A });
    expect(() => readKeyMaterial(JSON.stringify({ current: 1 }))).toThrow(/"current" key is not a string/);
    expect(() => readKeyMaterial(JSON.stringify({ current: A, next: ['x'] }))).toThrow(/"next"/);
  });

  it('stage adds a next key; promote makes it current and keeps the old one as previous and for naming', () => {
    const staged = stageKey({ current: A }, B);
    expect(staged).toEqual({ current: A, next: B });
    const promoted = promoteKey(staged);
    expect(promoted).toEqual({ current: B, previous: A, naming: A });
    // The next rotation drops the oldest key and keeps the naming key.
    expect(promoteKey(stageKey(promoted, C))).toEqual({ current: C, previous: B, naming: A });
    expect(() => stageKey(staged, C)).toThrow(/already staged/);
    expect(() => promoteKey({ current: A })).toThrow(/no key is staged/);
  });

  it('a sealer from a rotated value seals with current, accepts next and previous, names with naming', () => {
    const before = sealerOf(A);
    const staged = sealerOf(stageKey({ current: A }, B));
    const promoted = sealerOf(promoteKey(stageKey({ current: A }, B)));
    const onlyB = sealerOf(B);
    expect(staged.acceptedKeyCount).toBe(2);
    expect(promoted.acceptedKeyCount).toBe(2);
    const id = newVerificationId(before.destinationKey(TO));

    expect(staged.mac(id, CODE)).toBe(before.mac(id, CODE)); // staging changes nothing sent
    expect(promoted.mac(id, CODE)).toBe(onlyB.mac(id, CODE)); // promoting seals with the new key
    expect(promoted.destinationKey(TO)).toBe(before.destinationKey(TO)); // names stay
    expect(onlyB.destinationKey(TO)).not.toBe(before.destinationKey(TO));
  });
});

describe('Key rotation: a code checks on either side of every step', () => {
  // Every function is, at any moment, one step behind or at the newest value (the refresh bound).
  it('property: over any run of rotations, sealers one step apart accept each other’s codes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.stringMatching(/^[0-9]{6}$/), (rotations, code) => {
        const values: KeyMaterial[] = [{ current: newKey() }];
        for (let i = 0; i < rotations; i++) {
          const last = values.at(-1)!;
          const staged = stageKey(last, newKey());
          values.push(staged, promoteKey(staged));
        }
        for (let i = 1; i < values.length; i++) {
          const [older, newer] = [sealerOf(values[i - 1]!), sealerOf(values[i]!)];
          const id = newVerificationId(older.destinationKey(TO));
          expect(newer.destinationKey(TO)).toBe(older.destinationKey(TO));
          for (const [sender, checker] of [
            [older, newer],
            [newer, older],
          ] as const) {
            expect(checker.macs(id, code)).toContain(sender.mac(id, code));
            expect(checker.macMatches(id, code, sender.mac(id, code))).toBe(true);
            expect(checker.open(id, sender.seal(id, code))).toBe(code);
            expect(checker.openDestination(id, sender.sealDestination(id, TO))).toBe(TO);
          }
        }
      }),
      { numRuns: 30 },
    );
  });

  it('without the staging step, a function that never saw the new key refuses its codes', () => {
    const [old, fresh] = [sealerOf(A), sealerOf(B)];
    const id = newVerificationId(old.destinationKey(TO));
    expect(old.macMatches(id, CODE, fresh.mac(id, CODE))).toBe(false);
    expect(() => old.open(id, fresh.seal(id, CODE))).toThrow();
  });

  it('a key dropped after two rotations no longer checks (codes live minutes, not rotations)', () => {
    const first = { current: A };
    const second = promoteKey(stageKey(first, B));
    const third = promoteKey(stageKey(second, C));
    const id = newVerificationId(sealerOf(first).destinationKey(TO));
    expect(sealerOf(third).macMatches(id, CODE, sealerOf(first).mac(id, CODE))).toBe(false);
  });
});

describe('A warm function re-reads its secret before an invocation when its keys are stale', () => {
  const lines: unknown[][] = [];
  const log: Log = {
    info: (...args) => lines.push(['info', ...args]),
    warn: (...args) => lines.push(['warn', ...args]),
    error: () => {},
  };
  const clock = { now: 0 };
  const load = (read: () => Promise<string>) => loadRefreshingSealer(read, log, { clock: () => clock.now });
  beforeEach(() => {
    lines.length = 0;
    clock.now = Date.parse('2026-11-23T10:00:00Z');
  });

  it(`after ${KEY_REFRESH_MS / 60_000} minutes: it accepts a staged key, then seals with it once promoted`, async () => {
    let value = A;
    const read = vi.fn(async () => value);
    const { sealer, refreshIfStale } = await load(read);
    const id = newVerificationId(sealer.destinationKey(TO));
    const codeUnderB = sealerOf(B).mac(id, CODE);

    value = JSON.stringify(stageKey({ current: A }, B));
    clock.now += KEY_REFRESH_MS - 1;
    await refreshIfStale();
    expect(read).toHaveBeenCalledTimes(1); // not stale yet: no read at all
    expect(sealer.macMatches(id, CODE, codeUnderB)).toBe(false);
    clock.now += 1;
    await refreshIfStale();
    expect(sealer.macMatches(id, CODE, codeUnderB)).toBe(true);
    expect(sealer.mac(id, CODE)).toBe(sealerOf(A).mac(id, CODE));
    expect(lines).toEqual([['info', 'key material changed', { acceptedKeys: 2 }]]);

    value = JSON.stringify(promoteKey(stageKey({ current: A }, B)));
    clock.now += KEY_REFRESH_MS;
    await refreshIfStale();
    expect(sealer.mac(id, CODE)).toBe(codeUnderB);
    expect(read).toHaveBeenCalledTimes(3);
  });

  it('a function frozen through a whole rotation re-reads before it checks anything', async () => {
    let value = A;
    const { sealer, refreshIfStale } = await load(async () => value);
    const id = newVerificationId(sealer.destinationKey(TO));
    value = JSON.stringify(promoteKey(stageKey({ current: A }, B)));
    clock.now += 60 * 60_000; // thawed an hour later
    await refreshIfStale();
    expect(sealer.macMatches(id, CODE, sealerOf(B).mac(id, CODE))).toBe(true);
  });

  it('concurrent invocations share one re-read', async () => {
    const read = vi.fn(async () => A);
    const { refreshIfStale } = await load(read);
    clock.now += KEY_REFRESH_MS;
    await Promise.all([refreshIfStale(), refreshIfStale(), refreshIfStale()]);
    expect(read).toHaveBeenCalledTimes(2);
    expect(lines).toEqual([]); // the same value: nothing changed, nothing said
  });

  it('keeps the keys it has when a re-read fails, says so, and waits another interval to try again', async () => {
    const read = vi.fn(async () => A);
    const { sealer, refreshIfStale } = await load(read);
    const id = newVerificationId(sealer.destinationKey(TO));
    read.mockRejectedValueOnce(new Error('extension unavailable'));
    clock.now += KEY_REFRESH_MS;
    await refreshIfStale();
    expect(sealer.mac(id, CODE)).toBe(sealerOf(A).mac(id, CODE));
    expect(lines).toEqual([
      ['warn', 'secret re-read failed; keeping the keys read before', { error: 'extension unavailable' }],
    ]);
    read.mockResolvedValueOnce(B);
    clock.now += 1_000;
    await refreshIfStale(); // not at every invocation: an extension that hangs would slow them all
    expect(read).toHaveBeenCalledTimes(2);
    clock.now += KEY_REFRESH_MS;
    await refreshIfStale();
    expect(sealer.mac(id, CODE)).toBe(sealerOf(B).mac(id, CODE));
  });
});

describe('npm run rotate-key (Secrets Manager mocked: no local engine)', () => {
  const secrets = mockClient(SecretsManagerClient);
  const SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:onetime-key-AbCdEf';
  const NOW = Date.parse('2026-11-23T10:00:00Z');
  let stored: { value: string; written: Date };
  beforeEach(() => {
    secrets.reset();
    stored = { value: A, written: new Date(NOW - 86_400_000) };
    secrets.on(GetSecretValueCommand).callsFake(async () => ({
      SecretString: stored.value,
      CreatedDate: stored.written,
    }));
    secrets.on(PutSecretValueCommand).callsFake(async (input: { SecretString: string }) => {
      stored = { value: input.SecretString, written: new Date(NOW) };
      return {};
    });
  });
  const client = () => new SecretsManagerClient({ region: 'eu-west-1' });

  it('stages, refuses to promote before every warm function can have re-read, then promotes', async () => {
    const said = await rotateKey(client(), 'stage', SECRET_ID, { now: NOW, key: () => B });
    expect(said).toMatch(/Staged a new key/);
    expect(JSON.parse(stored.value)).toEqual({ current: A, next: B });

    await expect(
      rotateKey(client(), 'promote', SECRET_ID, { now: NOW + STAGE_TO_PROMOTE_MS - 60_000 }),
    ).rejects.toThrow(/wait 1 min more/);
    expect(JSON.parse(stored.value)).toEqual({ current: A, next: B });

    await rotateKey(client(), 'promote', SECRET_ID, { now: NOW + STAGE_TO_PROMOTE_MS });
    expect(JSON.parse(stored.value)).toEqual({ current: B, previous: A, naming: A });
    expect(await rotateKey(client(), 'status', SECRET_ID)).toMatch(/holds: current, previous/);
  });

  it('never prints a key, and makes new ones of 64 random characters', async () => {
    const key = newKey();
    expect(key).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(newKey()).not.toBe(key);
    const said = [
      await rotateKey(client(), 'stage', SECRET_ID, { now: NOW, key: () => B }),
      await rotateKey(client(), 'status', SECRET_ID),
      await rotateKey(client(), 'promote', SECRET_ID, { now: NOW, force: true }),
    ].join('\n');
    for (const secret of [A, B]) expect(said).not.toContain(secret);
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(2);
  });

  it('on a schedule: stages once the key is old enough, promotes ten minutes later, else does nothing', async () => {
    const DAY = 86_400_000;
    stored.written = new Date(NOW - 89 * DAY);
    const tick = (at: number) => advanceRotation(client(), SECRET_ID, 90 * DAY, { now: at, key: () => B });
    expect(await tick(NOW)).toBe('nothing due');
    stored.written = new Date(NOW - 90 * DAY);
    expect(await tick(NOW)).toBe('staged');
    expect(JSON.parse(stored.value)).toEqual({ current: A, next: B });
    expect(await tick(NOW + STAGE_TO_PROMOTE_MS - 1)).toBe('nothing due');
    expect(await tick(NOW + STAGE_TO_PROMOTE_MS)).toBe('promoted');
    expect(JSON.parse(stored.value)).toEqual({ current: B, previous: A, naming: A });
    // The promote is a new version: the next rotation is due 90 days after it.
    expect(await tick(NOW + STAGE_TO_PROMOTE_MS + 15 * 60_000)).toBe('nothing due');
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(2);
  });

  it('refuses to stage twice or to promote with nothing staged', async () => {
    await expect(rotateKey(client(), 'promote', SECRET_ID, { now: NOW })).rejects.toThrow(/no key is staged/);
    await rotateKey(client(), 'stage', SECRET_ID, { now: NOW });
    await expect(rotateKey(client(), 'stage', SECRET_ID, { now: NOW })).rejects.toThrow(/already staged/);
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(1);
  });
});

it('a random 32-byte secret (as local mode and the tests use) still works alone', () => {
  const sealer = new Sealer(randomBytes(32));
  expect(sealer.acceptedKeyCount).toBe(1);
});

describe('npm run rotate-key: the command line', () => {
  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'infra/rotate-key.ts', ...args], {
      env: { ...process.env, AWS_REGION: 'eu-west-1' },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );

  it('answers a missing step or secret id with its usage and exit code 2, before any AWS call', async () => {
    for (const args of [[], ['stage'], ['rotate', '--secret-id', 'x'], ['--secret-id', 'x']]) {
      const { code, stderr } = await cli(...args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toContain('usage: npm run rotate-key -- <stage|promote|status> --secret-id');
    }
  }, 30_000);
});
