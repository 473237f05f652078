/**
 * Metrics and events per operation, end to end: real operations on DynamoDB Local with the table's
 * stream on, the stream read as local mode reads it, and the records fed to the deployed stream
 * handler (functions/handlers/activity.ts) with EventBridge mocked and its EMF output captured.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { startLocalActivity } from '../../local/activity-stream.ts';
import { localDynamoDbClient } from '../../local/dynamodb-local.ts';
import { enableStream, StreamReader, StreamsApi } from '../../local/dynamodb-streams.ts';
import { auditedServices, findSecrets, secretsOf } from '../support/audit.ts';
import { wrongCodeFor } from '../support/codes.ts';
import { routes, type TestService } from '../support/service.ts';
import { idOf, latestCode } from './helpers.ts';

const services = auditedServices();
const eventBridge = mockClient(EventBridgeClient);
eventBridge.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => ({
  FailedEntryCount: 0,
  Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `event-${i}` })),
}));

const US = '+14155550123';
const GB = '+442079460123';
const US_EXPIRING = '+14155550199';
const US_FAILING = '+12125550123';
const EMAIL = 'ana@example.com';

let handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

beforeAll(async () => {
  vi.stubEnv('EVENT_BUS_NAME', 'otp-events');
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', '');
  ({ handler } = await import('../../functions/handlers/activity.ts'));
});
afterAll(() => {
  vi.unstubAllEnvs();
  eventBridge.restore();
});

interface Metric {
  name: string;
  value: number;
  dimensions: Record<string, string>;
}
interface Event {
  source: string | undefined;
  detailType: string | undefined;
  bus: string | undefined;
  detail: Record<string, unknown>;
}

/**
 * A test's own service with its table's stream on. `step()` reads what the stream holds since the
 * last step and runs the handler on it; `published` keeps every EMF line and event detail it produced.
 */
async function streamed() {
  const s = await services.create();
  const client = localDynamoDbClient(inject('dynamodbEndpoint'));
  const reader = new StreamReader(new StreamsApi(client), await enableStream(client, s.tableName));
  const published: string[] = [];
  return { s, api: routes(s), published, step: () => streamStep(reader, published) };
}

async function streamStep(
  reader: StreamReader,
  published: string[],
): Promise<{ metrics: Metric[]; events: Event[] }> {
  eventBridge.resetHistory();
  const records = await reader.read();
  const lines: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  let result: DynamoDBBatchResponse;
  try {
    result = await handler({ Records: records });
  } finally {
    stdout.mockRestore();
  }
  expect(result).toEqual({ batchItemFailures: [] });

  const emf = lines.map((line) => JSON.parse(line)).filter((line) => '_aws' in line);
  expect(emf).toHaveLength(lines.length); // nothing but EMF on stdout (no warnings, no logs)
  const metrics = emf.flatMap((line) => {
    const [directive] = line._aws.CloudWatchMetrics;
    expect(directive.Namespace).toBe('onetime');
    expect(directive.Dimensions).toHaveLength(1);
    return directive.Metrics.map((metric: { Name: string; Unit: string }) => {
      expect(metric.Unit).toBe('Count');
      return {
        name: metric.Name,
        value: line[metric.Name],
        dimensions: Object.fromEntries((directive.Dimensions[0] as string[]).map((d) => [d, line[d]])),
      };
    });
  });
  const entries = eventBridge
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? []);
  published.push(...lines, ...entries.map((entry) => entry.Detail ?? ''));
  const events = entries.map((entry) => ({
    source: entry.Source,
    detailType: entry.DetailType,
    bus: entry.EventBusName,
    detail: JSON.parse(entry.Detail ?? 'null'),
  }));
  return { metrics: sortMetrics(metrics), events };
}

const sortMetrics = (metrics: Metric[]) =>
  [...metrics].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const byChannel = (name: string, channel: string, value = 1): Metric => ({
  name,
  value,
  dimensions: { service: 'onetime', channel },
});
/** `Sent` and `Approved` count by channel, and again by channel and country for a phone destination. */
const byCountry = (name: 'Sent' | 'Approved', channel: string, country?: string): Metric[] => [
  byChannel(name, channel),
  ...(country ? [{ name, value: 1, dimensions: { service: 'onetime', channel, country } }] : []),
];
const sentTo = (channel: string, country?: string): Metric[] => byCountry('Sent', channel, country);
const event = (status: string, verificationId: string, channel: string, at: unknown): Event => ({
  source: 'onetime',
  detailType: `Verification ${status}`,
  bus: 'otp-events',
  detail: { verificationId, status, channel, at },
});
/** The service's time now: events carry the moment the change was written, by the service's clock. */
const serviceNow = (service: TestService) => new Date(service.clock.now).toISOString();

