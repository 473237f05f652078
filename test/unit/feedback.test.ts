/**
 * Conversion feedback (functions/core/feedback.ts): which sends record a message id, which stream
 * records report one, how the stream handler reports and counts them, and the exact PutMessageFeedback
 * call with its error mapping (aws-sdk-client-mock at the SDK edge).
 */
import {
  AccessDeniedException,
  InternalServerException,
  PinpointSMSVoiceV2Client,
  PutMessageFeedbackCommand,
  ResourceNotFoundException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createActivityHandler, FEEDBACK_BUDGET_MS } from '../../functions/activity/activity-handler.ts';
import type { FeedbackOutcome, MessageFeedback } from '../../functions/activity/ports.ts';
import { toItem } from '../../functions/adapters/dynamodb/items.ts';
import {
  feedbackOutcomeOf,
  SmsVoiceMessageFeedback,
} from '../../functions/adapters/sms-voice-message-feedback.ts';
import {
  convertedMessages,
  feedbackMessageIdOf,
  recordFeedbackMessage,
} from '../../functions/core/feedback.ts';
import type { Log } from '../../functions/core/ports.ts';
import type { VerificationRecord } from '../../functions/core/verification.ts';
import { MemoryActivityMetrics, MemoryEventPublisher } from '../../local/memory-activity.ts';
import { KEY, T0, verificationRecord } from '../support/verification-record.ts';

const MESSAGE = '0f0e1d2c-3b4a-5968-7786-95a4b3c2d1e0';

const record = verificationRecord;
const pending = record({ feedbackMessageId: MESSAGE });
const approved = { ...pending, status: 'approved' as const, approvedAt: T0 + 9_000 };

const quietLog = (): Log & { lines: string[] } => {
  const lines: string[] = [];
  const keep =
    (level: string) =>
    (message: string, ...fields: Record<string, unknown>[]) =>
      lines.push(`${level} ${message} ${JSON.stringify(Object.assign({}, ...fields))}`);
  return { lines, info: keep('info'), warn: keep('warn'), error: keep('error') };
};

describe('which sends record a message id', () => {
  it('only a send that asked the provider for feedback, and that got an id', () => {
    expect(feedbackMessageIdOf({ providerMessageId: MESSAGE, feedback: true })).toBe(MESSAGE);
    // SNS, SES, WhatsApp, push: an id, but no feedback asked.
    expect(feedbackMessageIdOf({ providerMessageId: 'sns-1' })).toBeUndefined();
    expect(feedbackMessageIdOf({ feedback: true })).toBeUndefined();
    expect(feedbackMessageIdOf(undefined)).toBeUndefined();
  });

  it('records through the store for a feedback send, and never for another', async () => {
    const writes: unknown[][] = [];
    const store = { recordFeedbackMessage: async (...args: unknown[]) => void writes.push(args) };
    const deps = { store, log: quietLog() };
    await recordFeedbackMessage(deps, { ...pending, channel: 'sms' }, T0, { providerMessageId: 'sns-1' });
    expect(writes).toEqual([]);
    await recordFeedbackMessage(deps, { ...pending, channel: 'voice' }, T0 + 31_000, {
      providerMessageId: MESSAGE,
      feedback: true,
    });
    expect(writes).toEqual([[pending.id, T0 + 31_000, MESSAGE]]);
  });

  it('a failed record neither throws nor delays the send, and logs the masked destination only', async () => {
    const log = quietLog();
    const store = {
      recordFeedbackMessage: async () => {
        throw Object.assign(new Error('timed out to +14155550123'), { name: 'AbortError' });
      },
    };
    await expect(
      recordFeedbackMessage({ store, log }, { ...pending, channel: 'sms' }, T0, {
        providerMessageId: MESSAGE,
        feedback: true,
      }),
    ).resolves.toBeUndefined();
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatch(/^warn feedback message id not recorded .*"to":"\+1\*{8}23".*AbortError/);
    expect(log.lines[0]).not.toContain('+14155550123');
  });
});

