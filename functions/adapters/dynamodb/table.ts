import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { destinationKeyOf } from '../../core/ids.ts';
import { effectiveStatus, type VerificationRecord } from '../../core/verification.ts';
import {
  fromItemWithoutCascade,
  type Item,
  LIVE_CONDITION,
  liveValues,
  NAMES,
  verificationKey,
} from './items.ts';

/** The table every store part writes to, with its client (built once per cold start). */
export interface Table {
  client: DynamoDBClient;
  tableName: string;
}

export function keyOf(id: string): Item {
  const destinationKey = destinationKeyOf(id);
  if (destinationKey === undefined) throw new Error('malformed verification id');
  return verificationKey(destinationKey);
}

/**
 * Reads a failed conditional write: no item, or an item of another verification, is not found; a
 * closed verification is closed; a live one means the part of the condition beyond "live" failed.
 */
export function classifyFailure<T>(
  error: unknown,
  id: string,
  now: number,
  whenLive: (record: VerificationRecord) => T,
): T | { kind: 'not_found' } | { kind: 'closed'; record: VerificationRecord } {
  if (!(error instanceof ConditionalCheckFailedException)) throw error;
  const record = error.Item?.['id']?.S === id ? fromItemWithoutCascade(error.Item) : undefined;
  if (!record) return { kind: 'not_found' };
  return effectiveStatus(record, now) === 'pending' ? whenLive(record) : { kind: 'closed', record };
}

/**
 * One conditional UpdateItem on a live verification (this id, pending, unexpired, attempts left, plus
 * `extraCondition`), answering the updated record, or the failure as `classifyFailure` reads it.
 */
export async function updateLive<T>(
  table: Table,
  id: string,
  now: number,
  write: {
    update: string;
    extraCondition?: string;
    names?: Record<string, string>;
    values?: Item;
    /** Given the updated record, and the item as written (ALL_NEW). */
    whenDone: (record: VerificationRecord, item: Item) => T;
    whenLive: (record: VerificationRecord) => T;
  },
): Promise<T | { kind: 'not_found' } | { kind: 'closed'; record: VerificationRecord }> {
  try {
    const { Attributes } = await table.client.send(
      new UpdateItemCommand({
        TableName: table.tableName,
        Key: keyOf(id),
        ConditionExpression: write.extraCondition
          ? `${LIVE_CONDITION} AND ${write.extraCondition}`
          : LIVE_CONDITION,
        UpdateExpression: write.update,
        ExpressionAttributeNames: { ...NAMES, ...write.names },
        ExpressionAttributeValues: { ...liveValues(id, now), ...write.values },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return write.whenDone(fromItemWithoutCascade(Attributes as Item), Attributes as Item);
  } catch (error) {
    return classifyFailure(error, id, now, write.whenLive);
  }
}
