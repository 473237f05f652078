/**
 * Metrics and status-change events derived from the table's stream: the pure derivation
 * (activityOf), the handler that publishes them, and its EventBridge and Powertools adapters.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandInput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createActivityHandler } from '../../functions/activity/activity-handler.ts';
import { UnpublishedEventsError } from '../../functions/activity/ports.ts';
import { itemOfImage } from '../../functions/activity/stream-images.ts';
import { fromItem, toItem } from '../../functions/adapters/dynamodb/items.ts';
import { EventBridgePublisher } from '../../functions/adapters/eventbridge-publisher.ts';
import { PowertoolsActivityMetrics } from '../../functions/adapters/powertools-activity-metrics.ts';
import {
  ACTIVITY_METRICS,
  type Activity,
  activityOf,
  type ClosedStatus,
  type StatusChange,
} from '../../functions/core/activity.ts';
import type { Log } from '../../functions/core/ports.ts';
import type {
  CascadeStep,
  Channel,
  StepState,
  StoredStatus,
  VerificationRecord,
} from '../../functions/core/verification.ts';
import { MemoryActivityMetrics, MemoryEventPublisher } from '../../local/memory-activity.ts';
import { KEY, T0, VALIDITY_MS, verificationRecord } from '../support/verification-record.ts';

const TTL = VALIDITY_MS;

/** A verification with a voice step waiting (the activity tests' usual record). */
const record = (overrides: Partial<VerificationRecord> = {}): VerificationRecord =>
  verificationRecord({ cascade: [{ channel: 'voice', afterSeconds: 60, state: 'waiting' }], ...overrides });
const iso = (ms: number) => new Date(ms).toISOString();
const metricsOf = (activity: Activity) => activity.counts.map((c) => c.metric);

