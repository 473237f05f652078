import type { SQSEvent } from 'aws-lambda';

/** One SQS record as Lambda's event source mapping hands the cascade starter a delayed message. */
export function sqsEvent(body: string, messageId = `message-${Date.now()}`): SQSEvent {
  const now = String(Date.now());
  return {
    Records: [
      {
        messageId,
        receiptHandle: 'handle',
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: now,
          SenderId: 'start',
          ApproximateFirstReceiveTimestamp: now,
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:cascade',
        awsRegion: 'eu-west-1',
      },
    ],
  };
}
