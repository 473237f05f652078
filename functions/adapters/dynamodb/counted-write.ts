import {
  BatchGetItemCommand,
  type CancellationReason,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import type { SendRejection } from '../../core/ports.ts';
import type { Item } from './items.ts';
import type { SendCounters } from './send-counters.ts';
import type { Table } from './table.ts';

/**
 * How every message is counted: one TransactWriteItems holding the write that sends it (a new
 * verification, a resend, the fallback call's claim) and the conditional increment of each limit's
 * counter. A message is never recorded without being counted, and a refused one counts nothing.
 */
export interface RetryOptions {
  /** Attempts when a transaction loses a race to another one (TransactionConflict). */
  maxRounds?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * The longest a send waits for its conversion-feedback id's write (send-store.ts), in ms: past it the
   * id is given up rather than the answer delayed. @default FEEDBACK_WRITE_TIMEOUT_MS (200)
   */
  feedbackWriteTimeoutMs?: number;
}

export type CountedWrite =
  | { kind: 'written' }
  /** The first item's own condition failed; `item` is that item as it was (ALL_OLD), if it exists. */
  | { kind: 'primary_failed'; item: Item | undefined }
  | { kind: 'rejected'; rejection: SendRejection };

export class CountedWriter {
  readonly #maxRounds: number;
  readonly #random: () => number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly table: Table,
    options: RetryOptions = {},
  ) {
    this.#maxRounds = options.maxRounds ?? 30;
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  get random(): () => number {
    return this.#random;
  }

  /**
   * Writes `primary` with `counters`' increments. Retries a lost race with backoff, and a full
   * spend-brake shard on another shard, until written, refused by a limit, or refused by `primary`'s
   * condition (which its caller reads, e.g. to turn a create into a resend).
   */
  async write(primary: TransactWriteItem, counters: SendCounters, now: number): Promise<CountedWrite> {
    const upFront = counters.rejectionBeforeWriting(now);
    if (upFront) return { kind: 'rejected', rejection: upFront };
    for (let round = 0; round < this.#maxRounds; round++) {
      try {
        await this.table.client.send(
          new TransactWriteItemsCommand({
            TransactItems: [primary, ...counters.transactItems(this.table.tableName)],
          }),
        );
        return { kind: 'written' };
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (reasons.some((reason) => reason.Code === 'TransactionConflict')) {
          await this.#backoff(round);
          continue;
        }
        const [primaryReason, ...counterReasons] = reasons;
        if (primaryReason?.Code === 'ConditionalCheckFailed') {
          return { kind: 'primary_failed', item: primaryReason.Item };
        }
        const rejection =
          counters.recordFailures(counterReasons, now) ?? (await this.#readShards(counters, now));
        if (rejection) return { kind: 'rejected', rejection };
      }
    }
    throw new Error(`send not written after ${this.#maxRounds} rounds of contention`);
  }

  /**
   * After a spend-brake shard proved full, reads the others in one consistent BatchGetItem, so a send
   * refused by a full brake costs two requests rather than one transaction per shard. The read is a
   * hint: a shard seen full stays full for its window, and a shard seen open is still only taken by
   * the conditional write.
   */
  async #readShards(counters: SendCounters, now: number): Promise<SendRejection | undefined> {
    const wanted = counters.shardsToRead();
    if (wanted.length === 0) return undefined;
    const { Responses } = await this.table.client.send(
      new BatchGetItemCommand({
        RequestItems: {
          [this.table.tableName]: {
            Keys: wanted.map(({ key }) => ({ pk: { S: key } })),
            ConsistentRead: true,
            ProjectionExpression: 'pk, #n',
            ExpressionAttributeNames: { '#n': 'n' },
          },
        },
      }),
    );
    const counts = new Map(
      (Responses?.[this.table.tableName] ?? []).map((item) => [item['pk']?.S, Number(item['n']?.N ?? 0)]),
    );
    return counters.recordReadShards(
      wanted.map(({ kind, shard, key, share }) => ({ kind, shard, full: (counts.get(key) ?? 0) >= share })),
      now,
    );
  }

  /** Full-jitter exponential backoff between rounds that lost a transaction race. */
  #backoff(round: number): Promise<void> {
    const ceiling = Math.min(200, 5 * 2 ** round);
    return this.#sleep(this.#random() * ceiling);
  }
}

/** The reasons of a canceled transaction, in the order of its items; rethrows any other error. */
function cancellationReasons(error: unknown): CancellationReason[] {
  if (error instanceof TransactionCanceledException && error.CancellationReasons)
    return error.CancellationReasons;
  throw error;
}
