import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { COLLAPSE_METRIC, type CollapseMetric } from '../activity/conversion-watch.ts';

/**
 * The conversion watch's metric as an EMF line (Powertools Metrics, dimension `service`): no
 * PutMetricData call and no grant. Stamped when written, not with the hour judged: the alarm is
 * evaluated every minute over the hour before, on its newest datapoint, so a run Lambda retried late
 * (its hour long gone, under counts of hours judged since) would otherwise never be evaluated. The hour
 * judged is a property of the line (`hour`, its start), not a dimension.
 */
export class PowertoolsCollapseMetric implements CollapseMetric {
  constructor(private readonly metrics: Metrics) {}

  publish(collapsed: number, hourStart: number): void {
    this.metrics.addMetadata('hour', new Date(hourStart).toISOString());
    this.metrics.addMetric(COLLAPSE_METRIC, MetricUnit.Count, collapsed);
    this.metrics.publishStoredMetrics();
  }
}
