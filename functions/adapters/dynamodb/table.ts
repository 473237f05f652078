import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { destinationKeyOf } from '../../core/ids.ts';
import { effectiveStatus, type VerificationRecord } from '../../core/verification.ts';
import type { CancelOutcome, CheckOutcome } from '../../ports.ts';
import { fromItem, type Item, verificationKey } from './items.ts';

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
export function classifyFailure<T extends CheckOutcome | CancelOutcome>(
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