describe('which stream records report a message (convertedMessages)', () => {
  it.each<[string, VerificationRecord | undefined, VerificationRecord | undefined, string[]]>([
    ['the approval of a verification with a recorded id', pending, approved, [MESSAGE]],
    ['a replayed later write of the approved one (a receipt, an id recorded late)', approved, approved, []],
    [
      'an approval with no recorded id (SNS, or a later message without feedback)',
      record(),
      { ...record(), status: 'approved' },
      [],
    ],
    ['a wrong guess', pending, { ...pending, attempts: 1 }, []],
    ['a cancel', pending, { ...pending, status: 'canceled' }, []],
    ['the id recorded on a pending verification (the send itself)', record(), pending, []],
    [
      'an id recorded after the approval: that message came too late',
      { ...approved, feedbackMessageId: undefined },
      approved,
      [],
    ],
    ['a removal by TTL', approved, undefined, []],
    [
      'an approved item replacing another id (not a store write, but the rule holds)',
      { ...approved, id: `${KEY}.older000000000` },
      approved,
      [MESSAGE],
    ],
  ])('%s', (_, before, after, expected) => {
    const clean = (r: VerificationRecord | undefined) =>
      r && (Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as VerificationRecord);
    expect(convertedMessages(clean(before), clean(after))).toEqual(expected);
  });
});

/** A stream record as Lambda delivers it (images as JSON AttributeValues). */
function streamRecord(
  before: VerificationRecord | undefined,
  after: VerificationRecord,
  sequence: number,
): DynamoDBRecord {
  const image = (r: VerificationRecord) => JSON.parse(JSON.stringify(toItem(r)));
  return {
    eventID: `event-${sequence}`,
    eventName: before ? 'MODIFY' : 'INSERT',
    dynamodb: {
      ApproximateCreationDateTime: T0 / 1000,
      Keys: { pk: { S: `v#${after.destinationKey}` } },
      ...(before ? { OldImage: image(before) } : {}),
      NewImage: image(after),
      SequenceNumber: String(sequence).padStart(21, '0'),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

/** A MessageFeedback that answers `outcome` for every message and keeps what it was asked. */
function fakeFeedback(outcome: FeedbackOutcome | Error = 'reported') {
  const asked: string[] = [];
  const feedback: MessageFeedback = {
    async received(messageId) {
      asked.push(messageId);
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
  };
  return { asked, feedback };
}

/** Stream records of `count` verifications to distinct destinations approved, their messages `m-<i>`. */
const approvals = (count: number) =>
  Array.from({ length: count }, (_, i) => {
    const key = `${String(i).padStart(2, '0')}${KEY.slice(2)}`;
    const before = record({
      id: `${key}.m${String(i).padStart(13, '0')}`,
      destinationKey: key,
      feedbackMessageId: `m-${i}`,
    });
    return streamRecord(before, { ...before, status: 'approved', approvedAt: T0 + 1 }, i + 1);
  });

describe('the stream handler reports converted messages', () => {
  it('reports the approved verification’s message once, and counts it', async () => {
    const metrics = new MemoryActivityMetrics();
    const { asked, feedback } = fakeFeedback();
    const handle = createActivityHandler({
      metrics,
      events: new MemoryEventPublisher(),
      log: quietLog(),
      feedback,
    });
    const result = await handle({
      Records: [
        streamRecord(undefined, record(), 1),
        streamRecord(record(), pending, 2),
        streamRecord(pending, approved, 3),
      ],
    });
    expect(result).toEqual({ batchItemFailures: [] });
    expect(asked).toEqual([MESSAGE]);
    expect(metrics.counts.filter((c) => c.metric.startsWith('Feedback'))).toEqual([
      { metric: 'FeedbackReported', channel: 'sms' },
    ]);
  });

  it.each<[FeedbackOutcome | Error, RegExp]>([
    ['unknown_message', /^warn feedback not reported: unknown message .*"outcome":"unknown_message"/],
    ['throttled', /^error feedback not reported; dropped .*"outcome":"throttled"/],
    ['refused', /^error feedback not reported; dropped .*"outcome":"refused"/],
    [new Error('socket hang up'), /^error feedback not reported; dropped .*"outcome":"failed"/],
  ])(
    'a report that ends %s is logged, counted and dropped: the batch goes through',
    async (outcome, line) => {
      const metrics = new MemoryActivityMetrics();
      const events = new MemoryEventPublisher();
      const log = quietLog();
      const handle = createActivityHandler({
        metrics,
        events,
        log,
        feedback: fakeFeedback(outcome).feedback,
      });
      const result = await handle({ Records: [streamRecord(pending, approved, 1)] });
      expect(result).toEqual({ batchItemFailures: [] });
      expect(events.events.map((e) => e.status)).toEqual(['approved']);
      expect(metrics.counts.map((c) => c.metric)).toEqual(['Approved', 'FeedbackNotReported']);
      expect(log.lines).toHaveLength(1);
      expect(log.lines[0]).toMatch(line);
      expect(log.lines[0]).toContain(MESSAGE);
    },
  );

  it('reports nothing for a record whose events are retried: its retry reports it', async () => {
    const { asked, feedback } = fakeFeedback();
    const handle = createActivityHandler({
      metrics: new MemoryActivityMetrics(),
      events: {
        async publish() {
          throw new Error('EventBridge down');
        },
      },
      log: quietLog(),
      feedback,
    });
    const result = await handle({ Records: [streamRecord(pending, approved, 1)] });
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '000000000000000000001' }] });
    expect(asked).toEqual([]);
  });

  it('reports a batch of many approvals, a few at a time, each once', async () => {
    let inFlight = 0;
    let most = 0;
    const asked: string[] = [];
    const feedback: MessageFeedback = {
      async received(messageId) {
        asked.push(messageId);
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        return 'reported';
      },
    };
    const records = approvals(30);
    const handle = createActivityHandler({
      metrics: new MemoryActivityMetrics(),
      events: new MemoryEventPublisher(),
      log: quietLog(),
      feedback,
    });
    await handle({ Records: records });
    expect(asked.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `m-${i}`).sort());
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(8);
  });

  it('stops reporting when the batch has spent its budget: the rest is dropped and counted, the metrics still go out', async () => {
    let now = T0;
    const asked: string[] = [];
    // Each report takes the whole budget (a throttled or hung provider API, its retries included).
    const feedback: MessageFeedback = {
      async received(messageId) {
        asked.push(messageId);
        await new Promise((resolve) => setImmediate(resolve));
        now += FEEDBACK_BUDGET_MS;
        return 'reported';
      },
    };
    const records = approvals(12);
    const metrics = new MemoryActivityMetrics();
    const log = quietLog();
    const handle = createActivityHandler({
      metrics,
      events: new MemoryEventPublisher(),
      log,
      feedback,
      clock: () => now,
    });
    expect(await handle({ Records: records })).toEqual({ batchItemFailures: [] });
    // The first reports started within the budget; none started after it.
    expect(asked.length).toBe(8);
    const count = (metric: string) => metrics.counts.filter((c) => c.metric === metric).length;
    expect(count('FeedbackReported')).toBe(8);
    expect(count('FeedbackNotReported')).toBe(4);
    expect(count('Approved')).toBeGreaterThanOrEqual(12);
    expect(log.lines.filter((line) => line.includes('out_of_time'))).toHaveLength(4);
  });
});

