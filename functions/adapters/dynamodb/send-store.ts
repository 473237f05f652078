import {
  BatchGetItemCommand,
  type CancellationReason,
  ConditionalCheckFailedException,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { effectiveStatus, type VerificationRecord } from '../../core/verification.ts';
import type { NewVerification, SendRejection, SendStore, StartOutcome } from '../../ports.ts';
import { fromItem, LIVE_CONDITION, liveValues, NAMES, toItem, verificationKey } from './items.ts';
import { SendCounters } from './send-counters.ts';
import { keyOf, type Table } from './table.ts';

/**
 * A send is one TransactWriteItems: create the verification unless one to the destination is live,
 * and increment every limit counter under its condition. When one is live, the cancellation reason
 * returns it (ALL_OLD) and a second transaction records the resend.
 */
export interface StoreOptions {
  /** Attempts when a transaction loses a race to another one (TransactionConflict). */
  maxRounds?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class DynamoSendStore implements SendStore {
  readonly #maxRounds: number;
  readonly #random: () => number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly table: Table,
    options: StoreOptions = {},
  ) {
    this.#maxRounds = options.maxRounds ?? 30;
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async startOrResend({ record, limits }: NewVerification, now: number): Promise<StartOutcome> {
    const counters = new SendCounters(limits, record.destinationKey, now, this.#random);
    const refusedUpFront = counters.rejectionBeforeWriting(now);
    if (refusedUpFront) return { kind: 'rejected', rejection: refusedUpFront };
    const cooldownMs = limits.resendCooldownSeconds * 1000;

    // Set once a write tells us a verification to this destination is live: we then resend it.
    let live: VerificationRecord | undefined;
    for (let round = 0; round < this.#maxRounds; round++) {
      if (live && now < live.lastSentAt + cooldownMs) {
        const retryAfterSeconds = (live.lastSentAt + cooldownMs - now) / 1000;
        return { kind: 'rejected', rejection: { kind: 'cooldown', retryAfterSeconds } };
      }
      const primary = live
        ? this.#resendItem(live, record.channel, now, cooldownMs)
        : this.#createItem(record, now);
      try {
        await this.table.client.send(
          new TransactWriteItemsCommand({
            TransactItems: [primary, ...counters.transactItems(this.table.tableName)],
          }),
        );
        if (!live) return { kind: 'created', record };
        return {
          kind: 'resent',
          record: { ...live, channel: record.channel, lastSentAt: now, sends: live.sends + 1 },
        };
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (reasons.some((reason) => reason.Code === 'TransactionConflict')) {
          await this.#backoff(round);
          continue;
        }
        const [primaryReason, ...counterReasons] = reasons;
        if (primaryReason?.Code === 'ConditionalCheckFailed') {
          const current = primaryReason.Item && fromItem(primaryReason.Item);
          live = current && effectiveStatus(current, now) === 'pending' ? current : undefined;
          continue;
        }
        const rejection =
          counters.recordFailures(counterReasons, now) ?? (await this.#readShards(counters, now));
        if (rejection) return { kind: 'rejected', rejection };
      }
    }
    throw new Error(`send not written after ${this.#maxRounds} rounds of contention`);
  }
  async markDeliveryFailed(id: string, _now: number): Promise<void> {
    try {
      await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
          Key: keyOf(id),
          ConditionExpression: '#id = :id AND #status = :pending',
          UpdateExpression: 'SET #status = :failed',
          ExpressionAttributeNames: { '#id': 'id', '#status': 'status' },
          ExpressionAttributeValues: {
            ':id': { S: id },
            ':pending': { S: 'pending' },
            ':failed': { S: 'delivery_failed' },
          },
        }),
      );
    } catch (error) {
      // Already closed (approved, canceled) or replaced: nothing left to mark.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
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

  #createItem(record: VerificationRecord, now: number): TransactWriteItem {
    return {
      Put: {
        TableName: this.table.tableName,
        Item: toItem(record),
        // Replace a closed or expired verification; never a live one.
        ConditionExpression:
          'attribute_not_exists(pk) OR #status <> :pending OR #expiresAt <= :now OR #attempts >= #maxAttempts',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#expiresAt': 'expiresAt',
          '#attempts': 'attempts',
          '#maxAttempts': 'maxAttempts',
        },
        ExpressionAttributeValues: { ':pending': { S: 'pending' }, ':now': { N: String(now) } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }
  #resendItem(live: VerificationRecord, channel: string, now: number, cooldownMs: number): TransactWriteItem {
    return {
      Update: {
        TableName: this.table.tableName,
        Key: verificationKey(live.destinationKey),
        ConditionExpression: `${LIVE_CONDITION} AND #lastSentAt <= :cooldownEdge`,
        UpdateExpression: 'SET #lastSentAt = :now, #channel = :channel, #sends = #sends + :one',
        ExpressionAttributeNames: {
          ...NAMES,
          '#lastSentAt': 'lastSentAt',
          '#channel': 'channel',
          '#sends': 'sends',
        },
        ExpressionAttributeValues: {
          ...liveValues(live.id, now),
          ':cooldownEdge': { N: String(now - cooldownMs) },
          ':channel': { S: channel },
          ':one': { N: '1' },
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
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
