/** What the activity handler needs from the outside: somewhere to count metrics and to publish events. */
import type { ActivityCount, StatusChange } from '../core/activity.ts';

/** Counts activity; `publish` flushes what was added (EMF to stdout in AWS). */
export interface ActivityMetrics {
  add(count: ActivityCount): void;
  publish(): void;
}

/** Publishes status changes (EventBridge in AWS, a list in local mode). */
export interface EventPublisher {
  /**
   * Publishes every change, or throws. An `UnpublishedEventsError` names the changes (the same objects
   * it was given) that could not be published; any other error means none may have been.
   */
  publish(changes: readonly StatusChange[]): Promise<void>;
}

export class UnpublishedEventsError extends Error {
  constructor(
    readonly unpublished: readonly StatusChange[],
    reasons: readonly string[],
  ) {
    super(`${unpublished.length} status change(s) not published: ${[...new Set(reasons)].join(', ')}`);
    this.name = 'UnpublishedEventsError';
  }
}

/** How reporting one message went (MessageFeedback.received). */
export type FeedbackOutcome =
  /** The provider recorded the message as received. */
  | 'reported'
  /** The provider knows no such message (expired, or sent without feedback): dropped. */
  | 'unknown_message'
  /** Still throttled after the client's own retries: dropped (AWS counts the message FAILED). */
  | 'throttled'
  /** Refused for good (access denied, invalid id): dropped; a retry cannot fix it. */
  | 'refused'
  /** Any other failure (the service's own fault, the network): dropped. */
  | 'failed';

/**
 * Conversion feedback to the provider (End User Messaging's `PutMessageFeedback` in AWS; none in local
 * mode). Reports one message as received; never throws.
 */
export interface MessageFeedback {
  received(messageId: string): Promise<FeedbackOutcome>;
}
