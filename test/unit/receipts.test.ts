/**
 * Delivery receipts without AWS: the three parsers on sample events shaped as the providers document
 * them, the mapping of provider statuses to delivered / failed / unknown, the core function that keys
 * a receipt by its destination, and the handler that routes each event shape.
 */
import { describe, expect, it } from 'vitest';
import {
  type DeliveryReceipt,
  recordDelivery,
  sesEventOutcome,
  smsLogOutcome,
  voiceEventOutcome,
} from '../../functions/core/delivery.ts';
import type { DeliveryStore, Log } from '../../functions/core/ports.ts';
import { Sealer } from '../../functions/core/sealing.ts';
import type { StoredDelivery } from '../../functions/core/verification.ts';
import { createReceiptsHandler } from '../../functions/receipts/receipts-handler.ts';
import { parseSesEvent } from '../../functions/receipts/ses-events.ts';
import { parseSnsSmsLogs, snsTimestamp } from '../../functions/receipts/sns-sms-logs.ts';
import { parseVoiceEvents } from '../../functions/receipts/voice-events.ts';
import { isWhatsAppEvent, parseWhatsAppEvents } from '../../functions/receipts/whatsapp-events.ts';
import {
  cloudWatchLogsEvent,
  sesEvent,
  snsSmsLogLine,
  snsTime,
  voiceSnsEvent,
  WHATSAPP_PHONE_NUMBER_ID,
  whatsAppSnsEvent,
} from '../support/receipt-events.ts';

const PHONE = '+14155550123';
const EMAIL = 'ana@example.com';

// ---- Parsers ------------------------------------------------------------------------------------------

const T0 = Date.parse('2026-11-23T10:00:00.000Z');

describe('SNS SMS delivery status logs', () => {
  it('reads the documented success and failure lines out of a gzipped subscription event', () => {
    const event = cloudWatchLogsEvent([
      {
        message: snsSmsLogLine({ destination: PHONE, timestamp: '2026-11-23 10:00:00.250', success: true }),
        timestamp: T0 + 900,
      },
      {
        message: snsSmsLogLine({
          destination: '+442071838750',
          timestamp: '2026-11-23 10:00:01.000',
          success: false,
        }),
        timestamp: T0 + 2_000,
      },
    ]);
    expect(parseSnsSmsLogs(event)).toEqual({
      receipts: [
        { channel: 'sms', destination: PHONE, outcome: 'delivered', sentAt: T0 + 250, at: T0 + 900 },
        {
          channel: 'sms',
          destination: '+442071838750',
          outcome: 'failed',
          sentAt: T0 + 1_000,
          at: T0 + 2_000,
        },
      ],
      unreadable: 0,
    });
  });

  it('reads SNS timestamps as UTC (they carry no zone)', () => {
    expect(snsTimestamp('2016-06-28 00:40:34.558')).toBe(Date.UTC(2016, 5, 28, 0, 40, 34, 558));
    expect(snsTimestamp('2016-06-28T00:40:34.558Z')).toBe(Date.UTC(2016, 5, 28, 0, 40, 34, 558));
    expect(snsTime(T0 + 250)).toBe('2026-11-23 10:00:00.250');
  });

  it('ignores CloudWatch Logs control messages and counts lines it cannot read', () => {
    expect(parseSnsSmsLogs(cloudWatchLogsEvent([], { messageType: 'CONTROL_MESSAGE' }))).toEqual({
      receipts: [],
      unreadable: 0,
    });
    const event = cloudWatchLogsEvent([
      { message: 'not json', timestamp: T0 },
      { message: JSON.stringify({ status: 'SUCCESS' }), timestamp: T0 },
    ]);
    expect(parseSnsSmsLogs(event)).toEqual({ receipts: [], unreadable: 2 });
    expect(parseSnsSmsLogs({ awslogs: { data: 'bm90IGd6aXA=' } })).toEqual({ receipts: [], unreadable: 1 });
  });
});