describe('metrics and events per operation (DynamoDB stream → handler)', () => {
  /** A pending verification to US, sent by SMS and resent by voice 31 s later; its stream read. */
  async function resentByVoice(f: Awaited<ReturnType<typeof streamed>>) {
    const id = idOf(await f.api.send({ to: US, channel: 'sms' }));
    f.s.clock.advance(31);
    expect((await f.api.send({ to: US, channel: 'voice' })).status).toBe(200);
    await f.step();
    return id;
  }

  it('a send counts Sent by channel and by channel + country, and publishes no event', async () => {
    const { api, step } = await streamed();
    idOf(await api.send({ to: US, channel: 'sms' }));
    expect(await step()).toEqual({ metrics: sortMetrics(sentTo('sms', 'US')), events: [] });
  });

  it('a resend counts Resent on the channel it went out on', async () => {
    const { s, api, step } = await streamed();
    idOf(await api.send({ to: US, channel: 'sms' }));
    await step();
    s.clock.advance(31);
    expect((await api.send({ to: US, channel: 'voice' })).status).toBe(200);
    expect(await step()).toEqual({ metrics: [byChannel('Resent', 'voice')], events: [] });
  });

  it('a wrong code counts WrongCode', async () => {
    const f = await streamed();
    const id = await resentByVoice(f);
    const response = await f.api.check(id, { code: wrongCodeFor(latestCode(f.s, US)) });
    expect(response.body['valid']).toBe(false);
    expect(await f.step()).toEqual({ metrics: [byChannel('WrongCode', 'voice')], events: [] });
  });

  it('the right code counts Approved (by channel, and by country) and publishes "Verification approved" at the approval time', async () => {
    const f = await streamed();
    const id = await resentByVoice(f);
    const approvedAt = new Date(f.s.clock.now).toISOString();
    expect((await f.api.check(id, { code: latestCode(f.s, US) })).body['status']).toBe('approved');
    expect(await f.step()).toEqual({
      metrics: sortMetrics(byCountry('Approved', 'voice', 'US')),
      events: [event('approved', id, 'voice', approvedAt)],
    });
  });

  it('the last wrong code counts MaxAttemptsReached and publishes "Verification max_attempts_reached"', async () => {
    const { s, api, step } = await streamed();
    const gb = idOf(await api.send({ to: GB, channel: 'sms' }));
    expect(await step()).toEqual({ metrics: sortMetrics(sentTo('sms', 'GB')), events: [] });

    const wrong = wrongCodeFor(latestCode(s, GB));
    for (let i = 0; i < 5; i++) await api.check(gb, { code: wrong });
    expect(await step()).toEqual({
      metrics: sortMetrics([byChannel('WrongCode', 'sms', 5), byChannel('MaxAttemptsReached', 'sms')]),
      events: [event('max_attempts_reached', gb, 'sms', serviceNow(s))],
    });
  });

  it('an email send counts Sent without a country; a cancel counts Canceled and publishes "Verification canceled"', async () => {
    const { s, api, step } = await streamed();
    const email = idOf(await api.send({ to: EMAIL, channel: 'email' }));
    expect(await step()).toEqual({ metrics: sentTo('email'), events: [] });

    expect((await api.cancel(email)).status).toBe(200);
    expect(await step()).toEqual({
      metrics: [byChannel('Canceled', 'email')],
      events: [event('canceled', email, 'email', serviceNow(s))],
    });
  });

  it('a refused delivery counts Sent and DeliveryFailed and publishes "Verification delivery_failed"', async () => {
    const { s, api, step } = await streamed();
    s.outbox.failNext();
    services.remember(s, { destinations: [US_FAILING] });
    const response = await api.send({ to: US_FAILING, channel: 'sms' });
    expect(response.status).toBe(502);
    const { metrics, events } = await step();
    expect(metrics).toEqual(sortMetrics([...sentTo('sms', 'US'), byChannel('DeliveryFailed', 'sms')]));
    expect(events).toEqual([event('delivery_failed', expect.any(String), 'sms', serviceNow(s))]);
  });

  it('an expired verification, once replaced, counts Expired and publishes "Verification expired" at its expiry', async () => {
    const { s, api, step } = await streamed();
    const first = await api.send({ to: US_EXPIRING, channel: 'sms' });
    const expiresAt = first.body['expiresAt'];
    await step();
    s.clock.advance(301);
    const second = idOf(await api.send({ to: US_EXPIRING, channel: 'sms' }));
    expect(second).not.toBe(first.body['id']);
    expect(await step()).toEqual({
      metrics: sortMetrics([byChannel('Expired', 'sms'), ...sentTo('sms', 'US')]),
      events: [event('expired', idOf(first), 'sms', expiresAt)],
    });
  });

  it('requests that write nothing (a refused resend, a GET) count and publish nothing', async () => {
    const { api, step } = await streamed();
    idOf(await api.send({ to: US, channel: 'sms' }));
    await step();
    expect((await api.send({ to: US, channel: 'sms' })).status).toBe(429);
    await api.get(idOf(await api.send({ to: 'bo@example.com', channel: 'email' })));
    expect(await step()).toEqual({ metrics: sentTo('email'), events: [] });
  });

  it('no EMF line and no event holds a code or a destination, full or masked', async () => {
    // Every kind of change the handler reports: sent, resent, wrong, approved, max attempts, canceled,
    // delivery failed, expired.
    const f = await streamed();
    const { s, api, published } = f;
    const statuses: unknown[] = [];
    const step = async () => statuses.push(...(await f.step()).events.map((e) => e.detail['status']));
    const id = await resentByVoice(f);
    await api.check(id, { code: wrongCodeFor(latestCode(s, US)) });
    await step();
    await api.check(id, { code: latestCode(s, US) });
    await step();
    const gb = idOf(await api.send({ to: GB, channel: 'sms' }));
    await step();
    for (let i = 0; i < 5; i++) await api.check(gb, { code: wrongCodeFor(latestCode(s, GB)) });
    await step();
    await api.cancel(idOf(await api.send({ to: EMAIL, channel: 'email' })));
    await step();
    s.outbox.failNext();
    services.remember(s, { destinations: [US_FAILING] });
    expect((await api.send({ to: US_FAILING, channel: 'sms' })).status).toBe(502);
    await step();
    idOf(await api.send({ to: US_EXPIRING, channel: 'sms' }));
    s.clock.advance(301);
    idOf(await api.send({ to: US_EXPIRING, channel: 'sms' }));
    await step();
    expect(statuses.sort()).toEqual([
      'approved',
      'canceled',
      'delivery_failed',
      'expired',
      'max_attempts_reached',
    ]);

    const secrets = secretsOf(s, { destinations: [US_FAILING] });
    expect(published.length).toBeGreaterThan(10);
    expect(findSecrets(published, secrets, { codes: true, destinations: true })).toEqual([]);
    for (const text of published) expect(text).not.toMatch(/\*\*\*/);
  });
});

