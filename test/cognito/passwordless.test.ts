import { describe, expect, it } from 'vitest';
import {
  type CognitoOptions,
  cognitoOptionsFromEnv,
  DEFAULT_COGNITO_OPTIONS,
} from '../../functions/cognito/challenge.ts';
import { createCreateAuthChallengeHandler } from '../../functions/cognito/create-auth-challenge.ts';
import { createDefineAuthChallengeHandler } from '../../functions/cognito/define-auth-challenge.ts';
import { PUSH_ENDPOINT_ATTRIBUTE } from '../../functions/cognito/destination.ts';
import { createVerifyAuthChallengeHandler } from '../../functions/cognito/verify-auth-challenge.ts';
import type { Settings } from '../../functions/core/settings.ts';
import { CognitoError } from '../../local/cognito/errors.ts';
import { type AuthResponse, CustomAuthFlow } from '../../local/cognito/sessions.ts';
import type { UserSeed } from '../../local/cognito/users.ts';
import { auditedServices } from '../support/audit.ts';
import { codeOf, wrongCodeFor } from '../support/codes.ts';

/**
 * Passwordless sign-in through a user pool's custom-auth triggers, against DynamoDB Local: the real
 * trigger factories over the same engine deps the HTTP API uses, driven by the custom-auth flow local mode's Cognito endpoint runs (local/cognito/sessions.ts).
 */
const ANA_PHONE = '+14155550123';
const USERS: UserSeed[] = [
  {
    username: 'ana',
    attributes: {
      phone_number: ANA_PHONE,
      phone_number_verified: 'true',
      email: 'ana@example.com',
      email_verified: 'true',
    },
  },
  { username: 'bo', attributes: { email: 'bo@example.com', email_verified: 'true' } },
  { username: 'cy', attributes: {} },
  { username: 'dee', attributes: { phone_number: '+14155550199', phone_number_verified: 'false' } },
];

const services = auditedServices();

async function signInPool(
  options: { settings?: Partial<Settings>; cognito?: Partial<CognitoOptions>; users?: UserSeed[] } = {},
) {
  const service = await services.create(options.settings ? { settings: options.settings } : {});
  const { deps } = service.api;
  const pool = new CustomAuthFlow({
    clock: () => service.clock.now,
    users: options.users ?? USERS,
    triggers: {
      define: createDefineAuthChallengeHandler(deps),
      create: createCreateAuthChallengeHandler({
        ...deps,
        options: { ...DEFAULT_COGNITO_OPTIONS, ...options.cognito },
      }),
      verify: createVerifyAuthChallengeHandler(deps),
    },
  });
  const messages = () => service.outbox.messages;
  const lastCode = () => codeOf(messages().at(-1)!);
  /** The verification behind the challenge a session shows (what the create trigger kept privately). */
  const verificationOf = (response: AuthResponse) => {
    const round = pool.roundsOf(challenge(response).Session).at(-1)!;
    return round.privateChallengeParameters['verificationId']!;
  };
  const status = async (id: string) => (await service.request('GET', `/v1/verifications/${id}`)).body;
  return { service, pool, messages, lastCode, verificationOf, status };
}

/** The response as a challenge; fails the test with the response when it is not one. */
function challenge(response: AuthResponse) {
  if (response.ChallengeName !== 'CUSTOM_CHALLENGE') {
    throw new Error(`expected a challenge, got ${JSON.stringify(response)}`);
  }
  return response;
}

async function rejection(call: Promise<unknown>): Promise<CognitoError> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof CognitoError)) throw new Error(`expected a Cognito error, got ${String(error)}`);
  return error;
}

