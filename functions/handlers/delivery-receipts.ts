/**
 * Lambda entry for delivery receipts (infra/otp-delivery-receipts.ts): SNS SMS delivery status logs
 * (CloudWatch Logs subscription), SES events (EventBridge rule), SMS-Voice v2 voice events and
 * WhatsApp statuses from End User Messaging Social's event destination (SNS topics). Built once per
 * cold start: the sealer (to key destinations as the store does) and the delivery store part only —
 * one conditional UpdateItem per receipt, nothing else.
 */
import type { Context } from 'aws-lambda';
import { DynamoDeliveryStore } from '../adapters/dynamodb/delivery-store.ts';
import { channelsFromEnv } from '../config.ts';
import { createReceiptsHandler } from '../receipts/receipts-handler.ts';
import { logger, powertoolsLog } from '../wiring/powertools-log.ts';
import { env, loadSealer, refreshKeysIfStale, table } from '../wiring/runtime.ts';

const receipts = createReceiptsHandler(
  {
    store: new DynamoDeliveryStore(table),
    sealer: await loadSealer(powertoolsLog),
    log: powertoolsLog,
  },
  { whatsAppPhoneNumberId: channelsFromEnv(env).whatsapp?.phoneNumberId },
);

export const handler = async (event: unknown, context?: Context) => {
  if (context) logger.addContext(context);
  await refreshKeysIfStale();
  return receipts(event);
};