describe('SES events from EventBridge', () => {
  it('reads a delivery and a bounce with the send time of the mail and the time of the event', () => {
    for (const [eventType, outcome] of [
      ['Delivery', 'delivered'],
      ['Bounce', 'failed'],
    ] as const) {
      expect(
        parseSesEvent(sesEvent({ eventType, destination: EMAIL, sentAt: T0 + 100, at: T0 + 3_000 })),
      ).toEqual({
        receipts: [{ channel: 'email', destination: EMAIL, outcome, sentAt: T0 + 100, at: T0 + 3_000 }],
        unreadable: 0,
      });
    }
  });

  it('says nothing yet for a delay, and nothing new for a complaint', () => {
    for (const eventType of ['DeliveryDelay', 'Complaint'] as const) {
      const [receipt] = parseSesEvent(
        sesEvent({ eventType, destination: EMAIL, sentAt: T0, at: T0 + 1 }),
      ).receipts;
      expect(receipt?.outcome).toBe('unknown');
    }
  });

  it('falls back to mail.destination and the event time when the event has no part of its own', () => {
    const event = sesEvent({ eventType: 'Reject', destination: EMAIL, sentAt: T0, at: T0 + 5_000 });
    expect(parseSesEvent(event).receipts).toEqual([
      { channel: 'email', destination: EMAIL, outcome: 'failed', sentAt: T0, at: T0 + 5_000 },
    ]);
  });

  it('counts an event without its mail as unreadable', () => {
    const event = {
      ...sesEvent({ eventType: 'Delivery', destination: EMAIL, sentAt: T0, at: T0 }),
      detail: {},
    };
    expect(parseSesEvent(event)).toEqual({ receipts: [], unreadable: 1 });
  });
});

describe('SMS-Voice v2 voice events through SNS', () => {
  it('reads final and in-flight call events; text events and unreadable messages are not receipts', () => {
    const event = voiceSnsEvent([
      { eventType: 'VOICE_RINGING', destination: PHONE, requestedAt: T0, at: T0 + 2_000 },
      { eventType: 'VOICE_COMPLETED', destination: PHONE, requestedAt: T0, at: T0 + 20_000 },
      { eventType: 'VOICE_NO_ANSWER', destination: '+14155550124', requestedAt: T0, at: T0 + 40_000 },
      { eventType: 'TEXT_DELIVERED', destination: PHONE, requestedAt: T0, at: T0 + 1_000 },
    ]);
    event.Records.push({ ...event.Records[0]!, Sns: { ...event.Records[0]!.Sns, Message: '{oops' } });
    expect(parseVoiceEvents(event)).toEqual({
      receipts: [
        { channel: 'voice', destination: PHONE, outcome: 'unknown', sentAt: T0, at: T0 + 2_000 },
        { channel: 'voice', destination: PHONE, outcome: 'delivered', sentAt: T0, at: T0 + 20_000 },
        { channel: 'voice', destination: '+14155550124', outcome: 'failed', sentAt: T0, at: T0 + 40_000 },
      ],
      unreadable: 1,
    });
  });
});

describe('WhatsApp statuses through the WABA event destination (SNS)', () => {
  it("reads the service's number's statuses by recipient; other numbers' and unreadable entries are not receipts", () => {
    const at = Date.UTC(2026, 11, 3, 10, 0, 0);
    const event = whatsAppSnsEvent([
      { status: 'delivered', to: '+14155550123', at },
      { status: 'failed', to: '+14155550124', at },
      { status: 'sent', to: '+14155550125', at },
      {
        status: 'read',
        to: '+14155550126',
        at,
        phoneNumberId: 'phone-number-id-fedcba9876543210fedcba9876543210',
      },
    ]);
    expect(isWhatsAppEvent(event)).toBe(true);
    expect(
      isWhatsAppEvent(
        voiceSnsEvent([{ eventType: 'VOICE_COMPLETED', destination: '+14155550123', requestedAt: at, at }]),
      ),
    ).toBe(false);
    const parsed = parseWhatsAppEvents(event, WHATSAPP_PHONE_NUMBER_ID);
    expect(parsed).toEqual({
      unreadable: 0,
      receipts: [
        { channel: 'whatsapp', destination: '+14155550123', outcome: 'delivered', sentAt: at, at },
        { channel: 'whatsapp', destination: '+14155550124', outcome: 'failed', sentAt: at, at },
        { channel: 'whatsapp', destination: '+14155550125', outcome: 'unknown', sentAt: at, at },
      ],
    });
    // The ARN form of the id names the same number; no id configured reads nothing.
    const arn = `arn:aws:social-messaging:eu-west-1:123456789012:phone-number-id/${WHATSAPP_PHONE_NUMBER_ID.slice(16)}`;
    expect(parseWhatsAppEvents(event, arn).receipts).toHaveLength(3);
    expect(parseWhatsAppEvents(event, undefined).receipts).toEqual([]);
    const broken = {
      Records: [
        { ...event.Records[0]!, Sns: { ...event.Records[0]!.Sns, Message: '{"whatsAppWebhookEntry": "{"}' } },
      ],
    };
    expect(parseWhatsAppEvents(broken, WHATSAPP_PHONE_NUMBER_ID)).toEqual({ receipts: [], unreadable: 1 });
  });
});

