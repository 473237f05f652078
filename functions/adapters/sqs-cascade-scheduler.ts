import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { CascadeScheduler } from '../core/ports.ts';

/** SQS holds a message back at most 15 minutes; a later first step is waited for in the workflow. */
export const MAX_DELAY_SECONDS = 900;

/**
 * Schedules a cascade with a delayed SQS message carrying only the verification id. Its consumer
 * (functions/workflow/cascade-start.ts) starts the workflow if the verification is still pending then.
 */
export class SqsCascadeScheduler implements CascadeScheduler {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async schedule(verificationId: string, delaySeconds: number): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify({ verificationId }),
        DelaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(delaySeconds))),
      }),
    );
  }
}
