import { ConditionalCheckFailedException, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { RateLimitReason } from '../../core/errors.ts';
import type { CascadeStore, StepClaim } from '../../core/ports.ts';
import type { SendLimits, VerificationRecord } from '../../core/verification.ts';
import { CountedWriter, type RetryOptions } from './counted-write.ts';
import { type Item, LIVE_CONDITION, liveValues, NAMES } from './items.ts';
import { DynamoReadStore } from './read-store.ts';
import { SendCounters } from './send-counters.ts';
import { keyOf, type Table } from './table.ts';

/**
 * The cascade's steps on the verification item. A step is a message like any send, so its claim is a
 * counted write (counted-write.ts): its destination's hourly limit and, for phone channels, the spend
 * brake count it in the same transaction, and a full one refuses it. Each write addresses one step of
 * the item's `cascade` list by index (`cascade[1].state`) under a condition on that step's state.
 */
export class DynamoCascadeStore implements CascadeStore {
  readonly #writer: CountedWriter;
  readonly #read: DynamoReadStore;

  constructor(
    private readonly table: Table,
    options: RetryOptions = {},
  ) {
    this.#writer = new CountedWriter(table, options);
    this.#read = new DynamoReadStore(table);
  }

  get(id: string): Promise<VerificationRecord | undefined> {
    return this.#read.get(id);
  }

  async claimStep(
    record: VerificationRecord,
    index: number,
    limits: SendLimits,
    now: number,
  ): Promise<StepClaim> {
    const step = record.cascade?.[index];
    if (step === undefined) return { kind: 'taken' };
    const destinationKey = step.destination?.key ?? record.destinationKey;
    const counters = new SendCounters(limits, destinationKey, now, this.#writer.random);
    const claim = {
      Update: {
        TableName: this.table.tableName,
        Key: keyOf(record.id),
        ConditionExpression: `${LIVE_CONDITION} AND ${stepPath(index, 'state')} = :waiting`,
        // The step is a message to the verification: a requested resend waits out the cooldown after it.
        // The step is the latest message now: the earlier one's feedback id goes (feedback.ts).
        UpdateExpression: `SET ${stepPath(index, 'state')} = :sending, ${stepPath(index, 'at')} = :now, #lastSentAt = :now REMOVE #feedbackMessageId`,
        ExpressionAttributeNames: {
          ...NAMES,
          ...STEP_NAMES,
          ...AT,
          '#lastSentAt': 'lastSentAt',
          '#feedbackMessageId': 'feedbackMessageId',
        },
        ExpressionAttributeValues: {
          ...liveValues(record.id, now),
          ':waiting': { S: 'waiting' },
          ':sending': { S: 'sending' },
        },
      },
    };
    const result = await this.#writer.write(claim, counters, now);
    if (result.kind === 'rejected') return { kind: 'refused', rejection: result.rejection };
    if (result.kind === 'primary_failed') return { kind: 'taken' };
    return { kind: 'claimed' };
  }

  async finishStep(
    id: string,
    index: number,
    outcome: 'sent' | 'failed',
    now: number,
    feedbackMessageId?: string,
  ): Promise<void> {
    // A sent step keeps its claim's time (when it left: the next step counts from it); a failed one
    // takes the failure's (the next step is due at once from then).
    const failed = outcome === 'failed';
    const finish = {
      condition: `${stepPath(index, 'state')} = :sending`,
      update: `SET ${stepPath(index, 'state')} = :outcome${failed ? `, ${stepPath(index, 'at')} = :now` : ''}`,
      names: failed ? AT : {},
      values: {
        ':sending': { S: 'sending' },
        ':outcome': { S: outcome },
        ...(failed ? { ':now': { N: String(now) } } : {}),
      },
    };
    if (failed || feedbackMessageId === undefined) {
      await this.#recordStep(id, finish);
      return;
    }
    // A sent step's feedback id, in the write the step makes anyway (functions/core/feedback.ts), but
    // only while the step is still the latest message: its claim set `lastSentAt` to its `at`, and a
    // resend since moved it on (and records its own id). Else the step is finished without its id.
    const withFeedback = await this.#recordStep(id, {
      condition: `${finish.condition} AND #lastSentAt = ${stepPath(index, 'at')}`,
      update: `${finish.update}, #feedbackMessageId = :messageId`,
      names: { ...AT, '#lastSentAt': 'lastSentAt', '#feedbackMessageId': 'feedbackMessageId' },
      values: { ...finish.values, ':messageId': { S: feedbackMessageId } },
    });
    if (!withFeedback) await this.#recordStep(id, finish);
  }

  async skipStep(id: string, index: number, reason: RateLimitReason, now: number): Promise<void> {
    await this.#recordStep(id, {
      // Still pending: a verification approved meanwhile had no step to skip.
      condition: `#status = :pending AND ${stepPath(index, 'state')} = :waiting`,
      update: `SET ${stepPath(index, 'state')} = :skipped, ${stepPath(index, 'at')} = :now, ${stepPath(index, 'reason')} = :reason`,
      names: { '#status': 'status', '#reason': 'reason', ...AT },
      values: {
        ':pending': { S: 'pending' },
        ':waiting': { S: 'waiting' },
        ':skipped': { S: 'skipped' },
        ':reason': { S: reason },
        ':now': { N: String(now) },
      },
    });
  }

  /**
   * One conditional UpdateItem on one step of this verification; a failed condition writes nothing.
   * Whether it wrote.
   */
  async #recordStep(
    id: string,
    write: { condition: string; update: string; names?: Record<string, string>; values: Item },
  ): Promise<boolean> {
    try {
      await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
          Key: keyOf(id),
          ConditionExpression: `#id = :id AND ${write.condition}`,
          UpdateExpression: write.update,
          ExpressionAttributeNames: {
            '#id': 'id',
            ...STEP_NAMES,
            ...write.names,
          },
          ExpressionAttributeValues: { ':id': { S: id }, ...write.values },
        }),
      );
      return true;
    } catch (error) {
      // Replaced by a newer verification meanwhile, or the step moved on: nothing to record.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return false;
    }
  }
}

/** The names every step write uses (DynamoDB refuses names an expression does not use). */
const STEP_NAMES = { '#cascade': 'cascade', '#state': 'state' };
const AT = { '#at': 'at' };
const stepPath = (index: number, field: 'state' | 'at' | 'reason') => `#cascade[${index}].#${field}`;