describe('provider statuses → delivered / failed / unknown', () => {
  it.each([
    ['SUCCESS', 'delivered'],
    ['FAILURE', 'failed'],
    ['PENDING', 'unknown'],
    [undefined, 'unknown'],
  ])('SNS SMS status %s → %s', (status, outcome) => expect(smsLogOutcome(status)).toBe(outcome));

  it.each([
    ['Delivery', 'delivered'],
    ['Bounce', 'failed'],
    ['Reject', 'failed'],
    ['Rendering Failure', 'failed'],
    ['DeliveryDelay', 'unknown'],
    ['Complaint', 'unknown'],
    ['Send', 'unknown'],
    ['Open', 'unknown'],
  ])('SES %s → %s', (eventType, outcome) => expect(sesEventOutcome(eventType)).toBe(outcome));

  it.each([
    ['VOICE_COMPLETED', 'delivered'],
    ['VOICE_BUSY', 'failed'],
    ['VOICE_NO_ANSWER', 'failed'],
    ['VOICE_FAILED', 'failed'],
    ['VOICE_TTL_EXPIRED', 'failed'],
    ['VOICE_INITIATED', 'unknown'],
    ['VOICE_RINGING', 'unknown'],
    ['VOICE_ANSWERED', 'unknown'],
  ])('voice %s → %s', (eventType, outcome) => expect(voiceEventOutcome(eventType)).toBe(outcome));
});

// ---- The core function and the handler ------------------------------------------------------------------

function recordingLog() {
  const lines: string[] = [];
  const entry =
    (level: string) =>
    (message: string, ...fields: Record<string, unknown>[]) =>
      lines.push(JSON.stringify({ level, message, ...Object.assign({}, ...fields) }));
  const log: Log = { info: entry('INFO'), warn: entry('WARN'), error: entry('ERROR') };
  return { log, lines };
}

function fakeStore(answer: Awaited<ReturnType<DeliveryStore['recordDelivery']>> = 'recorded') {
  const calls: Array<{ key: string; receipt: StoredDelivery }> = [];
  const store: DeliveryStore = {
    recordDelivery: async (key, receipt) => {
      calls.push({ key, receipt });
      return answer;
    },
  };
  return { store, calls };
}

const sealer = new Sealer(new Uint8Array(32).fill(7));
const receipt = (overrides: Partial<DeliveryReceipt> = {}): DeliveryReceipt => ({
  channel: 'sms',
  destination: PHONE,
  outcome: 'delivered',
  sentAt: T0,
  at: T0 + 1_000,
  ...overrides,
});

