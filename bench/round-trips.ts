import { randomBytes, randomUUID } from 'node:crypto';
import { type AttributeValue, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { destinationKeyOf } from '../functions/core/ids.ts';
import type { Log } from '../functions/core/ports.ts';
import { DEFAULT_SETTINGS } from '../functions/core/settings.ts';
import { callApi } from '../local/api-event.ts';
import { composeApi } from '../local/compose.ts';
import { createVerificationTable, localDynamoDbClient } from '../local/dynamodb-local.ts';
import { Outbox } from '../local/outbox.ts';
import { type Section, type Target, table, verdict } from './stats.ts';

/**
 * DynamoDB round trips per API operation, counted by a middleware on the client's stack. It sits in
 * the deserialize step, inside the retry middleware (finalizeRequest), so it sees every HTTP request
 * the SDK makes, retries included, and files it under the command's name.
 */
export function countRoundTrips(client: DynamoDBClient) {
  let counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = (context.commandName ?? 'unknown').replace(/Command$/, '');
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'deserialize', name: 'benchRoundTripCounter', priority: 'low' },
  );
  return {
    /** The requests since the last call, by command, and starts counting afresh. */
    take(): Map<string, number> {
      const taken = counts;
      counts = new Map();
      return taken;
    },
  };
}

/** The stored size of a verification item by DynamoDB's rule (names + values), read consistently. */
async function itemBytes(client: DynamoDBClient, tableName: string, id: string): Promise<number> {
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: tableName,
      Key: { pk: { S: `v#${destinationKeyOf(id)}` } },
      ConsistentRead: true,
    }),
  );
  const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
  const valueBytes = (value: AttributeValue): number => {
    if (value.S !== undefined) return bytes(value.S);
    // A number takes about one byte per two significant digits, plus one.
    if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\./g, '').length / 2) + 1;
    if (value.BOOL !== undefined) return 1;
    if (value.SS !== undefined) return value.SS.reduce((sum, text) => sum + bytes(text), 0);
    throw new Error('an attribute type the verification item does not use');
  };
  return Object.entries(Item ?? {}).reduce((sum, [name, value]) => sum + bytes(name) + valueBytes(value), 0);
}

export const silentLog: Log = { info() {}, warn() {}, error() {} };

interface Measured {
  operation: string;
  status: number;
  expectedStatus: number;
  counts: Map<string, number>;
  target?: number;
}

