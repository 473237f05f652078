/**
 * The attempt limit under racing guesses, over DynamoDB Local, through the HTTP routes and the Cognito
 * triggers: however many checks arrive at once, at most `maxAttempts` guesses are ever compared, and
 * a code approves at most once.
 *
 * "Compared" is read from the stored item: a guess is compared only in the write that counts it, so
 * the item's `attempts` is the number of guesses compared. A guess that was not counted left no trace
 * and was answered 409 without being compared.
 */
import { type AttributeValue, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { DEFAULT_COGNITO_OPTIONS } from '../../functions/cognito/challenge.ts';
import { createCreateAuthChallengeHandler } from '../../functions/cognito/create-auth-challenge.ts';
import { createDefineAuthChallengeHandler } from '../../functions/cognito/define-auth-challenge.ts';
import { createVerifyAuthChallengeHandler } from '../../functions/cognito/verify-auth-challenge.ts';
import { destinationKeyOf } from '../../functions/core/ids.ts';
import { CustomAuthFlow } from '../../local/cognito/sessions.ts';
import { localDynamoDbClient } from '../../local/dynamodb-local.ts';
import { auditedServices } from '../support/audit.ts';
import { wrongCodeFor } from '../support/codes.ts';
import { routes, type TestService } from '../support/service.ts';
import { barrierClient, idOf } from './helpers.ts';

const services = auditedServices();
const GUESSES = 50;
const MAX_ATTEMPTS = 5;

/** A seeded generator (mulberry32), so every run places the right code at the same positions. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** `count` distinct codes of `code`'s length, `code` among them at a position `random` picks. */
function guessesAround(code: string, count: number, random: () => number) {
  const wrong = new Set<string>();
  while (wrong.size < count - 1) {
    const guess = String(Math.floor(random() * 10 ** code.length)).padStart(code.length, '0');
    if (guess !== code) wrong.add(guess);
  }
  const guesses = [...wrong];
  const rightAt = Math.floor(random() * count);
  guesses.splice(rightAt, 0, code);
  return { guesses, rightAt };
}

/** How many guesses the stored verification counted (and so compared): its raw `attempts`. */
async function counted(s: TestService, id: string) {
  const client = localDynamoDbClient(inject('dynamodbEndpoint'));
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: s.tableName,
      Key: { pk: { S: `v#${destinationKeyOf(id)}` } },
      ConsistentRead: true,
    }),
  );
  client.destroy();
  const item = Item as Record<string, AttributeValue>;
  return { compared: Number(item['attempts']?.N), status: item['status']?.S };
}

/** One trial: a fresh email verification, then `GUESSES` distinct guesses sent at once. */
async function raceGuesses(s: TestService, to: string, random: () => number, beforeRace = () => {}) {
  const api = routes(s);
  const id = idOf(await api.send({ to, channel: 'email' }));
  const { guesses, rightAt } = guessesAround(s.lastCode(to), GUESSES, random);
  beforeRace();
  const answers = await Promise.all(guesses.map((code) => api.check(id, { code })));
  const comparedAnswers = answers.filter((answer) => answer.status === 200);
  const approvals = answers.filter((answer) => answer.body['valid'] === true);
  // Every answer is one of the documented ones: 200 for a compared guess, 409 for one that found the
  // verification closed (approved, or out of attempts) and was not compared.
  for (const answer of answers) expect([200, 409], JSON.stringify(answer.body)).toContain(answer.status);
  return { id, answers, rightAt, compared: comparedAnswers.length, approvals: approvals.length };
}

describe('Guessing: at most 5 guesses are compared per verification, however many race', () => {
  it('compares exactly 5 of 50 distinct wrong guesses held back and released at once', async () => {
    const barrier = barrierClient();
    const s = await services.create({ client: barrier.client });
    const api = routes(s);
    const id = idOf(await api.send({ to: 'held@example.com', channel: 'email' }));
    const right = s.lastCode('held@example.com');
    const wrong = guessesAround(right, GUESSES + 1, seeded(7)).guesses.filter((code) => code !== right);

    barrier.holdNext(GUESSES);
    const answers = await Promise.all(wrong.map((code) => api.check(id, { code })));

    expect(answers.filter((a) => a.status === 200)).toHaveLength(MAX_ATTEMPTS);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(GUESSES - MAX_ATTEMPTS);
    expect(await counted(s, id)).toEqual({ compared: MAX_ATTEMPTS, status: 'pending' });
    expect((await api.check(id, { code: right })).body).toMatchObject({
      error: { code: 'verification_closed' },
      status: 'max_attempts_reached',
    });
  });

  it('approves in at most 8 of 20 races of 50 guesses all held back and released together (about 2 expected)', async () => {
    const barrier = barrierClient();
    const s = await services.create({ client: barrier.client });
    const random = seeded(20261203);
    let approvals = 0;
    for (let trial = 0; trial < 20; trial++) {
      const race = await raceGuesses(s, `held-${trial}@example.com`, random, () => barrier.holdNext(GUESSES));
      const stored = await counted(s, race.id);
      expect(race.compared).toBeLessThanOrEqual(MAX_ATTEMPTS);
      // Every 200 answer is one counted guess, and nothing else was counted.
      expect(stored.compared).toBe(race.compared);
      expect(race.approvals).toBeLessThanOrEqual(1);
      // The right guess approved exactly when it was one of the compared ones.
      expect(race.approvals).toBe(race.answers[race.rightAt]!.status === 200 ? 1 : 0);
      expect(stored.status).toBe(race.approvals ? 'approved' : 'pending');
      approvals += race.approvals;
    }
    // Each race approves with probability 5/50; comparing before counting approved in every one.
    // P(Binomial(20, 0.1) >= 9) < 1e-4.
    expect(approvals).toBeLessThanOrEqual(8);
  });

  it('approves at about maxAttempts / guesses of 40 races of 50 (seeded positions), never more than the bound allows', async () => {
    const s = await services.create();
    const random = seeded(5);
    const trials = 40;
    let approvals = 0;
    for (let trial = 0; trial < trials; trial++) {
      const race = await raceGuesses(s, `race-${trial}@example.com`, random);
      expect(race.compared).toBeLessThanOrEqual(MAX_ATTEMPTS);
      expect(race.approvals).toBeLessThanOrEqual(1);
      approvals += race.approvals;
    }
    // Each race approves with probability 5/50 = 0.1, so 40 races approve 4 times on average; the
    // attack this guards against approved in 16 of 20. P(Binomial(40, 0.1) >= 13) < 1e-4.
    expect(approvals).toBeLessThanOrEqual(12);
  });
});

