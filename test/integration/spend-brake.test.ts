import { describe, expect, inject, it } from 'vitest';
import { localDynamoDbClient } from '../../infra/local/dynamodb-local.ts';
import { auditedServices } from './helpers.ts';

const services = auditedServices();

/** A DynamoDB Local client that counts its requests by command. */
function countingClient() {
  const client = localDynamoDbClient(inject('dynamodbEndpoint'));
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = (context.commandName ?? 'unknown').replace(/Command$/, '');
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'deserialize', name: 'requestCounter', priority: 'low' },
  );
  return { client, counts, total: () => [...counts.values()].reduce((a, b) => a + b, 0) };
}

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

    // Email is not braked.
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
