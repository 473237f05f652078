/**
 * The same-work floor of a send (bench/peer.ts): the I/O onetime's send cannot do without, and
 * nothing else. One TransactWriteItems that writes the verification and counts it under three
 * limits (destination, spend-brake minute and day shards: one conditional write each, as
 * docs/storage.md has them), then one SNS Publish, its client loaded on first use as onetime's
 * channels are. No validation, no sealing, no logging: what is left between this and onetime's
 * start or create is the engine's own cost.
 */
import { DynamoDBClient, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';

const dynamodb = new DynamoDBClient({});
const table = process.env['TABLE_NAME'] ?? 'floor';

const counter = (pk: string) => ({
  Update: {
    TableName: table,
    Key: { pk: { S: pk } },
    UpdateExpression: 'SET n = if_not_exists(n, :zero) + :one',
    ConditionExpression: 'attribute_not_exists(n) OR n < :max',
    ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' }, ':max': { N: '5' } },
  },
});

export const handler = async (event: { to: string; body: string }) => {
  const now = Date.now();
  await dynamodb.send(
    new TransactWriteItemsCommand({
      TransactItems: [
        {
          Put: {
            TableName: table,
            Item: { pk: { S: `v#${event.to}` }, createdAt: { N: String(now) }, status: { S: 'pending' } },
            ConditionExpression: 'attribute_not_exists(pk) OR lastSentAt <= :cooldown',
            ExpressionAttributeValues: { ':cooldown': { N: String(now - 30_000) } },
          },
        },
        counter(`c#dest#${event.to}#${Math.floor(now / 3_600_000)}`),
        counter(`c#spend-minute#${Math.floor(now / 60_000)}`),
        counter(`c#spend-day#${Math.floor(now / 86_400_000)}`),
      ],
    }),
  );
  const { SNSClient, PublishCommand } = await import('@aws-sdk/client-sns');
  return new SNSClient({}).send(new PublishCommand({ PhoneNumber: event.to, Message: event.body }));
};
