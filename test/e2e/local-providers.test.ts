/**
 * Local mode with each phone provider selected (OTP_SMS_PROVIDER, OTP_VOICE_PROVIDER and their
 * companions, the twins of the construct's props): a real server in this process, real HTTP, DynamoDB
 * Local. Each outbox message says which provider a deployed send would use and what it would name;
 * Notify's messages read as its template would; the code in each still verifies, and no log line
 * holds it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Log } from '../../functions/core/ports.ts';
import { MADE_BY_CDK_DEPLOY, YOUR_VOICE_NUMBER } from '../../local/providers.ts';
import { type LocalMode, LocalModeStartError, startLocalMode } from '../../local/server.ts';
import { codeOf } from '../support/codes.ts';
import { localClient, type OutboxEntry } from '../support/local-http.ts';

const STARTUP_MS = 90_000;

/** A log that keeps every line, to show no code is in any. */
function recordingLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const keep = (message: string, fields?: unknown) =>
    lines.push(`${message} ${JSON.stringify(fields ?? {})}`);
  return { lines, info: keep, warn: keep, error: keep };
}

/** Local mode with `env`, and a client for it; stopped after the block. */
function withLocalMode(env: Record<string, string>) {
  const state: { local?: LocalMode; log: ReturnType<typeof recordingLog> } = { log: recordingLog() };
  beforeAll(async () => {
    state.local = await startLocalMode({
      port: 0,
      log: state.log,
      env: { OTP_RESEND_COOLDOWN_SECONDS: '0', ...env },
    });
  }, STARTUP_MS);
  afterAll(async () => {
    await state.local?.stop();
  });
  const api = localClient(() => state.local!.url);
  /** Sends, reads this verification's message, checks its code: answers the message. */
  const sendAndVerify = async (request: Record<string, unknown>): Promise<OutboxEntry> => {
    const sent = await api.post('/v1/verifications', request);
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    const id = sent.body['id'] as string;
    const message = (await api.outbox()).find((m) => m.verificationId === id)!;
    const code = codeOf(message);
    const right = await api.post(`/v1/verifications/${id}/check`, { code });
    expect(right.body).toMatchObject({ valid: true, status: 'approved' });
    expect(state.log.lines.filter((line) => line.includes(code))).toEqual([]);
    return message;
  };
  return { state, api, sendAndVerify };
}

describe('local mode, providers as deployed by default: SMS through SNS, voice through SendVoiceMessage', () => {
  const { sendAndVerify } = withLocalMode({ OTP_SMS_SENDER_ID: 'Acme' });

  it('an SMS names SNS Publish and its sender id; our own wording', async () => {
    const message = await sendAndVerify({ to: '+1 415 555 0160', channel: 'sms' });
    expect(message).toMatchObject({
      provider: 'sns',
      deployedSend: { operation: 'Publish', originationIdentity: 'Acme' },
    });
    expect(message.body).toMatch(/^Your onetime code is \d{6}\. It expires in 5 minutes\./);
    expect(message).not.toHaveProperty('approximateBody');
    // SNS takes no conversion feedback: nothing to report.
    expect(message).not.toHaveProperty('feedback');
  });

  it('a call names SendVoiceMessage, the voice for its language, and the protect configuration cdk deploy makes', async () => {
    const message = await sendAndVerify({ to: '+1 415 555 0161', channel: 'voice', locale: 'fr' });
    expect(message).toMatchObject({
      provider: 'end-user-messaging',
      deployedSend: {
        operation: 'SendVoiceMessage',
        originationIdentity: YOUR_VOICE_NUMBER,
        voiceId: 'LEA',
        protectConfigurationId: MADE_BY_CDK_DEPLOY,
        protectRule: 'FILTER',
      },
    });
  });

  it('email and the other channels name their own provider', async () => {
    const message = await sendAndVerify({ to: 'ana@example.com', channel: 'email' });
    expect(message).toMatchObject({ provider: 'ses', deployedSend: { operation: 'SendEmail' } });
  });
});

