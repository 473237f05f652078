import {
  type CancellationReason,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { destinationKeyOf } from '../../core/ids.ts';
import { effectiveStatus, type VerificationRecord } from '../../core/verification.ts';
import type {
  CancelOutcome,
  CheckOutcome,
  NewVerification,
  StartOutcome,
  VerificationStore,
} from '../../ports.ts';
import { fromItem, type Item, LIVE_CONDITION, liveValues, NAMES, toItem, verificationKey } from './items.ts';
import { SendCounters } from './send-counters.ts';

/**
 * The verification store on one DynamoDB table (layout and access patterns: docs/storage.md).
 *
 * One item per destination holds its current verification, keyed by a keyed hash of the destination;
 * the verification id embeds that hash. So:
 * - a check is one UpdateItem that matches the MAC and approves in the same conditional write;
 * - a send is one TransactWriteItems: create the verification unless one is live, and increment every
 *   limit counter under its condition. When one is live, the cancellation reason returns it (ALL_OLD)
 *   and a second transaction records the resend.
 */
export interface StoreOptions {
  /** Attempts when a transaction loses a race to another one (TransactionConflict). */
  maxRounds?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class DynamoVerificationStore implements VerificationStore {
  readonly #maxRounds: number;
  readonly #random: () => number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
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
        await this.client.send(
          new TransactWriteItemsCommand({
            TransactItems: [primary, ...counters.transactItems(this.tableName)],
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
        const rejection = counters.recordFailures(counterReasons, now);
        if (rejection) return { kind: 'rejected', rejection };
      }
    }
    throw new Error(`send not written after ${this.#maxRounds} rounds of contention`);
  }

  async approve(id: string, mac: string, now: number): Promise<CheckOutcome> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(id),
          ConditionExpression: `${LIVE_CONDITION} AND #codeMac = :mac`,
          UpdateExpression: 'SET #status = :approved, #approvedAt = :now',
          ExpressionAttributeNames: { ...NAMES, '#codeMac': 'codeMac', '#approvedAt': 'approvedAt' },
          ExpressionAttributeValues: {
            ...liveValues(id, now),
            ':mac': { S: mac },
            ':approved': { S: 'approved' },
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'approved', record: fromItem(Attributes as Item) };
    } catch (error) {
      // The MAC is the only part of the condition left when the verification is live.
      return classifyFailure(error, id, now, (record) => ({ kind: 'wrong_code', record }));
    }
  }

  async recordWrongCode(id: string, now: number): Promise<CheckOutcome> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(id),
          ConditionExpression: LIVE_CONDITION,
          UpdateExpression: 'SET #attempts = #attempts + :one',
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: { ...liveValues(id, now), ':one': { N: '1' } },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'wrong_code', record: fromItem(Attributes as Item) };
    } catch (error) {
      return classifyFailure(error, id, now, (record) => ({ kind: 'closed', record }));
    }
  }

  async get(id: string): Promise<VerificationRecord | undefined> {
    const { Item: item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: keyOf(id), ConsistentRead: true }),
    );
    return item?.['id']?.S === id ? fromItem(item) : undefined;
  }

  async findPending(destinationKey: string, now: number): Promise<VerificationRecord | undefined> {
    const { Item: item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: verificationKey(destinationKey),
        ConsistentRead: true,
      }),
    );
    const record = item && fromItem(item);
    return record && effectiveStatus(record, now) === 'pending' ? record : undefined;
  }

  async cancel(id: string, now: number): Promise<CancelOutcome> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(id),
          ConditionExpression: LIVE_CONDITION,
          UpdateExpression: 'SET #status = :canceled',
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: { ...liveValues(id, now), ':canceled': { S: 'canceled' } },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'canceled', record: fromItem(Attributes as Item) };
    } catch (error) {
      return classifyFailure(error, id, now, (record) => ({ kind: 'closed', record }));
    }
  }

  async markDeliveryFailed(id: string, _now: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
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

  async claimVoiceCall(id: string, now: number): Promise<VerificationRecord | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(id),
          ConditionExpression: `${LIVE_CONDITION} AND (attribute_not_exists(#voiceCall) OR #voiceCall = :failed)`,
          UpdateExpression: 'SET #voiceCall = :calling, #voiceCallAt = :now',
          ExpressionAttributeNames: { ...NAMES, '#voiceCall': 'voiceCall', '#voiceCallAt': 'voiceCallAt' },
          ExpressionAttributeValues: {
            ...liveValues(id, now),
            ':failed': { S: 'failed' },
            ':calling': { S: 'calling' },
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fromItem(Attributes as Item);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async finishVoiceCall(id: string, outcome: 'called' | 'failed', now: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(id),
          ConditionExpression: '#id = :id AND #voiceCall = :calling',
          UpdateExpression: 'SET #voiceCall = :outcome, #voiceCallAt = :now',
          ExpressionAttributeNames: { '#id': 'id', '#voiceCall': 'voiceCall', '#voiceCallAt': 'voiceCallAt' },
          ExpressionAttributeValues: {
            ':id': { S: id },
            ':calling': { S: 'calling' },
            ':outcome': { S: outcome },
            ':now': { N: String(now) },
          },
        }),
      );
    } catch (error) {
      // Replaced by a newer verification meanwhile: nothing to record.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  #createItem(record: VerificationRecord, now: number): TransactWriteItem {
    return {
      Put: {
        TableName: this.tableName,
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
        TableName: this.tableName,
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

function keyOf(id: string): Item {
  const destinationKey = destinationKeyOf(id);
  if (destinationKey === undefined) throw new Error('malformed verification id');
  return verificationKey(destinationKey);
}

/** The reasons of a canceled transaction, in the order of its items; rethrows any other error. */
function cancellationReasons(error: unknown): CancellationReason[] {
  if (error instanceof TransactionCanceledException && error.CancellationReasons)
    return error.CancellationReasons;
  throw error;
}

/**
 * Reads a failed conditional write: no item, or an item of another verification, is not found; a
 * closed verification is closed; a live one means the part of the condition beyond "live" failed.
 */
function classifyFailure<T extends CheckOutcome | CancelOutcome>(
  error: unknown,
  id: string,
  now: number,
  whenLive: (record: VerificationRecord) => T,
): T | { kind: 'not_found' } | { kind: 'closed'; record: VerificationRecord } {
  if (!(error instanceof ConditionalCheckFailedException)) throw error;
  const record = error.Item?.['id']?.S === id ? fromItem(error.Item) : undefined;
  if (!record) return { kind: 'not_found' };
  return effectiveStatus(record, now) === 'pending' ? whenLive(record) : { kind: 'closed', record };
}