/** Drives the real handlers with API-Gateway events against DynamoDB Local at `endpoint`. */
export async function benchRoundTrips(endpoint: string): Promise<Section> {
  const client = localDynamoDbClient(endpoint);
  try {
    const tableName = `bench-${randomUUID()}`;
    await createVerificationTable(client, tableName);
    const counter = countRoundTrips(client);

    let now = Date.now();
    const outbox = new Outbox(() => now);
    const settings = { ...DEFAULT_SETTINGS, allowedCountries: ['*'] };
    const secret = randomBytes(32);
    // The outbox stands in for every provider; switched on, its SMS answers as End User Messaging and
    // Notify do (a message id, feedback asked), so the send records that id (functions/core/feedback.ts).
    let asksFeedback = false;
    const senders = outbox.senders();
    const outboxSms = senders.sms;
    senders.sms = {
      async send(message) {
        const sent = await outboxSms.send(message);
        return asksFeedback ? { ...sent, feedback: true } : sent;
      },
    };
    const api = composeApi({
      client,
      tableName,
      settings,
      senders,
      log: silentLog,
      clock: () => now,
      secret,
    });

    async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const raw = await callApi(api, method, path, body, headers);
      return { status: raw.statusCode, body: JSON.parse(raw.body) as Record<string, unknown> };
    }
    const codeFor = (id: string) => {
      const message = outbox.messages.filter((m) => m.verificationId === id).at(-1);
      const code = message?.body.match(/\b(\d{4,10})\b/)?.[1];
      if (!code) throw new Error(`no code in the outbox for ${id}`);
      return code;
    };

    const rows: Measured[] = [];
    async function measure(
      operation: string,
      expectedStatus: number,
      run: () => Promise<{ status: number; body: Record<string, unknown> }>,
      target?: number,
    ) {
      counter.take();
      const response = await run();
      rows.push({
        operation,
        status: response.status,
        expectedStatus,
        counts: counter.take(),
        ...(target === undefined ? {} : { target }),
      });
      return response;
    }

    const phone = '+14155550100';
    const sent = await measure(
      'send (new, sms)',
      201,
      () => call('POST', '/v1/verifications', { to: phone, channel: 'sms' }),
      1,
    );
    const id = String(sent.body['id']);
    await measure('send (new, email)', 201, () =>
      call('POST', '/v1/verifications', { to: 'bench@example.com', channel: 'email' }),
    );
    now += (settings.resendCooldownSeconds + 1) * 1000;
    await measure('resend (after cooldown)', 200, () =>
      call('POST', '/v1/verifications', { to: phone, channel: 'sms' }),
    );
    await measure('status (GET)', 200, () => call('GET', `/v1/verifications/${id}`));
    asksFeedback = true;
    await measure(
      'send (new, sms through a provider asking feedback: End User Messaging, Notify)',
      201,
      () => call('POST', '/v1/verifications', { to: '+14155550104', channel: 'sms' }),
      2,
    );
    asksFeedback = false;
    const code = codeFor(id);
    const wrong = code === '000000' ? '111111' : '000000';
    const sizeBefore = await itemBytes(client, tableName, id);
    await measure(
      'wrong check',
      200,
      () => call('POST', `/v1/verifications/${id}/check`, { code: wrong }),
      1,
    );
    const sizeAfterGuess = await itemBytes(client, tableName, id);
    await measure('successful check', 200, () => call('POST', `/v1/verifications/${id}/check`, { code }), 1);

    const other = await call('POST', '/v1/verifications', { to: '+14155550101', channel: 'sms' });
    await measure('cancel (DELETE)', 200, () =>
      call('DELETE', `/v1/verifications/${String(other.body['id'])}`),
    );
    await measure('send refused by the cooldown after a cancel', 429, () =>
      call('POST', '/v1/verifications', { to: '+14155550101', channel: 'sms' }),
    );

    const keyed = { to: '+14155550102', channel: 'sms' };
    const headers = { 'Idempotency-Key': `bench-${randomUUID()}` };
    await measure('send with Idempotency-Key', 201, () => call('POST', '/v1/verifications', keyed, headers));
    await measure('idempotent replay', 201, () => call('POST', '/v1/verifications', keyed, headers));

    // A code sent before a key rotation's promote, checked after it: the sealer then holds two keys.
    const beforeRotation = await call('POST', '/v1/verifications', { to: '+14155550103', channel: 'sms' });
    const rotatedId = String(beforeRotation.body['id']);
    api.deps.sealer.useKeys(randomBytes(32), [secret], secret);
    await measure(
      'successful check during a key rotation (two accepted keys)',
      200,
      () => call('POST', `/v1/verifications/${rotatedId}/check`, { code: codeFor(rotatedId) }),
      1,
    );

    const targets: Target[] = [];
    const body = rows.map((row) => {
      const total = [...row.counts.values()].reduce((a, b) => a + b, 0);
      const commands = [...row.counts].map(([name, n]) => `${name} ×${n}`).join(', ') || '—';
      let result = 'measured';
      if (row.status !== row.expectedStatus) {
        result = `FAIL (HTTP ${row.status}, expected ${row.expectedStatus})`;
        targets.push({ name: `round trips: ${row.operation} answers ${row.expectedStatus}`, pass: false });
      } else if (row.target !== undefined) {
        const pass = total === row.target;
        result = verdict(pass);
        targets.push({ name: `round trips: ${row.operation} = ${row.target}`, pass });
      }
      return [row.operation, row.status, total, commands, row.target ?? '—', result];
    });

    const markdown = [
      '## DynamoDB round trips per operation',
      '',
      'Counted by a middleware on the DynamoDBClient stack (deserialize step, inside the retry loop: every HTTP request, retries included), the real handlers called with API-Gateway events, DynamoDB Local over the wire, default settings. A send to a phone also increments the destination counter and the two spend-brake counters inside the same transaction.',
      '',
      table(['operation', 'HTTP', 'round trips', 'by command', 'target', 'result'], body),
      '',
      `Verification item size (DynamoDB's rule: attribute names plus values): ${sizeBefore} bytes as sent (sms), ${sizeAfterGuess} bytes after a wrong guess (\`lastGuessAt\` appears; later guesses add nothing). The code marker, an attribute named after the code's MAC that lets one write both count and compare a guess, is 53 of them. A send through a provider asking conversion feedback adds \`feedbackMessageId\` (17 + the provider's id, 36 for a UUID) in its one extra UpdateItem (1 WCU). A write costs one WCU per started KB of the larger of the item before and after: every check is 1 WCU.`,
    ].join('\n');
    return { markdown, targets };
  } finally {
    client.destroy();
  }
}
