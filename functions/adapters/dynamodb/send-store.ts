import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type TransactWriteItem,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { NewVerification, SendStore, StartOutcome } from '../../core/ports.ts';
import { canonicalTransaction } from '../../core/transaction.ts';
import { effectiveStatus, type VerificationRecord } from '../../core/verification.ts';
import { CountedWriter, type RetryOptions } from './counted-write.ts';
import { fromItem, LIVE_CONDITION, liveValues, NAMES, toItem, verificationKey } from './items.ts';
import { SendCounters } from './send-counters.ts';
import { keyOf, type Table } from './table.ts';

/**
 * A send is one counted write (counted-write.ts): create the verification unless one to the
 * destination is live or was sent to within the cooldown, and increment every limit counter under
 * its condition. When one is live, the cancellation reason returns it (ALL_OLD) and a second
 * transaction records the resend.
 */
const MAX_STATE_CHANGES = 10;

/**
 * The longest a send waits for its feedback id's write (functions/core/feedback.ts): a few
 * milliseconds as a rule; past this the id is given up rather than the answer delayed.
 */
export const FEEDBACK_WRITE_TIMEOUT_MS = 200;

/**
 * Seconds until the destination's cooldown ends, or 0. The cooldown belongs to the destination, not
 * to one verification: canceling, burning the attempts or letting a code expire does not restart it.
 * An approved verification lifts it (whoever approved holds the destination), and so does one whose
 * only message the channel refused (nothing reached the destination). A refused *resend* does not: its
 * first message did arrive, and lifting the cooldown then would let anyone who can ask for a resend on
 * a refused channel send codes back to back.
 */
function cooldownLeft(current: VerificationRecord, now: number, cooldownMs: number): number {
  if (current.status === 'approved') return 0;
  if (current.status === 'delivery_failed' && current.sends === 1) return 0;
  return Math.max(0, (current.lastSentAt + cooldownMs - now) / 1000);
}

/**
 * Whether a start resends the live verification `current` rather than replacing it: a start that
 * names no payment resends (and the message shows the stored one); one that names a payment resends
 * only a verification for the same payment, since a code approves only the payment it was sent for.
 */
function resendsFor(current: VerificationRecord, request: VerificationRecord): boolean {
  if (request.transaction === undefined) return true;
  return (
    current.transaction !== undefined &&
    canonicalTransaction(current.transaction) === canonicalTransaction(request.transaction)
  );
}

export class DynamoSendStore implements SendStore {
  readonly #writer: CountedWriter;
  readonly #feedbackWriteTimeoutMs: number;

  constructor(
    private readonly table: Table,
    options: RetryOptions = {},
  ) {
    this.#writer = new CountedWriter(table, options);
    this.#feedbackWriteTimeoutMs = options.feedbackWriteTimeoutMs ?? FEEDBACK_WRITE_TIMEOUT_MS;
  }

