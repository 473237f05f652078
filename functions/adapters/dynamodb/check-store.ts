import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { CheckOutcome, CheckStore } from '../../ports.ts';
import { fromItem, type Item, LIVE_CONDITION, liveValues, NAMES } from './items.ts';
import { classifyFailure, keyOf, type Table } from './table.ts';

/**
 * The check's writes: a right code is one conditional UpdateItem that matches the MAC and approves
 * in the same request; a wrong one then uses an attempt, also conditionally.
 */
export class DynamoCheckStore implements CheckStore {
  constructor(private readonly table: Table) {}

  async approve(id: string, mac: string, now: number): Promise<CheckOutcome> {
    try {
      const { Attributes } = await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
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
      const { Attributes } = await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
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
}