describe('local mode: startLocalActivity', () => {
  it('follows the local table and keeps its status changes, oldest first', async () => {
    const local = await services.create();
    const log = { info() {}, warn() {}, error() {} };
    const activity = await startLocalActivity({
      client: localDynamoDbClient(inject('dynamodbEndpoint')),
      tableName: local.tableName,
      log,
      pollIntervalMs: 20,
    });
    try {
      const first = idOf(await routes(local).send({ to: US, channel: 'sms' }));
      await routes(local).cancel(first);
      const second = idOf(await routes(local).send({ to: EMAIL, channel: 'email' }));
      await routes(local).check(second, { code: latestCode(local, EMAIL) });

      // Polled: the deadline is only reached by a broken run, however busy the machine.
      await vi.waitFor(() => expect(activity.events).toHaveLength(2), { timeout: 30_000, interval: 20 });
      expect(activity.events).toEqual([
        { verificationId: first, status: 'canceled', channel: 'sms', at: serviceNow(local) },
        {
          verificationId: second,
          status: 'approved',
          channel: 'email',
          at: new Date(local.clock.now).toISOString(),
        },
      ]);
      expect(activity.counts.map((c) => `${c.metric}/${c.channel}`)).toEqual([
        'Sent/sms',
        'Canceled/sms',
        'Sent/email',
        'Approved/email',
      ]);
    } finally {
      await activity.stop();
    }
  }, 60_000);
});