describe('activityOf: one stored change, what it counts and publishes', () => {
  const pending = record();
  const at = T0 + 10_000;
  /** The pending verification with its one (voice) cascade step changed. */
  const withStep = (change: Partial<CascadeStep>): VerificationRecord => ({
    ...pending,
    cascade: [{ channel: 'voice', afterSeconds: 60, state: 'waiting', ...change }],
  });

  it('a new verification counts Sent with its channel and country, and publishes nothing', () => {
    expect(activityOf(undefined, pending, at)).toEqual({
      events: [],
      counts: [{ metric: 'Sent', channel: 'sms', country: 'US' }],
    });
  });

  it('an email verification counts Sent without a country', () => {
    const email = record({ channel: 'email', maskedTo: 'a***@example.com', country: undefined });
    delete email.country;
    expect(activityOf(undefined, email, at).counts).toEqual([{ metric: 'Sent', channel: 'email' }]);
  });

  it('a resend of the same id counts Resent on the channel it went out on (e.g. switched to voice)', () => {
    const resent = { ...pending, sends: 2, channel: 'voice' as Channel, lastSentAt: at };
    expect(activityOf(pending, resent, at)).toEqual({
      events: [],
      counts: [{ metric: 'Resent', channel: 'voice' }],
    });
  });

  it('a wrong code counts WrongCode once per attempt used', () => {
    expect(activityOf(pending, { ...pending, attempts: 1 }, at)).toEqual({
      events: [],
      counts: [{ metric: 'WrongCode', channel: 'sms' }],
    });
    expect(metricsOf(activityOf(pending, { ...pending, attempts: 3 }, at))).toEqual([
      'WrongCode',
      'WrongCode',
      'WrongCode',
    ]);
  });

  it('the last wrong code also counts MaxAttemptsReached and publishes max_attempts_reached', () => {
    const before = { ...pending, attempts: 4 };
    expect(activityOf(before, { ...pending, attempts: 5 }, at)).toEqual({
      events: [{ verificationId: pending.id, status: 'max_attempts_reached', channel: 'sms', at: iso(at) }],
      counts: [
        { metric: 'WrongCode', channel: 'sms' },
        { metric: 'MaxAttemptsReached', channel: 'sms' },
      ],
    });
  });

  it('an approval counts Approved (with its country, for conversion by country) and publishes approved at approvedAt', () => {
    const approved = { ...pending, status: 'approved' as const, approvedAt: T0 + 7_000 };
    expect(activityOf(pending, approved, at)).toEqual({
      events: [{ verificationId: pending.id, status: 'approved', channel: 'sms', at: iso(T0 + 7_000) }],
      counts: [{ metric: 'Approved', channel: 'sms', country: 'US' }],
    });
    const { country: _, ...email } = { ...pending, channel: 'email' as const };
    expect(activityOf(email, { ...email, status: 'approved', approvedAt: T0 + 7_000 }, at).counts).toEqual([
      { metric: 'Approved', channel: 'email' },
    ]);
  });

  it.each([
    ['canceled', 'Canceled'],
    ['delivery_failed', 'DeliveryFailed'],
  ] as const)('%s counts %s and publishes it at the moment it was written (closedAt)', (status, metric) => {
    expect(activityOf(pending, { ...pending, status, closedAt: T0 + 9_123 }, at)).toEqual({
      events: [{ verificationId: pending.id, status, channel: 'sms', at: iso(T0 + 9_123) }],
      counts: [{ metric, channel: 'sms' }],
    });
    // A record written before closedAt existed: the stream record's time.
    expect(activityOf(pending, { ...pending, status }, at).events[0]?.at).toBe(iso(at));
  });

  it('reaching the attempt limit publishes max_attempts_reached at the last guess, not the stream time', () => {
    const before = { ...pending, attempts: 4 };
    const after = { ...pending, attempts: 5, lastGuessAt: T0 + 8_456 };
    expect(activityOf(before, after, at).events).toEqual([
      { verificationId: pending.id, status: 'max_attempts_reached', channel: 'sms', at: iso(T0 + 8_456) },
    ]);
  });

  it('a cascade step counts CascadeStepSent or CascadeStepFailed under its own channel once it ends, not when claimed', () => {
    const calling = withStep({ state: 'sending', at });
    expect(activityOf(pending, calling, at)).toEqual({ events: [], counts: [] });
    expect(activityOf(calling, withStep({ state: 'sent', at }), at).counts).toEqual([
      { metric: 'CascadeStepSent', channel: 'voice' },
    ]);
    expect(activityOf(calling, withStep({ state: 'failed', at }), at).counts).toEqual([
      { metric: 'CascadeStepFailed', channel: 'voice' },
    ]);
  });

  it('a first message the channel refused, the verification kept for its cascade, counts DeliveryFailed', () => {
    const refused = {
      ...pending,
      delivery: 'failed' as const,
      deliveryAt: at,
      deliverySentAt: pending.createdAt,
    };
    expect(activityOf(pending, refused, at)).toEqual({
      events: [],
      counts: [{ metric: 'DeliveryFailed', channel: 'sms' }],
    });
    // A failed receipt of a message (sent after the item's creation) is not a refusal at the send.
    const receipt = {
      ...pending,
      delivery: 'failed' as const,
      deliveryAt: at,
      deliverySentAt: pending.createdAt + 500,
    };
    expect(activityOf(pending, receipt, at)).toEqual({ events: [], counts: [] });
  });

  it('a cascade step a limit refused counts CascadeStepSkipped, and publishes no status change', () => {
    const skipped = withStep({ state: 'skipped', at, reason: 'spend_limit' });
    expect(activityOf(pending, skipped, at)).toEqual({
      events: [],
      counts: [{ metric: 'CascadeStepSkipped', channel: 'voice' }],
    });
  });

  it('replacing an expired, still-pending verification publishes expired for the old id at its expiry', () => {
    const next = record({ id: `${KEY}.second00000000`, createdAt: T0 + TTL + 60_000, channel: 'voice' });
    expect(activityOf(pending, next, T0 + TTL + 60_000)).toEqual({
      events: [{ verificationId: pending.id, status: 'expired', channel: 'sms', at: iso(T0 + TTL) }],
      counts: [
        { metric: 'Expired', channel: 'sms' },
        { metric: 'Sent', channel: 'voice', country: 'US' },
      ],
    });
  });

  it('replacing a pending verification one attempt short of its limit publishes expired too', () => {
    const next = record({ id: `${KEY}.second00000000` });
    expect(activityOf({ ...pending, attempts: 4 }, next, at).events.map((e) => e.status)).toEqual([
      'expired',
    ]);
  });

  it.each([
    ['approved', { status: 'approved' as const }],
    ['canceled', { status: 'canceled' as const }],
    ['delivery_failed', { status: 'delivery_failed' as const }],
    ['out of attempts', { attempts: 5 }],
  ])('replacing a verification already closed (%s) publishes nothing more for it', (_, closed) => {
    const next = record({ id: `${KEY}.second00000000` });
    expect(activityOf({ ...pending, ...closed }, next, at)).toEqual({
      events: [],
      counts: [{ metric: 'Sent', channel: 'sms', country: 'US' }],
    });
  });

  it('removal by TTL of a still-pending verification publishes expired; of a closed one, nothing', () => {
    const late = T0 + TTL + 86_400_000;
    expect(activityOf(pending, undefined, late)).toEqual({
      events: [{ verificationId: pending.id, status: 'expired', channel: 'sms', at: iso(T0 + TTL) }],
      counts: [{ metric: 'Expired', channel: 'sms' }],
    });
    expect(activityOf({ ...pending, status: 'approved' }, undefined, late)).toEqual({
      events: [],
      counts: [],
    });
  });

  it('a write that changes nothing it tracks (e.g. the claim time) gives nothing', () => {
    expect(activityOf(pending, { ...pending, lastSentAt: at }, at)).toEqual({ events: [], counts: [] });
    expect(activityOf(undefined, undefined, at)).toEqual({ events: [], counts: [] });
  });
});

