import { ConditionalCheckFailedException, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { VerificationRecord } from '../../core/verification.ts';
import type { VoiceCallStore } from '../../ports.ts';
import { fromItem, type Item, LIVE_CONDITION, liveValues, NAMES } from './items.ts';
import { keyOf, type Table } from './table.ts';

/** The voice-fallback call's claim and outcome, each a conditional write. */
export class DynamoVoiceCallStore implements VoiceCallStore {
  constructor(private readonly table: Table) {}

  async claimVoiceCall(id: string, now: number): Promise<VerificationRecord | undefined> {
    try {
      const { Attributes } = await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
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
      await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
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
}
