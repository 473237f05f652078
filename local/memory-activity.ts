import type { ActivityMetrics, EventPublisher } from '../functions/activity/ports.ts';
import type { ActivityCount, StatusChange } from '../functions/core/activity.ts';

/**
 * Local mode's (and tests') stand-ins for EventBridge and CloudWatch: status changes and counts kept
 * in memory, oldest first, the newest `limit` of each.
 */
export class MemoryEventPublisher implements EventPublisher {
  readonly events: StatusChange[] = [];

  constructor(private readonly limit = 10_000) {}

  async publish(changes: readonly StatusChange[]): Promise<void> {
    this.events.push(...changes);
    if (this.events.length > this.limit) this.events.splice(0, this.events.length - this.limit);
  }
}

export class MemoryActivityMetrics implements ActivityMetrics {
  /** Published counts. */
  readonly counts: ActivityCount[] = [];
  #pending: ActivityCount[] = [];

  constructor(private readonly limit = 10_000) {}

  add(count: ActivityCount): void {
    this.#pending.push(count);
  }
  publish(): void {
    this.counts.push(...this.#pending);
    this.#pending = [];
    if (this.counts.length > this.limit) this.counts.splice(0, this.counts.length - this.limit);
  }
}