describe('passwordless sign-in through Cognito custom auth', () => {
  it('signs in with the code sent by SMS to the verified phone number, right the first time', async () => {
    const { pool, messages, lastCode, verificationOf, status } = await signInPool();

    const started = challenge(await pool.initiateAuth({ username: 'ana' }));

    expect(started.ChallengeParameters).toEqual({
      channel: 'sms',
      destination: '+1********23',
      codeLength: '6',
      codeAlphabet: 'digits',
      USERNAME: 'ana',
    });
    expect(messages()).toHaveLength(1);
    expect(messages()[0]).toMatchObject({ channel: 'sms', to: ANA_PHONE });
    const [round] = pool.roundsOf(started.Session);
    const id = verificationOf(started);
    expect(Object.keys(round!.privateChallengeParameters)).toEqual(['verificationId']);
    // The code's expiry (epoch s) and the attempts left ride along: the define trigger decides from them.
    expect(round!.challengeMetadata).toMatch(new RegExp(`^OTP-sms:${id.replace('.', '\\.')}:\\d{10}:5$`));
    expect(round!.challengeMetadata).not.toContain(lastCode());

    const signedIn = await pool.respondToAuthChallenge({ session: started.Session, answer: lastCode() });

    expect(signedIn.AuthenticationResult?.TokenType).toBe('Bearer');
    expect(await status(id)).toMatchObject({ status: 'approved' });
  });

  it('lets a wrong answer cost one attempt and no new message, then accepts the right code', async () => {
    const { pool, messages, lastCode, verificationOf, status } = await signInPool();
    const started = challenge(await pool.initiateAuth({ username: 'ana' }));
    const id = verificationOf(started);

    const retry = challenge(
      await pool.respondToAuthChallenge({ session: started.Session, answer: wrongCodeFor(lastCode()) }),
    );

    expect(retry.ChallengeParameters).toEqual(started.ChallengeParameters);
    expect(verificationOf(retry)).toBe(id);
    expect(messages()).toHaveLength(1);
    expect(await status(id)).toMatchObject({ status: 'pending', attemptsRemaining: 4 });
    const signedIn = await pool.respondToAuthChallenge({ session: retry.Session, answer: lastCode() });
    expect(signedIn.AuthenticationResult).toBeDefined();
  });

  it('describes codes with letters in the challenge, and accepts one typed in lower case', async () => {
    const { pool, lastCode } = await signInPool({ settings: { codeAlphabet: 'alphanumeric' } });
    const started = challenge(await pool.initiateAuth({ username: 'ana' }));

    expect(started.ChallengeParameters).toMatchObject({ codeLength: '6', codeAlphabet: 'alphanumeric' });
    expect(lastCode()).toMatch(/^[2-9A-HJKMNP-Z]{6}$/);
    const answer = lastCode().toLowerCase();
    const signedIn = await pool.respondToAuthChallenge({ session: started.Session, answer });
    expect(signedIn.AuthenticationResult).toBeDefined();
  });

  it('sends the code by WhatsApp to the verified phone number when the pool allows it first', async () => {
    const { pool, messages, lastCode } = await signInPool({
      cognito: { allowedChannels: ['whatsapp', 'email'] },
    });
    const started = challenge(await pool.initiateAuth({ username: 'ana' }));
    expect(started.ChallengeParameters).toMatchObject({ channel: 'whatsapp', destination: '+1********23' });
    expect(messages().at(-1)).toMatchObject({ channel: 'whatsapp', to: ANA_PHONE });
    const signedIn = await pool.respondToAuthChallenge({ session: started.Session, answer: lastCode() });
    expect(signedIn.AuthenticationResult).toBeDefined();

    // Bo has no phone number: WhatsApp is skipped for the next allowed channel.
    const bo = challenge(await pool.initiateAuth({ username: 'bo' }));
    expect(bo.ChallengeParameters).toMatchObject({ channel: 'email' });
  });

  it('sends a push notification to the device endpoint in the custom attribute, when allowed first', async () => {
    const app = 'arn:aws:sns:eu-west-1:123456789012:app/APNS/acme-ios';
    const device =
      'arn:aws:sns:eu-west-1:123456789012:endpoint/APNS/acme-ios/5e3e9847-3183-3f18-a7e8-671c3a57d4b3';
    const { pool, messages, lastCode } = await signInPool({
      settings: { pushPlatformApplications: [app] },
      cognito: { allowedChannels: ['push', 'sms'] },
      users: [
        { username: 'ana', attributes: { ...USERS[0]!.attributes, [PUSH_ENDPOINT_ATTRIBUTE]: device } },
        USERS[1]!,
      ],
    });
    const started = challenge(await pool.initiateAuth({ username: 'ana' }));
    expect(started.ChallengeParameters).toMatchObject({ channel: 'push', destination: 'APNS:****d4b3' });
    expect(messages().at(-1)).toMatchObject({ channel: 'push', to: device });
    const signedIn = await pool.respondToAuthChallenge({ session: started.Session, answer: lastCode() });
    expect(signedIn.AuthenticationResult).toBeDefined();

    // An unknown user asking for push sees a made-up endpoint of the same shape.
    const ghost = challenge(await pool.initiateAuth({ username: 'ghost' }));
    expect(ghost.ChallengeParameters['destination']).toMatch(/^APNS:\*{4}[0-9a-f]{4}$/);
  });

  it('fails the sign-in when the last of the five attempts is wrong', async () => {
    const { pool, lastCode, verificationOf, status } = await signInPool();
    let current = challenge(await pool.initiateAuth({ username: 'ana' }));
    const id = verificationOf(current);
    const wrong = wrongCodeFor(lastCode());

    for (let attempt = 1; attempt < 5; attempt++) {
      current = challenge(await pool.respondToAuthChallenge({ session: current.Session, answer: wrong }));
    }
    const error = await rejection(pool.respondToAuthChallenge({ session: current.Session, answer: wrong }));

    expect(error.name).toBe('NotAuthorizedException');
    expect(await status(id)).toMatchObject({ status: 'max_attempts_reached', attemptsRemaining: 0 });
  });

  it('fails the sign-in when the code expired before the answer', async () => {
    const { service, pool, lastCode } = await signInPool({ settings: { ttlSeconds: 120 } });
    const started = challenge(await pool.initiateAuth({ username: 'ana' }));

    service.clock.advance(121);
    const error = await rejection(
      pool.respondToAuthChallenge({ session: started.Session, answer: lastCode() }),
    );

    expect(error.name).toBe('NotAuthorizedException');
  });

  it('ends with the Cognito session: an answer after its 3 minutes is refused', async () => {
    const { service, pool, lastCode } = await signInPool();
    const started = challenge(await pool.initiateAuth({ username: 'ana' }));

    service.clock.advance(181);
    const error = await rejection(
      pool.respondToAuthChallenge({ session: started.Session, answer: lastCode() }),
    );

    expect(error.message).toMatch(/session is expired/);
  });

  describe('asking again', () => {
    it('re-sends the same code under the same verification when a new sign-in starts after the cooldown', async () => {
      const { service, pool, messages, verificationOf } = await signInPool();
      const first = challenge(await pool.initiateAuth({ username: 'ana' }));
      service.clock.advance(31);

      const second = challenge(await pool.initiateAuth({ username: 'ana' }));

      expect(messages()).toHaveLength(2);
      expect(codeOf(messages()[1]!)).toBe(codeOf(messages()[0]!));
      expect(verificationOf(second)).toBe(verificationOf(first));
      const signedIn = await pool.respondToAuthChallenge({
        session: second.Session,
        answer: codeOf(messages()[0]!),
      });
      expect(signedIn.AuthenticationResult).toBeDefined();
    });

    it('points a new sign-in inside the cooldown at the code just sent, without sending again', async () => {
      const { service, pool, messages, lastCode, verificationOf } = await signInPool();
      const first = challenge(await pool.initiateAuth({ username: 'ana' }));
      service.clock.advance(5);

      const second = challenge(await pool.initiateAuth({ username: 'ana' }));

      expect(messages()).toHaveLength(1);
      expect(second.ChallengeParameters).toEqual(first.ChallengeParameters);
      expect(verificationOf(second)).toBe(verificationOf(first));
      const signedIn = await pool.respondToAuthChallenge({ session: second.Session, answer: lastCode() });
      expect(signedIn.AuthenticationResult).toBeDefined();
    });

    it('re-sends the same code within the session on request, without using an attempt', async () => {
      const { service, pool, messages, verificationOf, status } = await signInPool();
      const started = challenge(await pool.initiateAuth({ username: 'ana' }));
      const id = verificationOf(started);
      service.clock.advance(31);

      const again = challenge(
        await pool.respondToAuthChallenge({
          session: started.Session,
          answer: 'resend',
          clientMetadata: { channel: 'sms' },
        }),
      );

      expect(messages()).toHaveLength(2);
      expect(codeOf(messages()[1]!)).toBe(codeOf(messages()[0]!));
      expect(verificationOf(again)).toBe(id);
      expect(pool.roundsOf(again.Session).at(-1)?.challengeMetadata).toMatch(
        new RegExp(`^OTP-sms:${id.replace('.', '\\.')}:\\d{10}:5:resent$`),
      );
      expect(await status(id)).toMatchObject({ attemptsRemaining: 5 });
    });

    it('does not count requests for the code again as wrong answers: five wrong answers still end it', async () => {
      const { service, pool, lastCode } = await signInPool();
      let current = challenge(await pool.initiateAuth({ username: 'ana' }));
      const wrong = wrongCodeFor(lastCode());
      service.clock.advance(31);
      current = challenge(
        await pool.respondToAuthChallenge({
          session: current.Session,
          answer: 'x',
          clientMetadata: { channel: 'sms' },
        }),
      );

      for (let attempt = 1; attempt < 5; attempt++) {
        current = challenge(await pool.respondToAuthChallenge({ session: current.Session, answer: wrong }));
      }
      const error = await rejection(pool.respondToAuthChallenge({ session: current.Session, answer: wrong }));

      expect(error.name).toBe('NotAuthorizedException');
    });
  });

  describe('choosing the channel', () => {
    it.each([
      { channel: 'sms', to: ANA_PHONE, destination: '+1********23', sameCode: true },
      { channel: 'voice', to: ANA_PHONE, destination: '+1********23', sameCode: true },
      { channel: 'email', to: 'ana@example.com', destination: 'a***@example.com', sameCode: false },
    ])(
      'sends by $channel when the app asks for it in clientMetadata',
      async ({ channel, to, destination, sameCode }) => {
        const { service, pool, messages, lastCode } = await signInPool();
        const started = challenge(await pool.initiateAuth({ username: 'ana' }));
        const smsCode = lastCode();
        service.clock.advance(31);

        const chosen = challenge(
          await pool.respondToAuthChallenge({
            session: started.Session,
            answer: 'send',
            clientMetadata: { channel },
          }),
        );

        expect(chosen.ChallengeParameters).toMatchObject({ channel, destination, codeLength: '6' });
        expect(messages().at(-1)).toMatchObject({ channel, to });
        // The same destination keeps its pending code (sms → voice); another destination has its own.
        expect(lastCode() === smsCode).toBe(sameCode);
        const signedIn = await pool.respondToAuthChallenge({ session: chosen.Session, answer: lastCode() });
        expect(signedIn.AuthenticationResult).toBeDefined();
      },
    );

    it('starts on the first allowed channel the user can receive, in the order the pool allows them', async () => {
      const { pool, messages } = await signInPool({ cognito: { allowedChannels: ['email', 'sms'] } });

      const started = challenge(await pool.initiateAuth({ username: 'ana' }));

      expect(started.ChallengeParameters).toMatchObject({
        channel: 'email',
        destination: 'a***@example.com',
      });
      expect(messages()[0]).toMatchObject({ channel: 'email', to: 'ana@example.com' });
    });

    it('sends by email to a user who has only an email address', async () => {
      const { pool, messages } = await signInPool();

      const started = challenge(await pool.initiateAuth({ username: 'bo' }));

      expect(started.ChallengeParameters).toMatchObject({
        channel: 'email',
        destination: 'b***@example.com',
      });
      expect(messages()[0]).toMatchObject({ channel: 'email', to: 'bo@example.com' });
    });

    it('keeps to the allowed channels: a channel the pool does not allow falls back to the default', async () => {
      const { service, pool, messages } = await signInPool({
        cognito: { allowedChannels: ['sms', 'email'] },
      });
      const started = challenge(await pool.initiateAuth({ username: 'ana' }));
      service.clock.advance(31);

      const chosen = challenge(
        await pool.respondToAuthChallenge({
          session: started.Session,
          answer: 'send',
          clientMetadata: { channel: 'voice' },
        }),
      );

      expect(chosen.ChallengeParameters).toMatchObject({ channel: 'sms' });
      expect(messages().map((m) => m.channel)).toEqual(['sms', 'sms']);
    });

    it('ignores clientMetadata on InitiateAuth, which Cognito does not pass to the triggers', async () => {
      const { pool, messages } = await signInPool();

      const started = challenge(
        await pool.initiateAuth({ username: 'ana', clientMetadata: { channel: 'email' } }),
      );

      expect(started.ChallengeParameters).toMatchObject({ channel: 'sms' });
      expect(messages()[0]?.channel).toBe('sms');
    });
  });

  describe('users who cannot get a code', () => {
    it.each(['cy', 'dee'])(
      'fails clearly for %s, who has no verified phone number or email',
      async (username) => {
        const { pool, messages } = await signInPool();

        const error = await rejection(pool.initiateAuth({ username }));

        expect(error.name).toBe('UserLambdaValidationException');
        expect(error.message).toBe(
          'CreateAuthChallenge failed with error This account has no verified phone number or email address to send a sign-in code to..',
        );
        expect(messages()).toHaveLength(0);
      },
    );

    it('sends to an unverified phone number when the pool allows unverified destinations', async () => {
      const { pool, messages } = await signInPool({ cognito: { requireVerifiedDestination: false } });

      challenge(await pool.initiateAuth({ username: 'dee' }));

      expect(messages()[0]).toMatchObject({ channel: 'sms', to: '+14155550199' });
    });
  });

  describe('when sending fails', () => {
    it('fails with the engine’s message when the provider refuses the message', async () => {
      const { service, pool } = await signInPool();
      service.outbox.failNext();

      const error = await rejection(pool.initiateAuth({ username: 'ana' }));

      expect(error.name).toBe('UserLambdaValidationException');
      expect(error.message).toBe(
        'CreateAuthChallenge failed with error The sms provider did not accept the message..',
      );
    });

    it('answers a create that Cognito retries (a slow first try) with the same code and one message', async () => {
      const { service, messages } = await signInPool();
      const create = createCreateAuthChallengeHandler({
        ...service.api.deps,
        options: DEFAULT_COGNITO_OPTIONS,
      });
      const event = () => ({
        version: '1',
        region: 'eu-west-1',
        userPoolId: 'eu-west-1_Simulated',
        triggerSource: 'CreateAuthChallenge_Authentication' as const,
        userName: 'ana',
        callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'simulatedclientid' },
        request: {
          userAttributes: USERS[0]!.attributes ?? {},
          challengeName: 'CUSTOM_CHALLENGE',
          session: [],
        },
        response: { publicChallengeParameters: {}, privateChallengeParameters: {}, challengeMetadata: '' },
      });

      const first = await create(event());
      const retried = await create(event());

      expect(retried.response).toEqual(first.response);
      expect(messages()).toHaveLength(1);
    });
  });

  describe('an unknown user', () => {
    const shape = (parameters: Record<string, string>) => ({
      keys: Object.keys(parameters).sort(),
      channel: parameters['channel'],
      codeLength: parameters['codeLength'],
      destination: parameters['destination']
        ?.replace(/[0-9]/g, '9')
        .replace(/^[a-z]\*\*\*@.*$/, 'x***@domain'),
    });

    it('gets a challenge like a real user’s, no message, and the same number of tries', async () => {
      const { pool, messages, lastCode } = await signInPool();
      const real = challenge(await pool.initiateAuth({ username: 'ana' }));
      const wrong = wrongCodeFor(lastCode());

      let ghost = challenge(await pool.initiateAuth({ username: 'ghost' }));

      expect(messages()).toHaveLength(1);
      expect(shape(ghost.ChallengeParameters)).toEqual({
        ...shape(real.ChallengeParameters),
        keys: ['USERNAME', 'channel', 'codeAlphabet', 'codeLength', 'destination'],
      });
      expect(ghost.ChallengeParameters['destination']).toMatch(/^\+1\*{8}\d{2}$/);
      const firstShown = ghost.ChallengeParameters;
      for (let attempt = 1; attempt < 5; attempt++) {
        ghost = challenge(await pool.respondToAuthChallenge({ session: ghost.Session, answer: wrong }));
        expect(ghost.ChallengeParameters).toEqual(firstShown);
      }
      const error = await rejection(pool.respondToAuthChallenge({ session: ghost.Session, answer: wrong }));
      expect(error.name).toBe('NotAuthorizedException');
      expect(error.message).toBe('Incorrect username or password.');
      expect(messages()).toHaveLength(1);
    });

    it('is shown the same made-up destination every time, and its own address when the username is one', async () => {
      const { pool, messages } = await signInPool();

      const first = challenge(await pool.initiateAuth({ username: 'ghost' }));
      const second = challenge(await pool.initiateAuth({ username: 'ghost' }));
      const byEmail = challenge(await pool.initiateAuth({ username: 'Ghost@Example.com' }));
      const voice = challenge(
        await pool.respondToAuthChallenge({
          session: first.Session,
          answer: 'send',
          clientMetadata: { channel: 'voice' },
        }),
      );

      expect(second.ChallengeParameters).toEqual(first.ChallengeParameters);
      expect(byEmail.ChallengeParameters).toMatchObject({
        channel: 'email',
        destination: 'g***@example.com',
      });
      expect(voice.ChallengeParameters).toMatchObject({
        channel: 'voice',
        destination: first.ChallengeParameters['destination'],
      });
      expect(messages()).toHaveLength(0);
    });
  });
});

describe('Cognito options, read once per cold start', () => {
  it('reads the allowed channels in order and whether destinations must be verified', () => {
    expect(
      cognitoOptionsFromEnv({
        OTP_COGNITO_ALLOWED_CHANNELS: ' Email, sms ',
        OTP_COGNITO_REQUIRE_VERIFIED: 'false',
      }),
    ).toEqual({ allowedChannels: ['email', 'sms'], requireVerifiedDestination: false });
    expect(cognitoOptionsFromEnv({})).toEqual(DEFAULT_COGNITO_OPTIONS);
  });

  it('refuses a channel it does not know and a flag that is not true or false', () => {
    expect(() => cognitoOptionsFromEnv({ OTP_COGNITO_ALLOWED_CHANNELS: 'sms,fax' })).toThrow(/"fax"/);
    expect(() => cognitoOptionsFromEnv({ OTP_COGNITO_REQUIRE_VERIFIED: 'yes' })).toThrow(/"yes"/);
  });
});
