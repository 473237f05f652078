/**
 * Lambda entry for the voice-fallback workflow's call task (infra/voice-fallback-workflow.ts). Input:
 * `{"verificationId": "<id>"}`; output: `{"verificationId", "called"}`, never the code or the number.
 * Built once per cold start; the voice client is loaded on the first call.
 */
import type { Context } from 'aws-lambda';
import { voiceCallChannelsFromEnv } from '../config.ts';
import { engineDeps } from '../wiring/engine-deps.ts';
import { powertoolsLog } from '../wiring/powertools-log.ts';
import { env, refreshKeysIfStale } from '../wiring/runtime.ts';
import { buildSenders } from '../wiring/senders.ts';
import { voiceFallbackTask } from '../workflow/voice-fallback-task.ts';

const task = voiceFallbackTask({
  ...(await engineDeps()),
  senders: buildSenders(voiceCallChannelsFromEnv(env)),
});

export const handler = async (event: unknown, context: Context) => {
  powertoolsLog.beginRequest({ requestId: context.awsRequestId });
  await refreshKeysIfStale();
  return task(event);
};
