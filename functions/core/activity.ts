/**
 * What happened to a verification between two stored versions of it: the metrics to count and the
 * status changes to publish. Pure: the table's stream (functions/activity/) feeds it the old and new
 * image of each write, so metrics and events are derived from what was committed, never published
 * from the request path (no dual write, and nothing added to the check function's bundle).
 *
 * Timing: `approved`, `canceled`, `delivery_failed` and `max_attempts_reached` are written, so their
 * events follow the write within the stream's latency. `expired` is never written (the service decides
 * expiry by its clock, docs/storage.md): its event is published only when the expired verification is
 * **replaced** by a new one to the same destination or **removed** by TTL (about a day after expiry),
 * so it can be late — or, with neither, never come. Its `at` is the moment it expired (`expiresAt`);
 * an app that must act at that moment should schedule on the `expiresAt` of the start answer instead.
 *
 * Events carry ids, statuses, channels and times only: never a code, a destination (not even masked),
 * a MAC or a sealed value.
 */
import type { VerificationRecord } from './verification.ts';

/** The statuses an event is published for: every way a verification closes. */
export type ClosedStatus = 'approved' | 'expired' | 'max_attempts_reached' | 'canceled' | 'delivery_failed';

/** One status change, as published (EventBridge `detail`, local mode's `/_local/events`). */
export interface StatusChange {
  verificationId: string;
  status: ClosedStatus;
  channel: string;
  /** ISO 8601: when the status took effect (see the module note for `expired`). */
  at: string;
}

export const ACTIVITY_METRICS = [
  'Sent',
  'Resent',
  'Approved',
  'WrongCode',
  'MaxAttemptsReached',
  'Canceled',
  'DeliveryFailed',
  'Expired',
  'CascadeStepSent',
  'CascadeStepFailed',
  'CascadeStepSkipped',
  // Conversion feedback (functions/core/feedback.ts), counted by the stream handler as it reports.
  'FeedbackReported',
  'FeedbackNotReported',
] as const;
export type ActivityMetric = (typeof ACTIVITY_METRICS)[number];

/**
 * One occurrence to count (value 1). `country` only on `Sent` and `Approved` of a phone verification:
 * conversion by country (approved / sent) is the signal SMS pumping shows in (docs/operations.md).
 */
export interface ActivityCount {
  metric: ActivityMetric;
  channel: string;
  country?: string;
}

export interface Activity {
  events: StatusChange[];
  counts: ActivityCount[];
}

/** The metric counted with each closing status. */
const METRIC_OF: Record<ClosedStatus, ActivityMetric> = {
  approved: 'Approved',
  expired: 'Expired',
  max_attempts_reached: 'MaxAttemptsReached',
  canceled: 'Canceled',
  delivery_failed: 'DeliveryFailed',
};

/**
 * The activity between `before` and `after` (either absent: an insert or a removal), observed at
 * `observedAt` (epoch ms: the stream record's time, used for `at` where the record keeps none).
 * Deterministic: the same pair and moment give the same answer, so a replayed stream record
 * republishes the same events (consumers dedupe on `verificationId` + `status`).
 *
 * - a new verification (insert, or a replacement: another id in the same item) → `Sent`; a replaced
 *   one still pending with attempts left was expired (the store replaces nothing live) → `expired`;
 * - same id: `sends` up → `Resent` per send; `attempts` up → `WrongCode` per attempt, and reaching
 *   `maxAttempts` while pending → `max_attempts_reached`; stored status pending → approved, canceled,
 *   delivery_failed → that event; a first message refused while a cascade keeps the verification
 *   pending (`delivery` failed at `createdAt`) → `DeliveryFailed`; a cascade step → sent / failed / skipped → `CascadeStepSent` / `…Failed` / `…Skipped`, counted under
 *   the step's channel;
 * - removed (TTL) while still pending with attempts left → `expired`.
 */
export function activityOf(
  before: VerificationRecord | undefined,
  after: VerificationRecord | undefined,
  observedAt: number,
): Activity {
  const activity: Activity = { events: [], counts: [] };
  if (before && (!after || after.id !== before.id) && wasLeftPending(before)) {
    close(activity, before, 'expired', before.expiresAt, observedAt);
  }
  if (!after) return activity;
  if (!before || before.id !== after.id) {
    activity.counts.push({
      metric: 'Sent',
      channel: after.channel,
      ...(after.country === undefined ? {} : { country: after.country }),
    });
    // A verification written already past its first state (not something the store does) still
    // reports what it went through.
    changes(activity, FRESH, after, observedAt);
  } else {
    changes(activity, before, after, observedAt);
  }
  return activity;
}

/** Stored pending with attempts left: only expiry can have closed it. */
const wasLeftPending = (record: VerificationRecord) =>
  record.status === 'pending' && record.attempts < record.maxAttempts;

/** The state every new verification starts in. */
const FRESH = { status: 'pending', attempts: 0, sends: 1 } as const satisfies Partial<VerificationRecord>;

type Before = Pick<VerificationRecord, 'status' | 'attempts' | 'sends' | 'cascade' | 'delivery'>;

function changes(activity: Activity, before: Before, after: VerificationRecord, observedAt: number): void {
  const count = (metric: ActivityMetric, times = 1) => {
    for (let i = 0; i < times; i++) activity.counts.push({ metric, channel: after.channel });
  };
  count('Resent', Math.max(0, after.sends - before.sends));
  count('WrongCode', Math.max(0, after.attempts - before.attempts));
  if (
    after.status === 'pending' &&
    before.attempts < after.maxAttempts &&
    after.attempts >= after.maxAttempts
  ) {
    close(activity, after, 'max_attempts_reached', after.lastGuessAt ?? observedAt, observedAt);
  }
  if (after.status !== before.status && after.status !== 'pending') {
    const at = after.status === 'approved' ? after.approvedAt : after.closedAt;
    close(activity, after, after.status, at ?? observedAt, observedAt);
  }
  // A first message the channel refused, the verification left pending for its cascade (start.ts).
  if (
    after.delivery === 'failed' &&
    before.delivery !== 'failed' &&
    after.deliverySentAt === after.createdAt
  ) {
    count('DeliveryFailed');
  }
  after.cascade?.forEach((step, index) => {
    if (step.state === before.cascade?.[index]?.state) return;
    const channel = { channel: step.channel };
    if (step.state === 'sent') activity.counts.push({ metric: 'CascadeStepSent', ...channel });
    if (step.state === 'failed') activity.counts.push({ metric: 'CascadeStepFailed', ...channel });
    // A limit (the destination's hourly one, the spend brake) refused the step: it was not sent.
    if (step.state === 'skipped') activity.counts.push({ metric: 'CascadeStepSkipped', ...channel });
  });
}

function close(
  activity: Activity,
  record: VerificationRecord,
  status: ClosedStatus,
  at: number,
  observedAt: number,
): void {
  activity.events.push({
    verificationId: record.id,
    status,
    channel: record.channel,
    at: iso(at, observedAt),
  });
  const country = status === 'approved' ? record.country : undefined;
  activity.counts.push({
    metric: METRIC_OF[status],
    channel: record.channel,
    ...(country === undefined ? {} : { country }),
  });
}

/** `ms` as ISO 8601, or `fallback` when `ms` is no representable moment (a damaged item). */
function iso(ms: number, fallback: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? new Date(fallback).toISOString() : date.toISOString();
}