describe('recordDelivery', () => {
  it('keys a receipt by the destination as a send keys it: E.164, lower-cased email', async () => {
    const { store, calls } = fakeStore();
    const { log } = recordingLog();
    await recordDelivery({ store, sealer, log }, receipt({ destination: '+1 (415) 555-0123' }));
    await recordDelivery(
      { store, sealer, log },
      receipt({ channel: 'email', destination: '"Ana" <Ana@Example.com>' }),
    );
    expect(calls.map((c) => c.key)).toEqual([sealer.destinationKey(PHONE), sealer.destinationKey(EMAIL)]);
    expect(calls[0]?.receipt).toEqual({ outcome: 'delivered', sentAt: T0, at: T0 + 1_000 });
  });

  it('records a receipt for a number outside any country allow-list (the list may have changed)', async () => {
    const { store, calls } = fakeStore();
    const result = await recordDelivery(
      { store, sealer, log: recordingLog().log },
      receipt({ destination: '+81312345678' }),
    );
    expect(result).toBe('recorded');
    expect(calls).toHaveLength(1);
  });

  it('writes nothing for an in-flight receipt or an unreadable destination', async () => {
    const { store, calls } = fakeStore();
    const { log } = recordingLog();
    expect(await recordDelivery({ store, sealer, log }, receipt({ outcome: 'unknown' }))).toBe('ignored');
    expect(await recordDelivery({ store, sealer, log }, receipt({ destination: '+1XXX5550100' }))).toBe(
      'unreadable',
    );
    expect(await recordDelivery({ store, sealer, log }, receipt({ sentAt: Number.NaN }))).toBe('unreadable');
    expect(calls).toEqual([]);
  });

  it('logs the destination masked, never in full', async () => {
    const { log, lines } = recordingLog();
    await recordDelivery({ store: fakeStore('stale').store, sealer, log }, receipt());
    await recordDelivery(
      { store: fakeStore().store, sealer, log },
      receipt({ channel: 'email', destination: EMAIL }),
    );
    expect(lines.join('\n')).not.toMatch(/4155550123|ana@example\.com/);
    expect(lines.map((line) => JSON.parse(line))).toMatchObject([
      { message: 'delivery receipt not applied', to: '+1********23', result: 'stale' },
      { message: 'delivery recorded', to: 'a***@example.com', result: 'recorded' },
    ]);
  });
});

describe('the receipts handler', () => {
  it('routes each event shape to its parser and sums what became of the receipts', async () => {
    const { store, calls } = fakeStore();
    const handle = createReceiptsHandler({ store, sealer, log: recordingLog().log });
    const sms = cloudWatchLogsEvent([
      {
        message: snsSmsLogLine({ destination: PHONE, timestamp: snsTime(T0), success: true }),
        timestamp: T0 + 1,
      },
    ]);
    expect(await handle(sms)).toEqual({ recorded: 1 });
    expect(
      await handle(sesEvent({ eventType: 'Bounce', destination: EMAIL, sentAt: T0, at: T0 + 1 })),
    ).toEqual({
      recorded: 1,
    });
    const voice = voiceSnsEvent([
      { eventType: 'VOICE_ANSWERED', destination: PHONE, requestedAt: T0, at: T0 + 1 },
      { eventType: 'VOICE_COMPLETED', destination: PHONE, requestedAt: T0, at: T0 + 2 },
    ]);
    expect(await handle(voice)).toEqual({ ignored: 1, recorded: 1 });
    expect(calls.map((c) => c.receipt.outcome)).toEqual(['delivered', 'failed', 'delivered']);
  });

  it('ignores an event of no known shape, logging its keys only', async () => {
    const { log, lines } = recordingLog();
    const handle = createReceiptsHandler({ store: fakeStore().store, sealer, log });
    expect(await handle({ to: PHONE })).toEqual({});
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('4155550123');
  });

  it('keeps the receipts of one destination in order and fails the invocation when a write failed', async () => {
    const written: string[] = [];
    const store: DeliveryStore = {
      async recordDelivery(key, r) {
        // An earlier receipt of the phone takes longer to write: written at once, they would land out
        // of order, so only a handler that writes one destination's receipts one by one keeps it.
        const phone = key === sealer.destinationKey(PHONE);
        await new Promise((resolve) => setTimeout(resolve, phone ? 30 - 6 * (r.at - T0) : 0));
        if (r.at === T0 + 99) throw new Error('ProvisionedThroughputExceededException');
        written.push(`${key === sealer.destinationKey(PHONE) ? 'a' : 'b'}@${r.at - T0}`);
        return 'recorded';
      },
    };
    const { log, lines } = recordingLog();
    const handle = createReceiptsHandler({ store, sealer, log }, { concurrency: 4 });
    const line = (destination: string, at: number) => ({
      message: snsSmsLogLine({ destination, timestamp: snsTime(T0), success: true }),
      timestamp: T0 + at,
    });
    const event = cloudWatchLogsEvent([
      line(PHONE, 1),
      line('+14155550124', 2),
      line(PHONE, 3),
      line('+14155550124', 99),
      line(PHONE, 4),
    ]);
    await expect(handle(event)).rejects.toThrow('1 delivery receipt(s) not recorded');
    expect(written.filter((w) => w.startsWith('a'))).toEqual(['a@1', 'a@3', 'a@4']);
    expect(written).toContain('b@2');
    expect(lines.at(-1)).toContain('ProvisionedThroughputExceededException');
  });
});
