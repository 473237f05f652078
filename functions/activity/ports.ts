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
