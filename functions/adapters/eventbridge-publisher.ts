import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { type EventPublisher, UnpublishedEventsError } from '../activity/ports.ts';
import type { StatusChange } from '../core/activity.ts';

/** PutEvents takes at most 10 entries per call. */
export const PUT_EVENTS_BATCH = 10;

export interface EventBridgePublisherOptions {
  /** The bus's name or ARN. @default the account's default bus */
  eventBusName?: string;
  /** Rounds of PutEvents for entries that failed (throttled, internal failure). @default 4 */
  maxRounds?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The `source` of every onetime event. */
export const EVENT_SOURCE = 'onetime';

/** `{source: 'onetime', 'detail-type': 'Verification approved', detail: StatusChange}`. */
export function eventEntry(change: StatusChange, eventBusName?: string): PutEventsRequestEntry {
  return {
    Source: EVENT_SOURCE,
    DetailType: `Verification ${change.status}`,
    Detail: JSON.stringify(change),
    Time: new Date(change.at),
    ...(eventBusName === undefined ? {} : { EventBusName: eventBusName }),
  };
}

/**
 * Status changes to EventBridge, in PutEvents batches of 10. PutEvents answers 200 even when some
 * entries failed (`FailedEntryCount`); those entries, and whole batches whose call failed, are sent
 * again with full-jitter backoff, and what still fails after `maxRounds` is thrown as an
 * `UnpublishedEventsError` naming exactly those changes (the stream then retries their records).
 */
export class EventBridgePublisher implements EventPublisher {
  readonly #eventBusName: string | undefined;
  readonly #maxRounds: number;
  readonly #random: () => number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: EventBridgeClient,
    options: EventBridgePublisherOptions = {},
  ) {
    this.#eventBusName = options.eventBusName;
    this.#maxRounds = options.maxRounds ?? 4;
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async publish(changes: readonly StatusChange[]): Promise<void> {
    let pending = [...changes];
    let reasons: string[] = [];
    for (let round = 0; pending.length > 0 && round < this.#maxRounds; round++) {
      if (round > 0) await this.#sleep(this.#random() * Math.min(1_000, 50 * 2 ** round));
      const failed: StatusChange[] = [];
      reasons = [];
      for (let start = 0; start < pending.length; start += PUT_EVENTS_BATCH) {
        const batch = pending.slice(start, start + PUT_EVENTS_BATCH);
        try {
          const output = await this.client.send(
            new PutEventsCommand({ Entries: batch.map((change) => eventEntry(change, this.#eventBusName)) }),
          );
          if (!output.FailedEntryCount) continue;
          batch.forEach((change, i) => {
            const result = output.Entries?.[i];
            // An answer without a result for the entry says nothing about it: treat it as failed.
            if (result?.EventId === undefined || result.ErrorCode !== undefined) {
              failed.push(change);
              reasons.push(result?.ErrorCode ?? 'NoResult');
            }
          });
        } catch (error) {
          failed.push(...batch);
          reasons.push(error instanceof Error ? error.name : 'Error');
        }
      }
      pending = failed;
    }
    if (pending.length > 0) throw new UnpublishedEventsError(pending, reasons);
  }
}
