import type { CancellationReason, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { SendRejection } from '../../core/ports.ts';
import type { SendLimits } from '../../core/verification.ts';

/**
 * The counters a send increments inside its transaction, each guarded by its own condition:
 * - sends to the destination in this clock hour,
 * - sends from the device IP in this clock hour (when the request named one),
 * - the spend brake for sms + voice: sends this minute and this UTC day, service-wide.
 *
 * The spend-brake counters are split over shards so no item takes more than a share of the traffic
 * (DynamoDB allows ~1,000 writes/s per item). Shard i of a window holds its share of the limit; a send
 * that finds its shard full tries the others, and is refused only when every shard is full, so
 * exactly `limit` sends pass per window however many race.
 */
type CounterKind = 'destination_limit' | 'ip_limit' | 'spend_minute' | 'spend_day';

interface Window {
  kind: CounterKind;
  /** Partition key without the shard suffix. */
  key: string;
  limit: number;
  endsAt: number;
  /** 1 for plain counters; the shard count for the spend brake. */
  shards: number;
}

const HOUR = 3_600_000;
const MINUTE = 60_000;
const DAY = 86_400_000;

export class SendCounters {
  readonly #windows: Window[] = [];
  readonly #fullShards = new Map<CounterKind, Set<number>>();
  readonly #chosenShard = new Map<CounterKind, number>();

  constructor(
    limits: SendLimits,
    destinationKey: string,
    now: number,
    private readonly random: () => number = Math.random,
  ) {
    const hour = Math.floor(now / HOUR);
    const hourEnd = (hour + 1) * HOUR;
    this.#windows.push({
      kind: 'destination_limit',
      key: `c#dest#${destinationKey}#${hour}`,
      limit: limits.maxSendsPerHour,
      endsAt: hourEnd,
      shards: 1,
    });
    if (limits.deviceIp) {
      this.#windows.push({
        kind: 'ip_limit',
        key: `c#ip#${limits.deviceIp.key}#${hour}`,
        limit: limits.deviceIp.maxSendsPerHour,
        endsAt: hourEnd,
        shards: 1,
      });
    }
    if (limits.spendBrake) {
      const { perMinute, perDay, shards } = limits.spendBrake;
      const minute = Math.floor(now / MINUTE);
      const day = Math.floor(now / DAY);
      this.#windows.push(
        {
          kind: 'spend_minute',
          key: `c#spend-minute#${minute}`,
          limit: perMinute,
          endsAt: (minute + 1) * MINUTE,
          shards: Math.max(1, Math.min(shards, perMinute)),
        },
        {
          kind: 'spend_day',
          key: `c#spend-day#${day}`,
          limit: perDay,
          endsAt: (day + 1) * DAY,
          shards: Math.max(1, Math.min(shards, perDay)),
        },
      );
    }
  }

  /** A rejection known before any write: a limit of zero. */
  rejectionBeforeWriting(now: number): SendRejection | undefined {
    const closed = this.#windows.find((w) => w.limit <= 0);
    return closed && rejection(closed, now);
  }

  /** The conditional increments for this attempt, one per window, in a fixed order. */
  transactItems(tableName: string): TransactWriteItem[] {
    return this.#windows.map((window) => {
      const shard = this.#pickShard(window);
      return {
        Update: {
          TableName: tableName,
          Key: { pk: { S: window.shards === 1 ? window.key : `${window.key}#${shard}` } },
          UpdateExpression: 'SET #n = if_not_exists(#n, :zero) + :one, #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#n) OR #n < :max',
          ExpressionAttributeNames: { '#n': 'n', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':zero': { N: '0' },
            ':one': { N: '1' },
            ':max': { N: String(shareOf(window, shard)) },
            ':ttl': { N: String(Math.ceil(window.endsAt / 1000) + 3600) },
          },
        },
      };
    });
  }

  /**
   * Learns from the cancellation reasons of the counter items (same order as `transactItems`).
   * Returns the rejection when a limit is really reached, or undefined when another shard may still
   * have room and the send should be tried again.
   */
  recordFailures(reasons: CancellationReason[], now: number): SendRejection | undefined {
    for (const [index, window] of this.#windows.entries()) {
      if (reasons[index]?.Code !== 'ConditionalCheckFailed') continue;
      const full = this.#fullShards.get(window.kind) ?? new Set<number>();
      full.add(this.#chosenShard.get(window.kind) ?? 0);
      this.#fullShards.set(window.kind, full);
      if (full.size >= window.shards) return rejection(window, now);
    }
    return undefined;
  }

  /**
   * The spend-brake shards worth reading at once: those not yet known full, in windows where a shard
   * just proved full. Under an SMS-pumping burst the brake is full, and one consistent read of the
   * shards costs less than trying them one transaction at a time.
   */
  shardsToRead(): Array<{ kind: CounterKind; shard: number; key: string; share: number }> {
    const wanted: Array<{ kind: CounterKind; shard: number; key: string; share: number }> = [];
    for (const window of this.#windows) {
      const full = this.#fullShards.get(window.kind);
      if (window.shards === 1 || !full?.size) continue;
      for (let shard = 0; shard < window.shards; shard++) {
        if (!full.has(shard))
          wanted.push({
            kind: window.kind,
            shard,
            key: `${window.key}#${shard}`,
            share: shareOf(window, shard),
          });
      }
    }
    // One BatchGetItem reads at most 100 keys; the rest are learnt by trying, as before.
    return wanted.slice(0, 100);
  }

  /** Records what a read of `shardsToRead()` saw; returns the rejection once a window is full. */
  recordReadShards(
    seen: Array<{ kind: CounterKind; shard: number; full: boolean }>,
    now: number,
  ): SendRejection | undefined {
    for (const { kind, shard, full } of seen) {
      if (!full) continue;
      const known = this.#fullShards.get(kind) ?? new Set<number>();
      known.add(shard);
      this.#fullShards.set(kind, known);
    }
    const closed = this.#windows.find(
      (window) => (this.#fullShards.get(window.kind)?.size ?? 0) >= window.shards,
    );
    return closed && rejection(closed, now);
  }

  #pickShard(window: Window): number {
    const full = this.#fullShards.get(window.kind);
    const open = Array.from({ length: window.shards }, (_, i) => i).filter((i) => !full?.has(i));
    const shard = open[Math.floor(this.random() * open.length)] ?? 0;
    this.#chosenShard.set(window.kind, shard);
    return shard;
  }
}

/** Shard i's part of the window's limit: the limit split as evenly as whole numbers allow. */
function shareOf(window: Window, shard: number): number {
  const base = Math.floor(window.limit / window.shards);
  return base + (shard < window.limit % window.shards ? 1 : 0);
}

function rejection(window: Window, now: number): SendRejection {
  const kind = window.kind === 'spend_minute' || window.kind === 'spend_day' ? 'spend_limit' : window.kind;
  return { kind, retryAfterSeconds: Math.max(1, Math.ceil((window.endsAt - now) / 1000)) };
}
