import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { type Activity, activityOf, type StatusChange } from '../core/activity.ts';
import type { Clock, Log } from '../core/ports.ts';
import { type ActivityMetrics, type EventPublisher, UnpublishedEventsError } from './ports.ts';
import { isVerificationRecord, verificationsOf } from './stream-images.ts';

export interface ActivityHandlerDeps {
  metrics: ActivityMetrics;
  events: EventPublisher;
  log: Log;
  /** For records without `ApproximateCreationDateTime`. @default Date.now */
  clock?: Clock;
}

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
 *    (a retry may republish events of later records; consumers dedupe on verificationId + status).
 */
export function createActivityHandler(deps: ActivityHandlerDeps): ActivityHandler {
  const { metrics, events, log } = deps;
  const clock = deps.clock ?? Date.now;

  return async (event) => {
    const batch = event.Records.map((record) => ({ record, activity: readActivity(record) }));
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
    try {
      for (const { activity } of committed) for (const count of activity?.counts ?? []) metrics.add(count);
    } finally {
      metrics.publish();
    }

    if (failedAt === -1) return { batchItemFailures: [] };
    const sequenceNumber = batch[failedAt]?.record.dynamodb?.SequenceNumber;
    // Without a sequence number Lambda cannot resume at the record: fail the whole batch instead.
    if (sequenceNumber === undefined) throw new Error('status changes not published');
    return { batchItemFailures: [{ itemIdentifier: sequenceNumber }] };
  };

  function readActivity(record: DynamoDBRecord): Activity | undefined {
    if (!isVerificationRecord(record)) return undefined;
    try {
      const { before, after } = verificationsOf(record);
      const seconds = record.dynamodb?.ApproximateCreationDateTime;
      return activityOf(before, after, seconds === undefined ? clock() : seconds * 1000);
    } catch (error) {
      log.error('stream record skipped: not a readable verification item', {
        eventID: record.eventID,
        eventName: record.eventName,
        error: error instanceof Error ? error.message : String(error),
      });
      return undefined;
    }
  }
}
