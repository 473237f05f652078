/**
 * Lambda entry for the cascade's starter (functions/workflow/cascade-start.ts): consumes the delayed
 * messages of the cascade queue, in batches, and starts the workflow for each verification still
 * pending. A message whose start failed is reported back (partial batch response), so SQS retries it
 * alone; a message that keeps failing lands in the dead-letter queue, which is alarmed.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DynamoReadStore } from '../adapters/dynamodb/read-store.ts';
import { StepFunctionsWorkflowStarter } from '../adapters/sfn-workflow-starter.ts';
import { cascadeStateMachineFromEnv } from '../config.ts';
import { logger, powertoolsLog } from '../wiring/powertools-log.ts';
import { env, table } from '../wiring/runtime.ts';
import { startCascadeIfPending } from '../workflow/cascade-start.ts';

const deps = {
  store: new DynamoReadStore(table),
  workflow: new StepFunctionsWorkflowStarter(new SFNClient({}), cascadeStateMachineFromEnv(env)),
  clock: Date.now,
  log: powertoolsLog,
};

export const handler = async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
  if (context) logger.addContext(context);
  const failures = await Promise.all(
    event.Records.map(async ({ messageId, body }) => {
      try {
        await startCascadeIfPending(deps, body);
        return undefined;
      } catch (error) {
        powertoolsLog.error('cascade workflow not started', { messageId, error: String(error) });
        return { itemIdentifier: messageId };
      }
    }),
  );
  return { batchItemFailures: failures.filter((failure) => failure !== undefined) };
};
