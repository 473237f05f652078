import { createHash } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { IdempotencyStore } from '../../core/ports.ts';

/**
 * `Idempotency-Key` records on the verification table: `i#<sha256(key)>`. A request claims its key
 * with a conditional put; the finished response is stored under the same key for the key's lifetime.
 * A claim held by a request that died is taken over once its lock lapses.
 */
const LOCK_MS = 30_000;

export class DynamoIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async claim(key: string, fingerprint: string, now: number, ttlSeconds: number) {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: keyOf(key) },
            state: { S: 'in_progress' },
            fingerprint: { S: fingerprint },
            lockUntil: { N: String(now + LOCK_MS) },
            expiresAt: { N: String(now + ttlSeconds * 1000) },
            ttl: { N: String(Math.ceil(now / 1000) + ttlSeconds) },
          },
          ConditionExpression:
            'attribute_not_exists(pk) OR expiresAt <= :now OR (#state = :inProgress AND lockUntil <= :now)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':now': { N: String(now) }, ':inProgress': { S: 'in_progress' } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'claimed' as const };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const item = error.Item ?? {};
      if (item['fingerprint']?.S !== fingerprint) return { kind: 'mismatch' as const };
      if (item['state']?.S !== 'completed') return { kind: 'in_progress' as const };
      return {
        kind: 'completed' as const,
        statusCode: Number(item['statusCode']?.N),
        body: item['body']?.S ?? '',
      };
    }
  }

  async complete(key: string, statusCode: number, body: string, now: number, ttlSeconds: number) {
    // An update, not a put: the claim's fingerprint stays, so the key still refuses another body.
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: keyOf(key) } },
        UpdateExpression:
          'SET #state = :completed, statusCode = :statusCode, #body = :body, expiresAt = :expiresAt, #ttl = :ttl',
        ExpressionAttributeNames: { '#state': 'state', '#body': 'body', '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':completed': { S: 'completed' },
          ':statusCode': { N: String(statusCode) },
          ':body': { S: body },
          ':expiresAt': { N: String(now + ttlSeconds * 1000) },
          ':ttl': { N: String(Math.ceil(now / 1000) + ttlSeconds) },
        },
      }),
    );
  }

  async release(key: string) {
    await this.client
      .send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: keyOf(key) } },
          ConditionExpression: '#state = :inProgress',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':inProgress': { S: 'in_progress' } },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
  }
}

const keyOf = (key: string) => `i#${createHash('sha256').update(key).digest('base64url')}`;
