import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { ReadStore } from '../../core/ports.ts';
import { effectiveStatus, type VerificationRecord } from '../../core/verification.ts';
import { fromItem, verificationKey } from './items.ts';
import { keyOf, type Table } from './table.ts';

/** Reading a verification: by id, or the pending one of a destination. Reads only. */
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
}