describe('Guessing through Cognito: sessions that share one code share its 5 attempts', () => {
  it('signs in at most once per code, and in at most 4 of 6 races of 40 sessions answering at once', async () => {
    const barrier = barrierClient();
    const s = await services.create({ client: barrier.client });
    const { deps } = s.api;
    const users = Array.from({ length: 6 }, (_, i) => ({
      username: `user-${i}`,
      attributes: { email: `user-${i}@example.com`, email_verified: 'true' },
    }));
    const pool = new CustomAuthFlow({
      clock: () => s.clock.now,
      users,
      triggers: {
        define: createDefineAuthChallengeHandler(deps),
        create: createCreateAuthChallengeHandler({ ...deps, options: DEFAULT_COGNITO_OPTIONS }),
        verify: createVerifyAuthChallengeHandler(deps),
      },
    });
    const random = seeded(11);
    const sessionCount = 40;
    let signIns = 0;
    for (const { username, attributes } of users) {
      // Sessions started within the cooldown are pointed at the code just sent: one code, 40 sessions.
      const sessions: string[] = [];
      for (let i = 0; i < sessionCount; i++) {
        const started = await pool.initiateAuth({ username });
        if (started.ChallengeName !== 'CUSTOM_CHALLENGE') throw new Error('expected a challenge');
        sessions.push(started.Session);
      }
      const id = pool.roundsOf(sessions[0]!).at(-1)!.privateChallengeParameters['verificationId']!;
      const { guesses, rightAt } = guessesAround(s.lastCode(attributes.email), sessionCount, random);

      barrier.holdNext(sessionCount);
      const outcomes = await Promise.all(
        sessions.map((session, i) =>
          pool.respondToAuthChallenge({ session, answer: guesses[i]! }).then(
            (response) => (response.AuthenticationResult ? 'signed_in' : 'challenged'),
            () => 'failed',
          ),
        ),
      );

      expect((await counted(s, id)).compared).toBeLessThanOrEqual(MAX_ATTEMPTS);
      const signedIn = outcomes.filter((outcome) => outcome === 'signed_in').length;
      expect(signedIn).toBeLessThanOrEqual(1);
      // Signed in exactly when the right answer was among the compared ones, and by that answer.
      const status = (await s.request('GET', `/v1/verifications/${id}`)).body['status'];
      expect(signedIn).toBe(status === 'approved' ? 1 : 0);
      if (signedIn) expect(outcomes[rightAt]).toBe('signed_in');
      signIns += signedIn;
    }
    // Each race signs in with probability 5/40; comparing before counting signed in 7 of 8.
    // P(Binomial(6, 0.125) >= 5) < 2e-4.
    expect(signIns).toBeLessThanOrEqual(4);
  });
});

describe('A verification started before the code marker existed (a deploy in between)', () => {
  /** Makes the stored verification look as the previous version wrote it: no code marker. */
  async function removeMarker(s: TestService, id: string) {
    const client = localDynamoDbClient(inject('dynamodbEndpoint'));
    const Key = { pk: { S: `v#${destinationKeyOf(id)}` } };
    const { Item } = await client.send(
      new GetItemCommand({ TableName: s.tableName, Key, ConsistentRead: true }),
    );
    const marker = Object.keys(Item ?? {}).find((name) => name.startsWith('m_'));
    expect(marker).toBeDefined();
    await client.send(
      new UpdateItemCommand({
        TableName: s.tableName,
        Key,
        UpdateExpression: 'REMOVE #marker',
        ExpressionAttributeNames: { '#marker': marker! },
      }),
    );
    client.destroy();
  }

  it('still approves its right code once, after counting it, and counts wrong ones as before', async () => {
    const s = await services.create();
    const api = routes(s);
    const to = 'before-deploy@example.com';
    const id = idOf(await api.send({ to, channel: 'email' }));
    await removeMarker(s, id);
    const code = s.lastCode(to);

    expect((await api.check(id, { code: wrongCodeFor(code) })).body).toMatchObject({
      status: 'pending',
      attemptsRemaining: 4,
    });
    expect((await api.check(id, { code })).body).toEqual({
      id,
      status: 'approved',
      valid: true,
      attemptsRemaining: 4,
    });
    expect((await api.check(id, { code })).status).toBe(409);
  });
});
