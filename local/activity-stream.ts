import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createActivityHandler } from '../functions/activity/activity-handler.ts';
import type { MessageFeedback } from '../functions/activity/ports.ts';
import type { ActivityCount, StatusChange } from '../functions/core/activity.ts';
import type { Log } from '../functions/core/ports.ts';
import { enableStream, StreamReader, StreamsApi } from './dynamodb-streams.ts';
import { MemoryActivityMetrics, MemoryEventPublisher } from './memory-activity.ts';

/**
 * Local mode's activity: the local table's stream (DynamoDB Local), polled and fed to the same handler
 * the deployed stream function runs, with status changes kept in memory instead of EventBridge (serve
 * them at `GET /_local/events`) and counts instead of CloudWatch metrics.
 */
export interface LocalActivityOptions {
  /** A client of DynamoDB Local (its endpoint, region and credentials sign the Streams calls). */
  client: DynamoDBClient;
  tableName: string;
  log: Log;
  /** How often the stream is read. @default 250 ms */
  pollIntervalMs?: number;
  /** Where converted messages are reported (local mode: the outbox). @default none */
  feedback?: MessageFeedback;
}

export interface LocalActivity {
  /** Status changes, oldest first (the newest 10,000). The same array throughout: serve it as it is. */
  events: StatusChange[];
  /** Metric counts, oldest first (the newest 10,000). */
  counts: ActivityCount[];
  /** Reads the stream now and handles what is new (tests; the poller does it on its own). */
  poll(): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalActivity(options: LocalActivityOptions): Promise<LocalActivity> {
  const { client, tableName, log } = options;
  const streamArn = await enableStream(client, tableName);
  const reader = new StreamReader(new StreamsApi(client), streamArn);
  const events = new MemoryEventPublisher();
  const metrics = new MemoryActivityMetrics();
  const handle = createActivityHandler({
    metrics,
    events,
    log,
    ...(options.feedback ? { feedback: options.feedback } : {}),
  });

  // One read at a time: a poll asked for while one runs waits for it, then reads again.
  let running: Promise<void> = Promise.resolve();
  const poll = () => {
    running = running
      .catch(() => {})
      .then(async () => {
        const records = await reader.read();
        if (records.length > 0) await handle({ Records: records });
      });
    return running;
  };

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    timer = setTimeout(() => {
      poll()
        .catch((error: unknown) => {
          log.warn('local activity stream read failed', {
            error: error instanceof Error ? error.message : String(error),
          });
        })
        .finally(() => {
          if (!stopped) schedule();
        });
    }, options.pollIntervalMs ?? 250);
    timer.unref();
  };
  schedule();

  return {
    events: events.events,
    counts: metrics.counts,
    poll,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => {});
    },
  };
}