// ---- Properties -----------------------------------------------------------------------------------

const SECRET_MARK = 'ZZSECRET';
const arbRecord = (id = fc.stringMatching(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{14}$/)) =>
  fc.record({
    id,
    destinationKey: fc.constant(KEY),
    sealedTo: fc.string().map((s) => `v1.${SECRET_MARK}to${s}`),
    maskedTo: fc.string().map((s) => `${SECRET_MARK}masked${s}`),
    channel: fc.constantFrom<Channel>('sms', 'email', 'voice'),
    country: fc.option(fc.constantFrom('US', 'GB', 'FR'), { nil: undefined }),
    status: fc.constantFrom<StoredStatus>('pending', 'approved', 'canceled', 'delivery_failed'),
    codeMac: fc.string().map((s) => `${SECRET_MARK}mac${s}`),
    sealedCode: fc.string().map((s) => `v1.${SECRET_MARK}code${s}`),
    codeLength: fc.constant(6),
    locale: fc.constant('en'),
    createdAt: fc.integer({ min: T0, max: T0 + 1_000 }),
    expiresAt: fc.integer({ min: T0 + 1_000, max: T0 + TTL }),
    lastSentAt: fc.integer({ min: T0, max: T0 + TTL }),
    attempts: fc.integer({ min: 0, max: 6 }),
    maxAttempts: fc.integer({ min: 1, max: 5 }),
    sends: fc.integer({ min: 1, max: 6 }),
    cascade: fc.option(
      fc.array(
        fc.record({
          channel: fc.constantFrom<Channel>('sms', 'voice', 'email'),
          afterSeconds: fc.integer({ min: 1, max: 120 }),
          state: fc.constantFrom<StepState>('waiting', 'sending', 'sent', 'failed', 'skipped'),
        }),
        { maxLength: 3 },
      ),
      { nil: undefined },
    ),
    approvedAt: fc.option(fc.integer({ min: T0, max: T0 + TTL }), { nil: undefined }),
  }) as fc.Arbitrary<VerificationRecord>;

