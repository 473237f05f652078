import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { effectiveStatus, type VerificationRecord } from '../../core/verification.ts';
import type { CancelOutcome, ReadStore } from '../../ports.ts';
import { fromItem, type Item, LIVE_CONDITION, liveValues, NAMES, verificationKey } from './items.ts';
import { classifyFailure, keyOf, type Table } from './table.ts';

/** Reading a verification (by id, or the pending one of a destination) and cancelling it. */
export class DynamoReadStore implements ReadStore {
  constructor(private readonly table: Table) {}

  async get(id: string): Promise<VerificationRecord | undefined> {
    const { Item: item } = await this.table.client.send(
      new GetItemCommand({ TableName: this.table.tableName, Key: keyOf(id), ConsistentRead: true }),
    );
    return item?.['id']?.S === id ? fromItem(item) : undefined;
  }
  async findPending(destinationKey: string, now: number): Promise<VerificationRecord | undefined> {
    const { Item: item } = await this.table.client.send(
      new GetItemCommand({
        TableName: this.table.tableName,
        Key: verificationKey(destinationKey),
        ConsistentRead: true,
      }),
    );
    const record = item && fromItem(item);
    return record && effectiveStatus(record, now) === 'pending' ? record : undefined;
  }
  async cancel(id: string, now: number): Promise<CancelOutcome> {
    try {
      const { Attributes } = await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
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
}
