/**
 * Lambda entry for `POST /v1/verifications`. SMS is always on (SNS); email and voice are on when the
 * construct configured them. Each channel's client is loaded on first use only.
 */
import { DynamoIdempotencyStore } from '../adapters/dynamodb/idempotency-store.ts';
import { channelsFromEnv, voiceFallbackFromEnv } from '../config.ts';
import type { WorkflowStarter } from '../core/ports.ts';
import { createStartRoute } from '../http/start-route.ts';
import { engineDeps } from '../wiring/engine-deps.ts';
import { powertoolsLog } from '../wiring/powertools-log.ts';
import { env, lambdaHandler, table } from '../wiring/runtime.ts';
import { buildSenders } from '../wiring/senders.ts';

const senders = buildSenders(channelsFromEnv(env));

// Set exactly when voice is on.
const stateMachineArn = voiceFallbackFromEnv(env);
let workflow: WorkflowStarter | undefined;
if (stateMachineArn) {
  let starter: Promise<WorkflowStarter> | undefined;
  workflow = {
    async startVoiceFallback(verificationId) {
      starter ??= Promise.all([
        import('@aws-sdk/client-sfn'),
        import('../adapters/sfn-workflow-starter.ts'),
      ]).then(
        ([{ SFNClient }, { StepFunctionsWorkflowStarter }]) =>
          new StepFunctionsWorkflowStarter(new SFNClient({}), stateMachineArn),
      );
      return (await starter).startVoiceFallback(verificationId);
    },
  };
}

export const handler = lambdaHandler(
  createStartRoute({
    ...(await engineDeps()),
    senders,
    ...(workflow ? { workflow } : {}),
    idempotency: new DynamoIdempotencyStore(table.client, table.tableName),
  }),
  powertoolsLog,
);
