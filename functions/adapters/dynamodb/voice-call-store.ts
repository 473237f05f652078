import { ConditionalCheckFailedException, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { SendRejection, VoiceCallClaim, VoiceCallStore } from '../../core/ports.ts';
import { effectiveStatus, type SendLimits } from '../../core/verification.ts';
import { CountedWriter, type RetryOptions } from './counted-write.ts';
import { fromItem, type Item, LIVE_CONDITION, liveValues, NAMES } from './items.ts';
import { SendCounters } from './send-counters.ts';
import { keyOf, type Table } from './table.ts';

/**
 * The voice-fallback call's claim and outcome. The call is a phone send like the SMS it follows, so
 * its claim is a counted write (counted-write.ts): the destination's hourly limit and the spend brake
 * count it in the same transaction, and a full one refuses the call.
 *
 * The claim reads the verification first (one consistent GetItem): most fallbacks find the code
 * already used, and a read costs less than a refused transaction; the transaction does not return
 * the item. The read only supplies what never changes under one id (sealed code and destination,
 * locale, expiry); every rule is in the transaction's conditions.
 */
export class DynamoVoiceCallStore implements VoiceCallStore {
  readonly #writer: CountedWriter;

  constructor(
    private readonly table: Table,
    options: RetryOptions = {},
  ) {
    this.#writer = new CountedWriter(table, options);
  }

  async claimVoiceCall(id: string, limits: SendLimits, now: number): Promise<VoiceCallClaim> {
    const { Item: item } = await this.table.client.send(
      new GetItemCommand({ TableName: this.table.tableName, Key: keyOf(id), ConsistentRead: true }),
    );
    const record = item?.['id']?.S === id ? fromItem(item) : undefined;
    const claimable =
      record !== undefined &&
      effectiveStatus(record, now) === 'pending' &&
      (record.voiceCall === undefined || record.voiceCall === 'failed');
    if (!claimable) return { kind: 'nothing_to_call' };

    const counters = new SendCounters(limits, record.destinationKey, now, this.#writer.random);
    const claim = {
      Update: {
        TableName: this.table.tableName,
        Key: keyOf(id),
        ConditionExpression: `${LIVE_CONDITION} AND (attribute_not_exists(#voiceCall) OR #voiceCall = :failed)`,
        // The call is a message to the destination: the next one waits out the cooldown after it.
        UpdateExpression: 'SET #voiceCall = :calling, #voiceCallAt = :now, #lastSentAt = :now',
        ExpressionAttributeNames: {
          ...NAMES,
          '#voiceCall': 'voiceCall',
          '#voiceCallAt': 'voiceCallAt',
          '#lastSentAt': 'lastSentAt',
        },
        ExpressionAttributeValues: {
          ...liveValues(id, now),
          ':failed': { S: 'failed' },
          ':calling': { S: 'calling' },
        },
      },
    };
    const result = await this.#writer.write(claim, counters, now);
    if (result.kind === 'rejected') return { kind: 'refused', rejection: result.rejection };
    if (result.kind === 'primary_failed') return { kind: 'nothing_to_call' };
    return {
      kind: 'claimed',
      record: { ...record, voiceCall: 'calling', voiceCallAt: now, lastSentAt: now },
    };
  }

  finishVoiceCall(id: string, outcome: 'called' | 'failed', now: number): Promise<void> {
    return this.#recordCall(id, {
      condition: '#voiceCall = :calling',
      update: 'SET #voiceCall = :outcome, #voiceCallAt = :now',
      values: { ':calling': { S: 'calling' }, ':outcome': { S: outcome }, ':now': { N: String(now) } },
    });
  }

  skipVoiceCall(id: string, reason: SendRejection['kind'], now: number): Promise<void> {
    return this.#recordCall(id, {
      // Still pending: a verification approved meanwhile had no call to skip.
      condition: '#status = :pending AND (attribute_not_exists(#voiceCall) OR #voiceCall = :failed)',
      update: 'SET #voiceCall = :skipped, #voiceCallAt = :now, #voiceCallSkipped = :reason',
      names: { '#voiceCallSkipped': 'voiceCallSkipped', '#status': 'status' },
      values: {
        ':pending': { S: 'pending' },
        ':failed': { S: 'failed' },
        ':skipped': { S: 'skipped' },
        ':reason': { S: reason },
        ':now': { N: String(now) },
      },
    });
  }

  /** One conditional UpdateItem on the call's fields of this verification; a failed condition writes nothing. */
  async #recordCall(
    id: string,
    write: { condition: string; update: string; names?: Record<string, string>; values: Item },
  ): Promise<void> {
    try {
      await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
          Key: keyOf(id),
          ConditionExpression: `#id = :id AND ${write.condition}`,
          UpdateExpression: write.update,
          ExpressionAttributeNames: {
            '#id': 'id',
            '#voiceCall': 'voiceCall',
            '#voiceCallAt': 'voiceCallAt',
            ...write.names,
          },
          ExpressionAttributeValues: { ':id': { S: id }, ...write.values },
        }),
      );
    } catch (error) {
      // Replaced by a newer verification meanwhile (or, for a skip, a call claimed): nothing to record.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