/** A before/after pair: same id (a modification), another id (a replacement), or either side absent. */
const arbPair = fc.oneof(
  fc.tuple(arbRecord(), arbRecord()).map(([before, after]) => [before, { ...after, id: before.id }] as const),
  fc.tuple(arbRecord(), arbRecord()),
  fc.tuple(fc.constant(undefined), arbRecord()),
  fc.tuple(arbRecord(), fc.constant(undefined)),
);
const arbMoment = fc.integer({ min: T0, max: T0 + 2 * 86_400_000 });

describe('activityOf: properties', () => {
  it('never puts a code, a MAC, a sealed value or a destination (even masked) in an event or a count', () => {
    fc.assert(
      fc.property(arbPair, arbMoment, ([before, after], at) => {
        const out = JSON.stringify(activityOf(before, after, at));
        expect(out).not.toContain(SECRET_MARK);
        for (const event of activityOf(before, after, at).events) {
          expect(Object.keys(event).sort()).toEqual(['at', 'channel', 'status', 'verificationId']);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('is deterministic: replaying the same stream record gives the same output', () => {
    fc.assert(
      fc.property(arbPair, arbMoment, ([before, after], at) => {
        const first = activityOf(before, after, at);
        const replay = activityOf(structuredClone(before), structuredClone(after), at);
        expect(replay).toEqual(first);
      }),
      { numRuns: 1_000 },
    );
  });

  it('every event is counted once under its metric and channel, and only closing metrics come with events', () => {
    const metricOf: Record<ClosedStatus, string> = {
      approved: 'Approved',
      expired: 'Expired',
      max_attempts_reached: 'MaxAttemptsReached',
      canceled: 'Canceled',
      delivery_failed: 'DeliveryFailed',
    };
    fc.assert(
      fc.property(arbPair, arbMoment, ([before, after], at) => {
        const { events, counts } = activityOf(before, after, at);
        const closing = counts.filter((c) => Object.values(metricOf).includes(c.metric));
        expect(closing.map((c) => `${c.metric}/${c.channel}`).sort()).toEqual(
          events.map((e) => `${metricOf[e.status]}/${e.channel}`).sort(),
        );
        for (const count of counts) {
          expect(ACTIVITY_METRICS).toContain(count.metric);
          if (count.metric !== 'Sent' && count.metric !== 'Approved') expect(count.country).toBeUndefined();
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it('counts WrongCode and Resent exactly by how much attempts and sends grew under the same id', () => {
    fc.assert(
      fc.property(arbRecord(), arbRecord(), arbMoment, (before, next, at) => {
        const after = { ...next, id: before.id };
        const metrics = metricsOf(activityOf(before, after, at));
        expect(metrics.filter((m) => m === 'WrongCode')).toHaveLength(
          Math.max(0, after.attempts - before.attempts),
        );
        expect(metrics.filter((m) => m === 'Resent')).toHaveLength(Math.max(0, after.sends - before.sends));
        expect(metrics).not.toContain('Sent');
      }),
    );
  });

  it('an unchanged record gives nothing', () => {
    fc.assert(
      fc.property(arbRecord(), arbMoment, (same, at) => {
        expect(activityOf(same, structuredClone(same), at)).toEqual({ events: [], counts: [] });
      }),
    );
  });

  /**
   * A model of the store's writes (docs/storage.md), each allowed only under its condition, run over
   * random operation sequences: what the stream would carry, folded through activityOf.
   */
  type Op =
    | { kind: 'advance'; seconds: number }
    | { kind: 'send'; channel: Channel; delivered: boolean }
    | { kind: 'wrong' | 'approve' | 'cancel' | 'claim' | 'ttl' }
    | { kind: 'finish'; outcome: 'sent' | 'failed' };
  const arbOp: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('advance' as const),
        seconds: fc.integer({ min: 1, max: 400 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('send' as const),
        channel: fc.constantFrom<Channel>('sms', 'voice', 'email'),
        delivered: fc.integer({ min: 0, max: 4 }).map((n) => n > 0),
      }),
    },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('wrong' as const) }) },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constantFrom('approve', 'cancel', 'claim', 'ttl' as const) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('finish' as const),
        outcome: fc.constantFrom('sent', 'failed' as const),
      }),
    },
  );

  function run(ops: Op[]) {
    let now = T0;
    let current: VerificationRecord | undefined;
    let serial = 0;
    const changes: Array<[VerificationRecord | undefined, VerificationRecord | undefined, number]> = [];
    const write = (next: VerificationRecord | undefined) => {
      changes.push([current, next, now]);
      current = next;
    };
    const live = (r: VerificationRecord | undefined): r is VerificationRecord =>
      r !== undefined && r.status === 'pending' && r.expiresAt > now && r.attempts < r.maxAttempts;
    for (const op of ops) {
      if (op.kind === 'advance') now += op.seconds * 1000;
      else if (op.kind === 'send') {
        if (live(current)) {
          if (current.lastSentAt > now - 30_000) continue; // cooldown: nothing written
          write({ ...current, sends: current.sends + 1, lastSentAt: now, channel: op.channel });
        } else {
          serial++;
          write(
            record({
              id: `${KEY}.${String(serial).padStart(14, '0')}`,
              channel: op.channel,
              createdAt: now,
              lastSentAt: now,
              expiresAt: now + TTL,
              // Few attempts, so runs reach the limit (and replace verifications one short of it).
              maxAttempts: 3,
            }),
          );
        }
        if (!op.delivered && current?.status === 'pending') write({ ...current, status: 'delivery_failed' });
      } else if (op.kind === 'wrong' && live(current)) write({ ...current, attempts: current.attempts + 1 });
      else if (op.kind === 'approve' && live(current))
        write({ ...current, status: 'approved', approvedAt: now });
      else if (op.kind === 'cancel' && live(current)) write({ ...current, status: 'canceled' });
      else if (op.kind === 'claim' && live(current) && current.cascade?.[0]?.state === 'waiting')
        write({ ...current, cascade: [{ channel: 'voice', afterSeconds: 60, state: 'sending', at: now }] });
      else if (op.kind === 'finish' && current?.cascade?.[0]?.state === 'sending')
        write({ ...current, cascade: [{ channel: 'voice', afterSeconds: 60, state: op.outcome, at: now }] });
      else if (op.kind === 'ttl' && current && now >= current.expiresAt) write(undefined);
    }
    return { changes, created: serial, now };
  }

  it('over any run of the store: each verification is Sent once and closes at most once, and a replaced or removed pending one closes as expired', () => {
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 60 }), (ops) => {
        const { changes, created } = run(ops);
        const activities = changes.map(([before, after, at]) => activityOf(before, after, at));
        const events = activities.flatMap((a) => a.events);
        const counts = activities.flatMap((a) => a.counts);
        expect(counts.filter((c) => c.metric === 'Sent')).toHaveLength(created);
        const closings = new Map<string, string[]>();
        for (const e of events)
          closings.set(e.verificationId, [...(closings.get(e.verificationId) ?? []), e.status]);
        for (const [id, statuses] of closings) expect(statuses, id).toHaveLength(1);
        // Every verification that is gone (replaced or removed) has closed.
        const last = changes.at(-1)?.[1];
        for (let n = 1; n <= created; n++) {
          const id = `${KEY}.${String(n).padStart(14, '0')}`;
          if (id !== last?.id) expect(closings.has(id), id).toBe(true);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

// ---- The handler ----------------------------------------------------------------------------------

/** A stream record as Lambda delivers it (images as JSON AttributeValues). */
function streamRecord(
  before: VerificationRecord | undefined,
  after: VerificationRecord | undefined,
  sequence: number,
  at = T0,
): DynamoDBRecord {
  const image = (r: VerificationRecord) => JSON.parse(JSON.stringify(toItem(r)));
  const key = before ?? after;
  return {
    eventID: `event-${sequence}`,
    eventName: before && after ? 'MODIFY' : before ? 'REMOVE' : 'INSERT',
    eventSource: 'aws:dynamodb',
    dynamodb: {
      ApproximateCreationDateTime: at / 1000,
      Keys: { pk: { S: `v#${key?.destinationKey}` } },
      ...(before ? { OldImage: image(before) } : {}),
      ...(after ? { NewImage: image(after) } : {}),
      SequenceNumber: String(sequence).padStart(21, '0'),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}
const counterRecord = (sequence: number): DynamoDBRecord => ({
  eventName: 'INSERT',
  dynamodb: {
    Keys: { pk: { S: 'c#spend-minute#1#0' } },
    NewImage: { pk: { S: 'c#spend-minute#1#0' }, n: { N: '1' } },
    SequenceNumber: String(sequence).padStart(21, '0'),
  },
});
const quietLog = (): Log & { lines: string[] } => {
  const lines: string[] = [];
  const keep = (message: string, ...fields: Record<string, unknown>[]) => {
    lines.push(JSON.stringify({ message, ...Object.assign({}, ...fields) }));
  };
  return { lines, info: keep, warn: keep, error: keep };
};

describe('Stream images', () => {
  it('read back as the record that was written, whatever the attribute types', () => {
    fc.assert(
      fc.property(arbRecord(), (r) => {
        const image = JSON.parse(JSON.stringify(toItem(r)));
        expect(fromItem(itemOfImage(image))).toEqual(fromItem(toItem(r)));
      }),
      { numRuns: 200 },
    );
    expect(
      itemOfImage({ b: { B: 'AQI=' }, l: { L: [{ NULL: true }, { M: { s: { SS: ['a'] } } }] } }),
    ).toEqual({
      b: { B: Buffer.from([1, 2]) },
      l: { L: [{ NULL: true }, { M: { s: { SS: ['a'] } } }] },
    });
  });
});

describe('createActivityHandler', () => {
  const pending = record();
  const approved = { ...pending, status: 'approved' as const, approvedAt: T0 + 5_000 };
  const other = record({
    id: `${KEY.replace(/A/g, 'B')}.other000000000`,
    destinationKey: KEY.replace(/A/g, 'B'),
  });

  it('counts and publishes a batch, skipping counters and idempotency items', async () => {
    const metrics = new MemoryActivityMetrics();
    const events = new MemoryEventPublisher();
    const handle = createActivityHandler({ metrics, events, log: quietLog() });

    const result = await handle({
      Records: [streamRecord(undefined, pending, 1), counterRecord(2), streamRecord(pending, approved, 3)],
    });

    expect(result).toEqual({ batchItemFailures: [] });
    expect(metrics.counts).toEqual([
      { metric: 'Sent', channel: 'sms', country: 'US' },
      { metric: 'Approved', channel: 'sms', country: 'US' },
    ]);
    expect(events.events).toEqual([
      { verificationId: pending.id, status: 'approved', channel: 'sms', at: iso(T0 + 5_000) },
    ]);
  });

  it('takes the moment of a change from the stream record', async () => {
    const events = new MemoryEventPublisher();
    const handle = createActivityHandler({ metrics: new MemoryActivityMetrics(), events, log: quietLog() });
    await handle({ Records: [streamRecord(pending, { ...pending, status: 'canceled' }, 1, T0 + 42_000)] });
    expect(events.events[0]?.at).toBe(iso(T0 + 42_000));
  });

  it('skips, and logs, an item it cannot read, and carries on with the batch', async () => {
    const metrics = new MemoryActivityMetrics();
    const log = quietLog();
    const handle = createActivityHandler({ metrics, events: new MemoryEventPublisher(), log });
    const broken = streamRecord(undefined, pending, 1);
    delete broken.dynamodb!.NewImage!['id'];
    const result = await handle({ Records: [broken, streamRecord(undefined, other, 2)] });
    expect(result).toEqual({ batchItemFailures: [] });
    expect(metrics.counts).toHaveLength(1);
    expect(log.lines.join('\n')).toMatch(/stream record skipped.*lacks id/);
  });

  it('reports the first record whose events were not published, and counts only the records before it', async () => {
    const metrics = new MemoryActivityMetrics();
    const published: StatusChange[] = [];
    const handle = createActivityHandler({
      metrics,
      events: {
        async publish(changes) {
          const refused = changes.filter((c) => c.verificationId === other.id);
          published.push(...changes.filter((c) => !refused.includes(c)));
          if (refused.length > 0) throw new UnpublishedEventsError(refused, ['ThrottlingException']);
        },
      },
      log: quietLog(),
    });

    const result = await handle({
      Records: [
        streamRecord(undefined, pending, 1),
        streamRecord(pending, approved, 2),
        streamRecord(undefined, other, 3),
        streamRecord(other, { ...other, status: 'canceled' }, 4),
        streamRecord(undefined, record({ id: `${KEY}.third000000000` }), 5),
      ],
    });

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '000000000000000000004' }] });
    expect(metrics.counts.map((c) => c.metric)).toEqual(['Sent', 'Approved', 'Sent']);
    expect(published.map((e) => e.status)).toEqual(['approved']);
  });

  it('reports the first record with events when publishing failed outright', async () => {
    const metrics = new MemoryActivityMetrics();
    const handle = createActivityHandler({
      metrics,
      events: {
        async publish() {
          throw new Error('network down');
        },
      },
      log: quietLog(),
    });
    const result = await handle({
      Records: [streamRecord(undefined, pending, 1), streamRecord(pending, approved, 2)],
    });
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '000000000000000000002' }] });
    expect(metrics.counts.map((c) => c.metric)).toEqual(['Sent']);
  });
});

// ---- Adapters -------------------------------------------------------------------------------------

const change = (n: number, status: ClosedStatus = 'approved'): StatusChange => ({
  verificationId: `${KEY}.${String(n).padStart(14, '0')}`,
  status,
  channel: 'sms',
  at: iso(T0 + n),
});
const noWait = { sleep: async () => {}, random: () => 0 };

describe('EventBridgePublisher', () => {
  const eventBridge = mockClient(EventBridgeClient);
  afterEach(() => eventBridge.reset());
  const sentEntries = () =>
    eventBridge
      .commandCalls(PutEventsCommand)
      .map((call) => call.args[0].input.Entries as PutEventsRequestEntry[]);

  it('sends each change as a `Verification <status>` event from source onetime, in batches of 10', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => ({
      FailedEntryCount: 0,
      Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `e${i}` })),
    }));
    const changes = Array.from({ length: 23 }, (_, n) => change(n));
    await new EventBridgePublisher(new EventBridgeClient({}), { eventBusName: 'otp-bus', ...noWait }).publish(
      changes,
    );

    expect(sentEntries().map((entries) => entries.length)).toEqual([10, 10, 3]);
    expect(sentEntries()[0]![0]).toEqual({
      Source: 'onetime',
      DetailType: 'Verification approved',
      Detail: JSON.stringify(changes[0]),
      Time: new Date(changes[0]!.at),
      EventBusName: 'otp-bus',
    });
  });

  it('uses the default bus when no bus is named', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
    await new EventBridgePublisher(new EventBridgeClient({}), noWait).publish([change(1, 'canceled')]);
    expect(sentEntries()[0]![0]).not.toHaveProperty('EventBusName');
    expect(sentEntries()[0]![0]?.DetailType).toBe('Verification canceled');
  });

  it('sends again only the entries PutEvents reported as failed (FailedEntryCount)', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [
          { EventId: 'a' },
          { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' },
          { EventId: 'c' },
        ],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }] });
    const changes = [change(1), change(2), change(3)];
    await new EventBridgePublisher(new EventBridgeClient({}), noWait).publish(changes);
    expect(sentEntries().map((entries) => entries.map((e) => JSON.parse(e.Detail!).verificationId))).toEqual([
      changes.map((c) => c.verificationId),
      [changes[1]!.verificationId],
    ]);
  });

  it('throws the changes still failing after its rounds, and only those', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => {
      const entries = (input.Entries ?? []).map((entry) =>
        JSON.parse(entry.Detail ?? '{}').status === 'canceled'
          ? { ErrorCode: 'InternalFailure' }
          : { EventId: 'ok' },
      );
      return { FailedEntryCount: entries.filter((e) => 'ErrorCode' in e).length, Entries: entries };
    });
    const changes = [change(1), change(2, 'canceled'), change(3)];
    const publishing = new EventBridgePublisher(new EventBridgeClient({}), {
      maxRounds: 3,
      ...noWait,
    }).publish(changes);
    await expect(publishing).rejects.toBeInstanceOf(UnpublishedEventsError);
    const error = (await publishing.catch((e: unknown) => e)) as UnpublishedEventsError;
    expect(error.unpublished).toEqual([changes[1]]);
    expect(error.message).toContain('InternalFailure');
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(3);
  });

  it('sends a whole batch again when the call itself failed', async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejectsOnce(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }))
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'a' }, { EventId: 'b' }] });
    await new EventBridgePublisher(new EventBridgeClient({}), noWait).publish([change(1), change(2)]);
    expect(sentEntries()).toHaveLength(2);
  });
});

