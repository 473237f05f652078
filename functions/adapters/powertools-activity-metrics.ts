import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ActivityMetrics } from '../activity/ports.ts';
import type { ActivityCount } from '../core/activity.ts';

/**
 * Activity counts as CloudWatch metrics through Powertools Metrics (EMF lines on stdout). Every count
 * is published with the dimension `channel`; a count that names a country (`Sent` and `Approved` of a
 * phone verification) also with `channel` + `country`, as a second metric, so `Sent` by channel is one
 * metric (for conversion) and `Sent` by country another (conversion by country: approved / sent). One EMF line per dimension set: EMF gives
 * all the metrics of a line the same dimension values.
 */
export class PowertoolsActivityMetrics implements ActivityMetrics {
  readonly #groups = new Map<string, { dimensions: Record<string, string>; values: Map<string, number> }>();

  constructor(private readonly metrics: Metrics) {}

  add(count: ActivityCount): void {
    this.#bump({ channel: count.channel }, count.metric);
    if (count.country !== undefined)
      this.#bump({ channel: count.channel, country: count.country }, count.metric);
  }

  publish(): void {
    for (const { dimensions, values } of this.#groups.values()) {
      for (const [name, value] of Object.entries(dimensions)) this.metrics.addDimension(name, value);
      for (const [metric, value] of values) this.metrics.addMetric(metric, MetricUnit.Count, value);
      this.metrics.publishStoredMetrics();
    }
    this.#groups.clear();
  }

  #bump(dimensions: Record<string, string>, metric: string): void {
    const key = JSON.stringify(dimensions);
    let group = this.#groups.get(key);
    if (!group) {
      group = { dimensions, values: new Map() };
      this.#groups.set(key, group);
    }
    group.values.set(metric, (group.values.get(metric) ?? 0) + 1);
  }
}
