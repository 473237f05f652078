/**
 * The conversion watch: once an hour, the watched countries' SMS `Sent` and `Approved` of the last full
 * hour and the hour before, read in one batched query; each country whose conversion collapsed while
 * its volume rose (functions/core/conversion-collapse.ts) logged, one line each; and how many did,
 * published as the one metric the one alarm watches (docs/operations.md#conversion-collapse).
 */
import {
  type Collapse,
  type CollapseThresholds,
  type CountryHours,
  collapsedCountries,
  type JudgedHours,
  judgedHours,
} from '../core/conversion-collapse.ts';
import type { Clock, Log } from '../core/ports.ts';

/** The message of the line logged per collapsed country: the alarm's Logs Insights query filters on it. */
export const COLLAPSE_LOG_MESSAGE = 'SMS conversion collapsed';

/** The metric the alarm watches: countries whose SMS conversion collapsed in the hour judged. */
export const COLLAPSE_METRIC = 'ConversionCollapsedCountries';

/** Where the activity stream's counts are read from (CloudWatch's GetMetricData in AWS). */
export interface HourlySmsCounts {
  /**
   * Each country's SMS verifications started and approved in `hours.hour`, and started in
   * `hours.earlier`: one entry per country, in the order given, a missing datapoint as 0. Throws
   * when the counts cannot be read (the watch then fails, and nothing is published).
   */
  read(countries: readonly string[], hours: JudgedHours): Promise<CountryHours[]>;
}

/** The watch's one metric (an EMF line in AWS). */
export interface CollapseMetric {
  /** Publishes how many countries collapsed in the hour beginning at `hourStart` (epoch ms), 0 too. */
  publish(collapsed: number, hourStart: number): void;
}

export interface ConversionWatchDeps {
  counts: HourlySmsCounts;
  metric: CollapseMetric;
  log: Log;
  /** @default Date.now */
  clock?: Clock;
  /** The watched countries: ISO alpha-2, upper case, once each (`watchedCountries`). */
  countries: readonly string[];
  thresholds: CollapseThresholds;
}

export interface WatchOutcome {
  /** The hour judged, as ISO 8601 (its start). */
  hour: string;
  countries: number;
  collapsed: Collapse[];
}

/**
 * The watch. `scheduledAt` (epoch ms, `scheduledTime`): when the schedule fired, so a run that comes
 * late (Lambda retries a failed or throttled invocation for up to six hours) judges the hour it was
 * scheduled for, not a later one with the earlier left unjudged. Without it, the hour before the clock.
 */
export function createConversionWatch(
  deps: ConversionWatchDeps,
): (scheduledAt?: number) => Promise<WatchOutcome> {
  const clock = deps.clock ?? Date.now;
  return async (scheduledAt) => {
    const hours = judgedHours(scheduledAt ?? clock());
    const hour = new Date(hours.hour.start).toISOString();
    const counts = deps.countries.length === 0 ? [] : await deps.counts.read(deps.countries, hours);
    const collapsed = collapsedCountries(counts, deps.thresholds);
    for (const { country, sends, approvals, rate, earlierSends } of collapsed) {
      // Counts only: the watch never sees a destination.
      deps.log.warn(COLLAPSE_LOG_MESSAGE, {
        country,
        sends,
        approvals,
        rate: Math.round(rate * 1000) / 1000,
        earlierSends,
        hour,
      });
    }
    deps.metric.publish(collapsed.length, hours.hour.start);
    return { hour, countries: deps.countries.length, collapsed };
  };
}

/** Lambda's longest retry of an asynchronous invocation (its maximum event age). */
const MAX_EVENT_AGE_MS = 6 * 3_600_000;
/** Clocks disagree a little: a schedule's time this far ahead of the function's clock is still taken. */
const CLOCK_SKEW_MS = 60_000;

/**
 * When the schedule fired (epoch ms): the `time` of the EventBridge scheduled event, if the invocation
 * carries one from the last six hours; otherwise undefined (an invocation by hand judges the hour
 * before its clock).
 */
export function scheduledTime(event: unknown, now: number): number | undefined {
  const time = (event as { time?: unknown } | null | undefined)?.time;
  if (typeof time !== 'string') return undefined;
  const at = Date.parse(time);
  return at <= now + CLOCK_SKEW_MS && at >= now - MAX_EVENT_AGE_MS ? at : undefined;
}
