import { Metrics } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { createActivityHandler } from '../activity/activity-handler.ts';
import type { MessageFeedback } from '../activity/ports.ts';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher.ts';
import { PowertoolsActivityMetrics } from '../adapters/powertools-activity-metrics.ts';
import { EVENT_BUS_NAME, POWERTOOLS_METRICS_NAMESPACE } from '../env.ts';
import { logger, powertoolsLog } from '../wiring/powertools-log.ts';
import { serviceName } from '../wiring/service-name.ts';

/**
 * Lambda entry for the table's DynamoDB stream (NEW_AND_OLD_IMAGES, filtered to `v#` items, with
 * ReportBatchItemFailures; infra/activity-stream.ts): metrics (Powertools Metrics, EMF, namespace
 * `POWERTOOLS_METRICS_NAMESPACE`, default `onetime`) and status-change events (EventBridge bus
 * `EVENT_BUS_NAME`, default bus when unset), and conversion feedback (`PutMessageFeedback` for the
 * messages of approved verifications that recorded one; the SMS-Voice client is loaded on the first
 * such report). Built once per cold start; needs no secret and no table access beyond the stream.
 */
const env = process.env;
const eventBusName = env[EVENT_BUS_NAME] || undefined;

const activity = createActivityHandler({
  metrics: new PowertoolsActivityMetrics(
    new Metrics({ namespace: env[POWERTOOLS_METRICS_NAMESPACE] || 'onetime', serviceName }),
  ),
  events: new EventBridgePublisher(new EventBridgeClient({ maxAttempts: 5 }), {
    ...(eventBusName === undefined ? {} : { eventBusName }),
  }),
  feedback: lazyFeedback(),
  log: powertoolsLog,
});

/** The SMS-Voice client and its adapter, loaded on the first report (most batches have none). */
function lazyFeedback(): MessageFeedback {
  let loaded: Promise<MessageFeedback> | undefined;
  const load = async () => {
    const [{ PinpointSMSVoiceV2Client }, { SmsVoiceMessageFeedback }] = await Promise.all([
      import('@aws-sdk/client-pinpoint-sms-voice-v2'),
      import('../adapters/sms-voice-message-feedback.ts'),
    ]);
    // Standard retries with backoff ride out brief throttling; past them, or past the request
    // timeout (a hung connection), the report is dropped (logged); the batch's budget bounds the rest.
    return new SmsVoiceMessageFeedback(
      new PinpointSMSVoiceV2Client({
        maxAttempts: 3,
        requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
      }),
    );
  };
  return {
    async received(messageId) {
      loaded ??= load().catch((error: unknown) => {
        loaded = undefined; // the next report tries again
        throw error;
      });
      return (await loaded).received(messageId);
    },
  };
}

export const handler = async (
  event: DynamoDBStreamEvent,
  context?: Context,
): Promise<DynamoDBBatchResponse> => {
  if (context) logger.addContext(context);
  return activity(event);
};
