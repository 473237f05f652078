/**
 * The define trigger decides from the session alone (no store, no AWS SDK client in its bundle): the
 * last round's metadata, written by the create trigger, carries the code's expiry and the attempts it
 * had left. Over the whole flow the triggers are tested in test/cognito/passwordless.test.ts.
 */
import type { DefineAuthChallengeTriggerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { formatMetadata, parseMetadata } from '../../functions/cognito/challenge.ts';
import { createDefineAuthChallengeHandler } from '../../functions/cognito/define-auth-challenge.ts';
import { DEFAULT_SETTINGS } from '../../functions/core/settings.ts';

const NOW = Date.UTC(2026, 11, 3, 10, 0, 0);
const ID = `${'A'.repeat(22)}.${'B'.repeat(14)}`;
const silent = { info() {}, warn() {}, error() {} };
const define = createDefineAuthChallengeHandler({
  settings: DEFAULT_SETTINGS,
  clock: () => NOW,
  log: silent,
});

/** A session of one wrong answer to a round created with `metadata`. */
const afterWrongAnswer = (metadata: string) =>
  define({
    request: {
      session: [{ challengeName: 'CUSTOM_CHALLENGE', challengeResult: false, challengeMetadata: metadata }],
      userAttributes: {},
    },
    response: {},
  } as unknown as DefineAuthChallengeTriggerEvent);

describe('define: decided from the session', () => {
  it('writes and reads the expiry and attempts left in the metadata (and reads the older form without them)', () => {
    const metadata = {
      channel: 'sms' as const,
      verificationId: ID,
      expiresAt: NOW + 60_000,
      attemptsLeft: 3,
      resent: true,
    };
    expect(parseMetadata(formatMetadata(metadata))).toEqual(metadata);
    expect(parseMetadata(`OTP-email:${ID}`)).toEqual({ channel: 'email', verificationId: ID, resent: false });
  });

  it('asks again after a wrong answer while the code is valid and had attempts to spare', async () => {
    const event = await afterWrongAnswer(`OTP-sms:${ID}:${(NOW + 60_000) / 1000}:2`);
    expect(event.response).toMatchObject({ challengeName: 'CUSTOM_CHALLENGE', failAuthentication: false });
  });

  it('fails once the code expired, or when the answer used its last attempt', async () => {
    expect((await afterWrongAnswer(`OTP-sms:${ID}:${NOW / 1000}:5`)).response.failAuthentication).toBe(true);
    expect(
      (await afterWrongAnswer(`OTP-sms:${ID}:${(NOW + 60_000) / 1000}:1`)).response.failAuthentication,
    ).toBe(true);
  });

  it('asks again on a round from before the limits rode along (the create trigger re-reads it)', async () => {
    const event = await afterWrongAnswer(`OTP-sms:${ID}`);
    expect(event.response.failAuthentication).toBe(false);
  });
});
