import { describe, expect, it } from 'vitest';
import { auditedServices } from '../support/audit.ts';
import { countingClient } from './helpers.ts';

const services = auditedServices();

describe('a full spend brake refuses cheaply', () => {
  it('refuses a phone send with one transaction and one read, however many shards the brake has', async () => {
    const counter = countingClient();
    const s = await services.create({
      client: counter.client,
      settings: { phoneSendsPerMinute: 10, phoneSendsPerDay: 1000, spendBrakeShards: 10 },
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

    // WhatsApp is a phone channel: braked too. Email is not.
    const whatsapp = await s.request('POST', '/v1/verifications', {
      to: '+14155552001',
      channel: 'whatsapp',
    });
    expect(whatsapp.body.error).toMatchObject({ code: 'rate_limited', reason: 'spend_limit' });
    expect(
      (await s.request('POST', '/v1/verifications', { to: 'ana@example.com', channel: 'email' })).status,
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
