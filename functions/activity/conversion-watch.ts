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

export function createConversionWatch(deps: ConversionWatchDeps): () => Promise<WatchOutcome> {
  const clock = deps.clock ?? Date.now;
  return async () => {
    const hours = judgedHours(clock());
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