describe('PowertoolsActivityMetrics', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes EMF lines: every metric by channel, and Sent also by channel and country', () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const metrics = new PowertoolsActivityMetrics(
      new Metrics({ namespace: 'onetime', serviceName: 'onetime' }),
    );
    metrics.add({ metric: 'Sent', channel: 'sms', country: 'US' });
    metrics.add({ metric: 'Sent', channel: 'sms', country: 'GB' });
    metrics.add({ metric: 'WrongCode', channel: 'sms' });
    metrics.add({ metric: 'Sent', channel: 'email' });
    metrics.publish();
    metrics.publish(); // nothing left: writes nothing

    const emf = lines.map((line) => JSON.parse(line));
    const flat = emf.flatMap((line) =>
      line._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string; Unit: string }) => ({
        namespace: line._aws.CloudWatchMetrics[0].Namespace,
        name: m.Name,
        unit: m.Unit,
        value: line[m.Name],
        dimensions: Object.fromEntries(
          (line._aws.CloudWatchMetrics[0].Dimensions[0] as string[]).map((d) => [d, line[d]]),
        ),
      })),
    );
    const base = { namespace: 'onetime', unit: 'Count' };
    expect(flat).toEqual(
      expect.arrayContaining([
        { ...base, name: 'Sent', value: 2, dimensions: { service: 'onetime', channel: 'sms' } },
        { ...base, name: 'WrongCode', value: 1, dimensions: { service: 'onetime', channel: 'sms' } },
        {
          ...base,
          name: 'Sent',
          value: 1,
          dimensions: { service: 'onetime', channel: 'sms', country: 'US' },
        },
        {
          ...base,
          name: 'Sent',
          value: 1,
          dimensions: { service: 'onetime', channel: 'sms', country: 'GB' },
        },
        { ...base, name: 'Sent', value: 1, dimensions: { service: 'onetime', channel: 'email' } },
      ]),
    );
    expect(flat).toHaveLength(5);
  });
});