  async startOrResend({ record, limits }: NewVerification, now: number): Promise<StartOutcome> {
    const counters = new SendCounters(limits, record.destinationKey, now, this.#writer.random);
    const cooldownMs = limits.resendCooldownSeconds * 1000;

    // Set once a write tells us a verification to this destination is live: we then resend it.
    let live: VerificationRecord | undefined;
    // Each round either writes, is refused, or learns the item's newer state: a few always suffice.
    for (let round = 0; round < MAX_STATE_CHANGES; round++) {
      const primary = live
        ? this.#resendItem(live, record.channel, now, cooldownMs)
        : this.#createItem(record, now, cooldownMs);
      const result = await this.#writer.write(primary, counters, now);
      if (result.kind === 'rejected') return result;
      if (result.kind === 'written') {
        if (!live) return { kind: 'created', record };
        return {
          kind: 'resent',
          record: { ...live, channel: record.channel, lastSentAt: now, sends: live.sends + 1 },
        };
      }
      const current = result.item && fromItem(result.item);
      const retryAfterSeconds = current && cooldownLeft(current, now, cooldownMs);
      if (retryAfterSeconds) return { kind: 'rejected', rejection: { kind: 'cooldown', retryAfterSeconds } };
      // Live (for this payment, or any when the request names none): resend it. Otherwise the item
      // changed under us (closed, replaced): create again.
      live =
        current && effectiveStatus(current, now) === 'pending' && resendsFor(current, record)
          ? current
          : undefined;
    }
    throw new Error(`send not written: the verification changed state ${MAX_STATE_CHANGES} times meanwhile`);
  }
  async markDeliveryFailed(id: string, now: number): Promise<void> {
    await this.updateWhilePending(id, 'SET #status = :failed, #closedAt = :now', {
      names: { '#closedAt': 'closedAt' },
      values: { ':failed': { S: 'delivery_failed' }, ':now': { N: String(now) } },
    });
  }
  async recordFailedFirstSend(id: string, now: number): Promise<void> {
    // Recorded like a failed receipt of the first message: GET shows `delivery: failed`.
    await this.updateWhilePending(
      id,
      'SET #delivery = :failed, #deliveryAt = :now, #deliverySentAt = #createdAt',
      {
        names: {
          '#delivery': 'delivery',
          '#deliveryAt': 'deliveryAt',
          '#deliverySentAt': 'deliverySentAt',
          '#createdAt': 'createdAt',
        },
        values: { ':failed': { S: 'failed' }, ':now': { N: String(now) } },
      },
    );
  }
  /** One update of verification `id` while it is pending; already closed or replaced: nothing to do. */
  private async updateWhilePending(
    id: string,
    update: string,
    expression: { names: Record<string, string>; values: Record<string, AttributeValue> },
  ): Promise<void> {
    try {
      await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
          Key: keyOf(id),
          ConditionExpression: '#id = :id AND #status = :pending',
          UpdateExpression: update,
          ExpressionAttributeNames: { '#id': 'id', '#status': 'status', ...expression.names },
          ExpressionAttributeValues: { ':id': { S: id }, ':pending': { S: 'pending' }, ...expression.values },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async recordFeedbackMessage(id: string, sentAt: number, messageId: string): Promise<void> {
    // Best effort beside a code already sent: never hold the answer longer than the bound, retries and
    // their backoff included (the abort also ends the request itself).
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const write = this.table.client.send(
      new UpdateItemCommand({
        TableName: this.table.tableName,
        Key: keyOf(id),
        // This verification, and no message since this one (a resend or a step moves lastSentAt).
        ConditionExpression: '#id = :id AND #lastSentAt = :sentAt',
        UpdateExpression: 'SET #feedbackMessageId = :messageId',
        ExpressionAttributeNames: {
          '#id': 'id',
          '#lastSentAt': 'lastSentAt',
          '#feedbackMessageId': 'feedbackMessageId',
        },
        ExpressionAttributeValues: {
          ':id': { S: id },
          ':sentAt': { N: String(sentAt) },
          ':messageId': { S: messageId },
        },
      }),
      { abortSignal: abort.signal },
    );
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(Object.assign(new Error('feedback id write timed out'), { name: 'TimeoutError' }));
      }, this.#feedbackWriteTimeoutMs);
    });
    write.catch(() => {}); // settled after the bound: nobody waits for it any more
    try {
      await Promise.race([write, timeout]);
    } catch (error) {
      // Replaced, or a later message went out meanwhile: that one's id (or none) is what counts.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  #createItem(record: VerificationRecord, now: number, cooldownMs: number): TransactWriteItem {
    const item = toItem(record);
    // A live verification is replaced only by one for another payment (its code approves only its own).
    const otherPayment = item['transaction'] && {
      clause: ' OR attribute_not_exists(#transaction) OR #transaction <> :transaction',
      names: { '#transaction': 'transaction' },
      values: { ':transaction': item['transaction'] },
    };
    return {
      Put: {
        TableName: this.table.tableName,
        Item: item,
        // Replace a verification that is closed or expired (or live for another payment), and past the
        // destination's cooldown (see cooldownLeft); never a live one for the same payment.
        ConditionExpression: `attribute_not_exists(pk) OR (
          (#status <> :pending OR #expiresAt <= :now OR #attempts >= #maxAttempts${otherPayment?.clause ?? ''})
          AND (#lastSentAt <= :cooldownEdge OR #status = :approved OR (#status = :failed AND #sends = :one)))`,
        ExpressionAttributeNames: {
          '#status': 'status',
          '#expiresAt': 'expiresAt',
          '#attempts': 'attempts',
          '#maxAttempts': 'maxAttempts',
          '#lastSentAt': 'lastSentAt',
          '#sends': 'sends',
          ...otherPayment?.names,
        },
        ExpressionAttributeValues: {
          ':pending': { S: 'pending' },
          ':approved': { S: 'approved' },
          ':failed': { S: 'delivery_failed' },
          ':one': { N: '1' },
          ':now': { N: String(now) },
          ':cooldownEdge': { N: String(now - cooldownMs) },
          ...otherPayment?.values,
        },
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
        // A new latest message: the earlier one's feedback id goes (this one's follows if it asks).
        UpdateExpression:
          'SET #lastSentAt = :now, #channel = :channel, #sends = #sends + :one REMOVE #feedbackMessageId',
        ExpressionAttributeNames: {
          ...NAMES,
          '#lastSentAt': 'lastSentAt',
          '#channel': 'channel',
          '#sends': 'sends',
          '#feedbackMessageId': 'feedbackMessageId',
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
}
