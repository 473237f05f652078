import { describe, expect, it } from 'vitest';
import { auditedServices } from '../support/audit.ts';
import { countingClient } from './helpers.ts';

const services = auditedServices();
const PUSH_APP = 'arn:aws:sns:eu-west-1:123456789012:app/GCM/acme';
const PUSH_ENDPOINT =
  'arn:aws:sns:eu-west-1:123456789012:endpoint/GCM/acme/2bd0c4a8-55a7-4e3a-9d0b-6c0f4b0c9e11';

describe('a full spend brake refuses cheaply', () => {
  it('refuses a phone send with one transaction and one read, however many shards the brake has', async () => {
    const counter = countingClient();
    const s = await services.create({
      client: counter.client,
      settings: {
        phoneSendsPerMinute: 10,
        phoneSendsPerDay: 1000,
        spendBrakeShards: 10,
        pushPlatformApplications: [PUSH_APP],
      },
    });
    for (let i = 0; i < 10; i++) {
      const sent = await s.request('POST', '/v1/verifications', {
        to: `+1415555${String(1000 + i)}`,
        channel: 'sms',
      });
      expect(sent.status).toBe(201);
    }

    counter.counts.clear();
    const refused = await s.request('POST', '/v1/verifications', { to: '+14155552000', channel: 'sms' });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'rate_limited', reason: 'spend_limit' });
    expect(Object.fromEntries(counter.counts)).toEqual({ TransactWriteItems: 1, BatchGetItem: 1 });

    // WhatsApp is a phone channel: braked too. Email and push are not.
    const whatsapp = await s.request('POST', '/v1/verifications', {
      to: '+14155552001',
      channel: 'whatsapp',
    });
    expect(whatsapp.body.error).toMatchObject({ code: 'rate_limited', reason: 'spend_limit' });
    expect(
      (await s.request('POST', '/v1/verifications', { to: 'ana@example.com', channel: 'email' })).status,
    ).toBe(201);
    expect(
      (await s.request('POST', '/v1/verifications', { to: PUSH_ENDPOINT, channel: 'push' })).status,
    ).toBe(201);
  });

  it('still fills every shard before refusing: the read only skips shards it saw full', async () => {
    const s = await services.create({
      settings: { phoneSendsPerMinute: 7, phoneSendsPerDay: 1000, spendBrakeShards: 5 },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++) {
      statuses.push(
        (await s.request('POST', '/v1/verifications', { to: `+1415555${String(3000 + i)}`, channel: 'sms' }))
          .status,
      );
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 201, 201, 429, 429]);
  });
});

describe('a push endpoint is a destination like any other', () => {
  it('has its own cooldown, resend and hourly limit, and answers with its masked form', async () => {
    const s = await services.create({
      settings: { pushPlatformApplications: [PUSH_APP], maxSendsPerHour: 2, resendCooldownSeconds: 30 },
    });
    const send = () => s.request('POST', '/v1/verifications', { to: PUSH_ENDPOINT, channel: 'push' });
    const first = await send();
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ channel: 'push', to: 'GCM:****9e11' });
    const tooSoon = await send();
    expect([tooSoon.status, tooSoon.body.error?.reason]).toEqual([429, 'cooldown']);
    s.clock.advance(31);
    const resent = await send();
    expect([resent.status, resent.body['id']]).toEqual([200, first.body['id']]);
    s.clock.advance(31);
    const third = await send();
    expect([third.status, third.body.error?.reason]).toEqual([429, 'destination_limit']);
    expect(s.outbox.messages.map((m) => [m.channel, m.to])).toEqual([
      ['push', PUSH_ENDPOINT],
      ['push', PUSH_ENDPOINT],
    ]);
  });
});
