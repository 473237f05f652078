/**
 * Conversion feedback through AWS End User Messaging SMS and Voice v2 `PutMessageFeedback`: a message
 * sent with `MessageFeedbackEnabled` (SendTextMessage, SendVoiceMessage, Notify) is reported RECEIVED
 * when its code is approved (functions/core/feedback.ts). Without a report AWS sets it FAILED an hour
 * after the send.
 */
import {
  type PinpointSMSVoiceV2Client,
  PutMessageFeedbackCommand,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { FeedbackOutcome, MessageFeedback } from '../activity/ports.ts';

export class SmsVoiceMessageFeedback implements MessageFeedback {
  constructor(private readonly client: PinpointSMSVoiceV2Client) {}

  async received(messageId: string): Promise<FeedbackOutcome> {
    try {
      await this.client.send(
        new PutMessageFeedbackCommand({ MessageId: messageId, MessageFeedbackStatus: 'RECEIVED' }),
      );
      return 'reported';
    } catch (error) {
      return feedbackOutcomeOf(error);
    }
  }
}

/**
 * A PutMessageFeedback error as an outcome (the API's errors: ResourceNotFound, Throttling,
 * AccessDenied, Validation, InternalServer). Every one is dropped by the caller; the outcome says why.
 */
export function feedbackOutcomeOf(error: unknown): FeedbackOutcome {
  const name = error instanceof Error ? error.name : '';
  switch (name) {
    case 'ResourceNotFoundException':
      return 'unknown_message';
    case 'ThrottlingException':
      return 'throttled';
    case 'AccessDeniedException':
    case 'ValidationException':
      return 'refused';
    default:
      return 'failed';
  }
}