describe('local mode, SMS through End User Messaging directly, voice through Notify', () => {
  const { sendAndVerify, api } = withLocalMode({
    OTP_APP_NAME: 'Acme',
    OTP_ORIGIN_DOMAIN: 'acme.example',
    OTP_SMS_PROVIDER: 'end-user-messaging',
    OTP_SMS_ORIGINATION_NUMBER: '+18885550100',
    OTP_SMS_CONFIGURATION_SET: 'otp-sms',
    OTP_SMS_PROTECT: 'allow',
    OTP_VOICE_PROVIDER: 'notify',
    OTP_NOTIFY_TEMPLATE_IDS: JSON.stringify({ es: 'notify-code-verification-spanish-001' }),
  });

  it('an SMS names SendTextMessage, its number, configuration set and protect configuration; our wording and origin line', async () => {
    const message = await sendAndVerify({ to: '+1 415 555 0162', channel: 'sms' });
    expect(message).toMatchObject({
      provider: 'end-user-messaging',
      deployedSend: {
        operation: 'SendTextMessage',
        originationIdentity: '+18885550100',
        configurationSetName: 'otp-sms',
        protectConfigurationId: MADE_BY_CDK_DEPLOY,
        protectRule: 'ALLOW',
      },
    });
    expect(message.body).toMatch(/^Your Acme code is (\d{6})\. .*\n@acme\.example #\1$/s);
  });

  it('a send that asks for feedback is reported received once its code is approved, as PutMessageFeedback would be', async () => {
    const message = await sendAndVerify({ to: '+1 415 555 0165', channel: 'sms' });
    expect(message.feedback).toEqual({ messageId: expect.stringMatching(/^local-\d+$/) });
    // The activity stream reads the approval from the table's stream (every 250 ms) and reports it.
    await vi.waitFor(
      async () => {
        const now = (await api.outbox()).find((m) => m.verificationId === message.verificationId);
        expect(now?.feedback?.receivedAt).toEqual(expect.any(String));
      },
      { timeout: 30_000, interval: 50 },
    );
  });

  it("a call in Spanish names Notify's configuration, the Spanish template and the code digit by digit, and reads like it", async () => {
    const message = await sendAndVerify({ to: '+1 415 555 0163', channel: 'voice', locale: 'es' });
    const code = codeOf(message);
    const spoken = [...code].map((digit) => `${digit}.`).join(' ');
    expect(message).toMatchObject({
      provider: 'notify',
      approximateBody: true,
      deployedSend: {
        operation: 'SendNotifyVoiceMessage',
        notifyConfigurationId: MADE_BY_CDK_DEPLOY,
        templateId: 'notify-code-verification-spanish-001',
        templateVariables: { code: spoken },
      },
    });
    expect(message.body).toBe(`Tu código de verificación de Acme es ${spoken}`);
  });

  it("a call in a locale without a template id names none: the configuration's default", async () => {
    const message = await sendAndVerify({ to: '+1 415 555 0164', channel: 'voice' });
    expect(message.deployedSend).toMatchObject({ operation: 'SendNotifyVoiceMessage', templateId: null });
    expect(message.body).toMatch(/^Your Acme verification code is (\d\. ){5}\d\.$/);
  });
});

describe('local mode, SMS through Notify (an existing configuration), voice from your number with your protect configuration', () => {
  const { sendAndVerify } = withLocalMode({
    OTP_APP_NAME: 'Acme',
    OTP_ORIGIN_DOMAIN: 'acme.example',
    OTP_SMS_PROVIDER: 'notify',
    OTP_NOTIFY_CONFIGURATION_ID: 'nc-0123456789abcdef0',
    OTP_NOTIFY_TEMPLATE_IDS: JSON.stringify({ en: 'notify-code-verification-english-001' }),
    OTP_VOICE_ORIGINATION_IDENTITY: 'phone-0123456789abcdef',
    OTP_VOICE_ID: 'MATTHEW',
    OTP_SMS_PROTECT_CONFIGURATION_ID: 'protect-0123456789abcdef',
  });

  it("an SMS names the configuration, the template and the code, and reads as Notify's template (no origin line, no payment)", async () => {
    const message = await sendAndVerify({
      to: '+1 415 555 0165',
      channel: 'sms',
      transaction: { amount: '49.90', currency: 'EUR', payee: 'Acme Shop' },
    });
    const code = codeOf(message);
    expect(message).toMatchObject({
      provider: 'notify',
      approximateBody: true,
      deployedSend: {
        operation: 'SendNotifyTextMessage',
        notifyConfigurationId: 'nc-0123456789abcdef0',
        templateId: 'notify-code-verification-english-001',
        templateVariables: { code },
      },
    });
    expect(message.body).toBe(`Your Acme verification code is ${code}.`);
  });

  it('a call names your number, your voice and your protect configuration (its rules are yours)', async () => {
    const message = await sendAndVerify({ to: '+1 415 555 0166', channel: 'voice' });
    expect(message.deployedSend).toEqual({
      operation: 'SendVoiceMessage',
      originationIdentity: 'phone-0123456789abcdef',
      voiceId: 'MATTHEW',
      // The one the construct makes for delivery receipts (OTP_VOICE_CONFIGURATION_SET names yours).
      configurationSetName: MADE_BY_CDK_DEPLOY,
      protectConfigurationId: 'protect-0123456789abcdef',
    });
  });
});

describe('local mode refuses provider settings a deploy would refuse, naming the local variable', () => {
  const refused = (env: Record<string, string>) => startLocalMode({ port: 0, quiet: true, env });

  it.each([
    [
      { OTP_SMS_PROVIDER: 'twilio' },
      /^OTP_SMS_PROVIDER must be one of sns, end-user-messaging, notify \(got "twilio"\)$/,
    ],
    [{ OTP_VOICE_PROVIDER: 'sns' }, /^OTP_VOICE_PROVIDER must be one of end-user-messaging, notify/],
    [
      { OTP_SMS_PROVIDER: 'notify', OTP_SMS_SENDER_ID: 'Acme' },
      /^OTP_SMS_SENDER_ID is set but OTP_SMS_PROVIDER is notify/,
    ],
    [
      { OTP_NOTIFY_TEMPLATE_IDS: '{"en":"x"}' },
      /^OTP_NOTIFY_TEMPLATE_IDS is set but neither OTP_SMS_PROVIDER nor OTP_VOICE_PROVIDER is notify$/,
    ],
    [
      { OTP_SMS_PROVIDER: 'notify', OTP_NOTIFY_TEMPLATE_IDS: '{"xx":"a"}' },
      /^OTP_NOTIFY_TEMPLATE_IDS names "xx"/,
    ],
    [{ OTP_SMS_PROTECT: 'block' }, /^OTP_SMS_PROTECT must be one of filter, allow, off/],
    [
      { OTP_SMS_PROTECT: 'off', OTP_SMS_PROTECT_CONFIGURATION_ID: 'protect-0123' },
      /^OTP_SMS_PROTECT_CONFIGURATION_ID is set but no send takes it/,
    ],
  ])('%j', async (env, message) => {
    const error = await refused(env).then(
      async (local) => {
        await local.stop();
        return undefined;
      },
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(LocalModeStartError);
    expect((error as Error).message).toMatch(message);
  });
});
