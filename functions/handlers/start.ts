/**
 * Lambda entry for `POST /v1/verifications`. SMS is always on (SNS); email and voice are on when the
 * construct configured them. Each channel's client is loaded on first use only.
 */
import { DynamoIdempotencyStore } from '../adapters/dynamodb/idempotency-store.ts';
import { cascadeQueueFromEnv, channelsFromEnv } from '../config.ts';
import type { CascadeScheduler } from '../core/ports.ts';
import { createStartRoute } from '../http/start-route.ts';
import { engineDeps } from '../wiring/engine-deps.ts';
import { log } from '../wiring/lambda-log.ts';
import { env, lambdaHandler, table } from '../wiring/runtime.ts';
import { buildSenders } from '../wiring/senders.ts';

const senders = buildSenders(channelsFromEnv(env));

// Set when the construct built the cascade; the SQS client is loaded on the first cascade only.
const queueUrl = cascadeQueueFromEnv(env);
let cascade: CascadeScheduler | undefined;
if (queueUrl) {
  let scheduler: Promise<CascadeScheduler> | undefined;
  cascade = {
    async schedule(verificationId, delaySeconds) {
      scheduler ??= Promise.all([
        import('@aws-sdk/client-sqs'),
        import('../adapters/sqs-cascade-scheduler.ts'),
      ]).then(
        // The regional endpoint, not the queue URL's host (the same host for a queue URL CDK builds):
        // so AWS_ENDPOINT_URL_SQS reaches this client too, as it does every other one.
        ([{ SQSClient }, { SqsCascadeScheduler }]) =>
          new SqsCascadeScheduler(new SQSClient({ useQueueUrlAsEndpoint: false }), queueUrl),
      );
      return (await scheduler).schedule(verificationId, delaySeconds);
    },
  };
}

export const handler = lambdaHandler(
  createStartRoute({
    ...(await engineDeps()),
    senders,
    ...(cascade ? { cascade } : {}),
    idempotency: new DynamoIdempotencyStore(table.client, table.tableName),
  }),
  log,
);
