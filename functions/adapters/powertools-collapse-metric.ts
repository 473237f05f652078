import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { COLLAPSE_METRIC, type CollapseMetric } from '../activity/conversion-watch.ts';

/**
 * The conversion watch's metric as an EMF line (Powertools Metrics, dimension `service`): no
 * PutMetricData call and no grant. Stamped with the start of the hour judged, so the datapoint lands in
 * that complete hour of the alarm's one-hour period.
 */
export class PowertoolsCollapseMetric implements CollapseMetric {
  constructor(private readonly metrics: Metrics) {}

  publish(collapsed: number, hourStart: number): void {
    this.metrics.setTimestamp(hourStart);
    this.metrics.addMetric(COLLAPSE_METRIC, MetricUnit.Count, collapsed);
    this.metrics.publishStoredMetrics();
  }
}
