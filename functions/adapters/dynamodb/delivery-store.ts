import { ConditionalCheckFailedException, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DeliveryStore } from '../../core/ports.ts';
import type { StoredDelivery } from '../../core/verification.ts';
import { verificationKey } from './items.ts';
import type { Table } from './table.ts';

/**
 * Delivery receipts: one conditional UpdateItem on `v#<destinationKey>` (the rule is explained in
 * functions/core/delivery.ts and docs/storage.md). The condition's `attribute_exists(pk)` means a
 * receipt for a destination with no verification writes nothing; ALL_OLD on failure tells "no
 * verification" from "stale" for the log, at no extra request.
 */
export class DynamoDeliveryStore implements DeliveryStore {
  constructor(private readonly table: Table) {}

  async recordDelivery(destinationKey: string, receipt: StoredDelivery) {
    try {
      await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
          Key: verificationKey(destinationKey),
          ConditionExpression:
            'attribute_exists(pk) AND #createdAt <= :sentAt AND ' +
            '(attribute_not_exists(#deliverySentAt) OR #deliverySentAt <= :sentAt)',
          UpdateExpression: 'SET #delivery = :outcome, #deliveryAt = :at, #deliverySentAt = :sentAt',
          ExpressionAttributeNames: {
            '#createdAt': 'createdAt',
            '#delivery': 'delivery',
            '#deliveryAt': 'deliveryAt',
            '#deliverySentAt': 'deliverySentAt',
          },
          ExpressionAttributeValues: {
            ':outcome': { S: receipt.outcome },
            ':at': { N: String(receipt.at) },
            ':sentAt': { N: String(receipt.sentAt) },
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'recorded' as const;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return error.Item === undefined ? ('no_verification' as const) : ('stale' as const);
    }
  }
}
