/**
 * Lambda entry for the cascade workflow's step task (infra/cascade-workflow.ts). Input:
 * `{"verificationId": "<id>"}`; output: `{"verificationId", "done", "waitSeconds"?}`, never the code
 * or a destination. Built once per cold start; each channel's client is loaded on its first step.
 */
import type { Context } from 'aws-lambda';
import { channelsFromEnv } from '../config.ts';
import { engineDeps } from '../wiring/engine-deps.ts';
import { log } from '../wiring/lambda-log.ts';
import { env, refreshKeysIfStale } from '../wiring/runtime.ts';
import { buildSenders } from '../wiring/senders.ts';
import { cascadeTask } from '../workflow/cascade-task.ts';

const task = cascadeTask({
  ...(await engineDeps()),
  senders: buildSenders(channelsFromEnv(env)),
});

export const handler = async (event: unknown, context: Context) => {
  log.beginRequest({ requestId: context.awsRequestId });
  await refreshKeysIfStale();
  return task(event);
};
