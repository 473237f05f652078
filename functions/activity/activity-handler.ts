import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { type Activity, type ActivityCount, activityOf, type StatusChange } from '../core/activity.ts';
import { convertedMessages } from '../core/feedback.ts';
import type { Clock, Log } from '../core/ports.ts';
import {
  type ActivityMetrics,
  type EventPublisher,
  type FeedbackOutcome,
  type MessageFeedback,
  UnpublishedEventsError,
} from './ports.ts';
import { isVerificationRecord, verificationsOf } from './stream-images.ts';

export interface ActivityHandlerDeps {
  metrics: ActivityMetrics;
  events: EventPublisher;
  log: Log;
  /** Reports the messages of approved verifications as received. @default none reported (local mode) */
  feedback?: MessageFeedback;
  /** For records without `ApproximateCreationDateTime`. @default Date.now */
  clock?: Clock;
}

/** A message of a verification approved in this batch, to report as received. */
interface Converted {
  messageId: string;
  verificationId: string;
  channel: string;
}

/** PutMessageFeedback calls in flight at once (a batch holds up to 100 records). */
const FEEDBACK_CONCURRENCY = 8;
/**
 * How long a batch may spend reporting feedback, of the function's 60 s: what is not reported by then
 * is dropped like a failed report (counted, logged), so a throttled or hung provider API never keeps
 * a batch's metrics and events from going out, nor times the function out into a stream retry.
 */
export const FEEDBACK_BUDGET_MS = 20_000;

export type ActivityHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

/**
 * The table's stream, turned into metrics and status-change events (functions/core/activity.ts says
 * which). For a batch of stream records, in order:
 *
 * 1. each `v#` record becomes its activity (other items — counters, idempotency keys — are skipped,
 *    and so is an item that cannot be read, with an error log: retrying cannot fix it);
 * 2. every status change of the batch is published at once (the publisher batches and retries);
 * 3. records up to the first one whose events could not all be published are counted, and that
 *    record is reported in `batchItemFailures` (ReportBatchItemFailures): Lambda retries the batch
 *    from it, so its metrics are counted once, when it goes through, and events are at least once
 *    (a retry may republish events of later records; consumers dedupe on verificationId + status);
 * 4. the counted records' converted messages (functions/core/feedback.ts) are reported to the provider,
 *    a few at a time. A report that fails is logged, counted (`FeedbackNotReported`) and dropped, never
 *    retried through the stream: a learning signal (AWS counts an unreported message FAILED after an
 *    hour) must not hold back the metrics and events of every later record, nor send the batch to the
 *    failure queue. The client's own retries ride out throttling; a retried record reports its message
 *    again, which PutMessageFeedback takes as the same status set twice.
 */
export function createActivityHandler(deps: ActivityHandlerDeps): ActivityHandler {
  const { metrics, events, log } = deps;
  const clock = deps.clock ?? Date.now;

  return async (event) => {
    const batch = event.Records.map((record) => ({ record, ...readRecord(record) }));
    const changes = batch.flatMap(({ activity }) => activity?.events ?? []);

    let unpublished = new Set<StatusChange>();
    if (changes.length > 0) {
      try {
        await events.publish(changes);
      } catch (error) {
        unpublished = new Set(error instanceof UnpublishedEventsError ? error.unpublished : changes);
        log.error('status changes not published; the stream will retry', {
          unpublished: unpublished.size,
          of: changes.length,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }

    const failedAt = batch.findIndex(({ activity }) => activity?.events.some((e) => unpublished.has(e)));
    const committed = failedAt === -1 ? batch : batch.slice(0, failedAt);
    const feedbackCounts = await reportConverted(committed.flatMap(({ converted }) => converted));
    try {
      for (const { activity } of committed) for (const count of activity?.counts ?? []) metrics.add(count);
      for (const count of feedbackCounts) metrics.add(count);
    } finally {
      metrics.publish();
    }

    if (failedAt === -1) return { batchItemFailures: [] };
    const sequenceNumber = batch[failedAt]?.record.dynamodb?.SequenceNumber;
    // Without a sequence number Lambda cannot resume at the record: fail the whole batch instead.
    if (sequenceNumber === undefined) throw new Error('status changes not published');
    return { batchItemFailures: [{ itemIdentifier: sequenceNumber }] };
  };

  function readRecord(record: DynamoDBRecord): { activity?: Activity; converted: Converted[] } {
    if (!isVerificationRecord(record)) return { converted: [] };
    try {
      const { before, after } = verificationsOf(record);
      const seconds = record.dynamodb?.ApproximateCreationDateTime;
      const activity = activityOf(before, after, seconds === undefined ? clock() : seconds * 1000);
      const converted = convertedMessages(before, after).map((messageId) => ({
        messageId,
        verificationId: after!.id,
        channel: after!.channel,
      }));
      return { activity, converted };
    } catch (error) {
      log.error('stream record skipped: not a readable verification item', {
        eventID: record.eventID,
        eventName: record.eventName,
        error: error instanceof Error ? error.message : String(error),
      });
      return { converted: [] };
    }
  }

  /** Reports each converted message, a few at a time; answers the counts to add. Never throws. */
  async function reportConverted(converted: readonly Converted[]): Promise<ActivityCount[]> {
    const { feedback } = deps;
    if (feedback === undefined || converted.length === 0) return [];
    const counts: ActivityCount[] = [];
    const deadline = clock() + FEEDBACK_BUDGET_MS;
    let next = 0;
    const worker = async () => {
      while (next < converted.length) {
        const message = converted[next++]!;
        const outcome: FeedbackOutcome | 'out_of_time' =
          clock() >= deadline
            ? 'out_of_time'
            : await feedback.received(message.messageId).catch((): FeedbackOutcome => 'failed');
        const { channel, verificationId, messageId } = message;
        counts.push({ metric: outcome === 'reported' ? 'FeedbackReported' : 'FeedbackNotReported', channel });
        if (outcome === 'reported') continue;
        // An unknown message is expected now and then (sent without feedback, or long ago); the others
        // mean feedback is not reaching AWS at all (permissions, throttling, an outage).
        const fields = { verificationId, channel, messageId, outcome };
        if (outcome === 'unknown_message') log.warn('feedback not reported: unknown message', fields);
        else log.error('feedback not reported; dropped', fields);
      }
    };
    await Promise.all(Array.from({ length: Math.min(FEEDBACK_CONCURRENCY, converted.length) }, worker));
    return counts;
  }
}