describe('SmsVoiceMessageFeedback: PutMessageFeedback at the SDK edge', () => {
  const smsVoice = mockClient(PinpointSMSVoiceV2Client);
  beforeEach(() => smsVoice.reset());
  const client = () =>
    new PinpointSMSVoiceV2Client({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
  const meta = { $metadata: { httpStatusCode: 400, requestId: 'req-1' } };

  it('sends exactly the message id and RECEIVED', async () => {
    smsVoice
      .on(PutMessageFeedbackCommand)
      .resolves({ MessageId: MESSAGE, MessageFeedbackStatus: 'RECEIVED' });
    await expect(new SmsVoiceMessageFeedback(client()).received(MESSAGE)).resolves.toBe('reported');
    const calls = smsVoice.commandCalls(PutMessageFeedbackCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({ MessageId: MESSAGE, MessageFeedbackStatus: 'RECEIVED' });
  });

  it.each<[string, Error, FeedbackOutcome]>([
    [
      'an unknown or expired message id',
      new ResourceNotFoundException({
        message: 'no such message',
        ResourceType: 'message',
        ResourceId: MESSAGE,
        ...meta,
      }),
      'unknown_message',
    ],
    [
      'throttling past the client’s retries',
      new ThrottlingException({ message: 'Rate exceeded', ...meta }),
      'throttled',
    ],
    [
      'a role without the permission',
      new AccessDeniedException({ message: 'not authorized', Reason: 'ACCOUNT_DISABLED', ...meta }),
      'refused',
    ],
    [
      'an id of the wrong form',
      new ValidationException({ message: 'bad id', Reason: 'INVALID_PARAMETER', ...meta }),
      'refused',
    ],
    ['the service’s own fault', new InternalServerException({ message: 'oops', ...meta }), 'failed'],
    ['the network', new Error('socket hang up'), 'failed'],
  ])('maps %s to %s, never throwing', async (_, error, outcome) => {
    smsVoice.on(PutMessageFeedbackCommand).rejects(error);
    await expect(new SmsVoiceMessageFeedback(client()).received(MESSAGE)).resolves.toBe(outcome);
    expect(feedbackOutcomeOf(error)).toBe(outcome);
  });
});
