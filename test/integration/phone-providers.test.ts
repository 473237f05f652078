/**
 * The phone providers behind the real HTTP door and the real store: whatever carries the SMS or the call
 * (End User Messaging directly, Notify), the engine is the one it always was (same code, same check), and
 * each provider refusal reaches the caller as the contract says: a 502 for a message refused, a 429 for
 * Notify's daily tier limit (it lifts by itself), a 503 for a spend limit someone must raise.
 */
import {
  ConflictException,
  PinpointSMSVoiceV2Client,
  SendNotifyTextMessageCommand,
  SendNotifyVoiceMessageCommand,
  SendTextMessageCommand,
  ServiceQuotaExceededException,
  ThrottlingException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EndUserMessagingSmsSender } from '../../functions/adapters/end-user-messaging-sms-sender.ts';
import { NotifySender } from '../../functions/adapters/notify-sender.ts';
import { auditedServices } from '../support/audit.ts';
import { routes } from '../support/service.ts';
import { idOf } from './helpers.ts';

const services = auditedServices();
const PHONE = '+14155550123';
const noWait = async () => {};
const meta = { $metadata: { httpStatusCode: 400, requestId: 'req-1' } };
const smsVoice = mockClient(PinpointSMSVoiceV2Client);
const client = () =>
  new PinpointSMSVoiceV2Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
beforeEach(() => smsVoice.reset());

async function serviceWith(provider: 'end-user-messaging' | 'notify') {
  const notify = new NotifySender(client(), { configurationId: 'nc-0123456789abcdef0', sleep: noWait });
  const sms =
    provider === 'notify'
      ? notify
      : new EndUserMessagingSmsSender(client(), { protectConfigurationId: 'protect-01', sleep: noWait });
  const s = await services.create({ senders: { sms, voice: notify } });
  return { s, api: routes(s) };
}

describe('a code through each phone provider', () => {
  it('Notify: the code in its template variable is the code the check approves (SMS, then a voice resend)', async () => {
    smsVoice.on(SendNotifyTextMessageCommand).resolves({ MessageId: 'n-1' });
    smsVoice.on(SendNotifyVoiceMessageCommand).resolves({ MessageId: 'n-2' });
    const { s, api } = await serviceWith('notify');
    const sent = await api.send({ to: PHONE, channel: 'sms', locale: 'fr' });
    expect(sent.status).toBe(201);
    const code = smsVoice.commandCalls(SendNotifyTextMessageCommand)[0]!.args[0].input.TemplateVariables![
      'code'
    ]!;
    s.clock.advance(31);
    expect((await api.send({ to: PHONE, channel: 'voice' })).status).toBe(200);
    const spoken = smsVoice.commandCalls(SendNotifyVoiceMessageCommand)[0]!.args[0].input.TemplateVariables![
      'code'
    ];
    expect(spoken).toBe([...code].map((d) => `${d}.`).join(' '));
    expect((await api.check(idOf(sent), { code })).body['status']).toBe('approved');
  });

  it('End User Messaging: the SMS body carries the code, and the check approves it', async () => {
    smsVoice.on(SendTextMessageCommand).resolves({ MessageId: 'e-1' });
    const { api } = await serviceWith('end-user-messaging');
    const sent = await api.send({ to: PHONE, channel: 'sms' });
    const body = smsVoice.commandCalls(SendTextMessageCommand)[0]!.args[0].input.MessageBody!;
    const code = /\b(\d{6})\b/.exec(body)![1]!;
    expect((await api.check(idOf(sent), { code })).body['status']).toBe('approved');
  });
});

describe('provider refusals at the door', () => {
  it.each([
    [
      'throttling that outlasts the retries',
      new ThrottlingException({ message: `slow down ${PHONE}`, ...meta }),
    ],
    [
      'an opted-out number',
      new ConflictException({
        message: `${PHONE} opted out`,
        Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT',
        ...meta,
      } as never),
    ],
    [
      'a country blocked by the protect configuration',
      new ConflictException({
        message: 'blocked',
        Reason: 'DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION',
        ...meta,
      } as never),
    ],
  ])('%s: 502 delivery_failed, the verification closed', async (_, error) => {
    smsVoice.on(SendTextMessageCommand).rejects(error);
    const { api } = await serviceWith('end-user-messaging');
    const refused = await api.send({ to: PHONE, channel: 'sms' });
    expect(refused.status).toBe(502);
    expect(refused.body.error?.code).toBe('delivery_failed');
    expect(refused.raw.body).not.toContain(PHONE);
  });

  it("Notify's daily tier limit: 429 rate_limited (spend_limit) with a Retry-After until the next UTC day", async () => {
    smsVoice.on(SendNotifyTextMessageCommand).rejects(
      new ServiceQuotaExceededException({
        message: 'limit',
        Reason: 'DAILY_NOTIFY_TIER_MESSAGE_LIMIT',
        ...meta,
      }),
    );
    const { api } = await serviceWith('notify');
    const limited = await api.send({ to: PHONE, channel: 'sms' });
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ code: 'rate_limited', reason: 'spend_limit' });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
  });

  it('a monthly spend limit: 503 provider_unavailable with a Retry-After', async () => {
    smsVoice.on(SendNotifyTextMessageCommand).rejects(
      new ServiceQuotaExceededException({
        message: 'limit',
        Reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_NOTIFY',
        ...meta,
      }),
    );
    const { api } = await serviceWith('notify');
    const unavailable = await api.send({ to: PHONE, channel: 'sms' });
    expect(unavailable.status).toBe(503);
    expect(unavailable.body.error?.code).toBe('provider_unavailable');
    expect(unavailable.headers['retry-after']).toBe('3600');
  });
});
