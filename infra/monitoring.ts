import { Duration } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { RateLimitReason } from '../functions/core/errors.ts';
import type { CascadeWorkflow } from './cascade-workflow.ts';
import type { OtpFunction } from './otp-function.ts';
import type { OtpAlarmProps, OtpFunctionName } from './otp-service-props.ts';
import { type RunbookSection, runbook } from './runbook.ts';

/** Every reason, with its label on the dashboard (a Record, so a new reason fails to compile here). */
const RATE_LIMIT_REASONS: Record<RateLimitReason, string> = {
  cooldown: 'resend cooldown',
  destination_limit: 'per destination',
  ip_limit: 'per device IP',
  spend_limit: 'spend brake',
};

const FIVE_MINUTES = Duration.minutes(5);
const SUM = { period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM };
const capitalise = (name: string) => name[0]!.toUpperCase() + name.slice(1);

export interface OtpLogMetrics {
  /** Sends the spend brake refused ("send rate limited" with reason spend_limit). */
  readonly spendBrakeHits: cloudwatch.Metric;
  /** Refused sends (`429 rate_limited`) by reason: the `RateLimited` metric, dimension `reason`. */
  readonly rateLimited: Readonly<Record<RateLimitReason, cloudwatch.Metric>>;
}

/**
 * Metrics from the start function's structured log lines (metric filters: no code in the function,
 * nothing published from the request path), under `namespace`.
 */
export function createLogMetrics(
  scope: Construct,
  logGroup: logs.ILogGroup,
  namespace: string,
): OtpLogMetrics {
  const rateLimitedLine = logs.FilterPattern.stringValue('$.message', '=', 'send rate limited');
  const spendBrake = new logs.MetricFilter(scope, 'SpendBrakeFilter', {
    logGroup,
    filterPattern: logs.FilterPattern.all(
      rateLimitedLine,
      logs.FilterPattern.stringValue('$.reason', '=', 'spend_limit'),
    ),
    metricNamespace: namespace,
    metricName: 'SpendBrakeHits',
    metricValue: '1',
  });
  const rateLimited = new logs.MetricFilter(scope, 'RateLimitedFilter', {
    logGroup,
    filterPattern: rateLimitedLine,
    metricNamespace: namespace,
    metricName: 'RateLimited',
    metricValue: '1',
    // A handful of values (the reasons), so a handful of metrics.
    dimensions: { reason: '$.reason' },
  });
  return {
    spendBrakeHits: spendBrake.metric(SUM),
    rateLimited: Object.fromEntries(
      Object.entries(RATE_LIMIT_REASONS).map(([reason, label]) => [
        reason,
        rateLimited.metric({ ...SUM, dimensionsMap: { reason }, label }),
      ]),
    ) as Record<RateLimitReason, cloudwatch.Metric>,
  };
}

/** What the alarms and the dashboard watch. */
export interface MonitoredParts {
  readonly api: apigateway.RestApi;
  readonly table: dynamodb.ITable;
  readonly functions: Readonly<Record<OtpFunctionName, OtpFunction>>;
  readonly cascade?: CascadeWorkflow | undefined;
  readonly metrics: OtpLogMetrics;
}

/**
 * The service's alarms, created in `scope`: API 5xx and p99 latency, each function's throttles and
 * errors, cascades that failed, and the spend brake. (Refused deliveries are alarmed on by the
 * activity stream, from the verifications themselves.)
 */
export function createAlarms(
  scope: Construct,
  parts: MonitoredParts,
  thresholds: OtpAlarmProps,
  alarmTopic?: ITopic,
): cloudwatch.Alarm[] {
  const alarms: cloudwatch.Alarm[] = [];
  const add = (
    id: string,
    metric: cloudwatch.IMetric,
    threshold: number,
    description: string,
    section: RunbookSection,
    periods = 1,
  ) => {
    const alarm = new cloudwatch.Alarm(scope, id, {
      metric,
      threshold,
      evaluationPeriods: periods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `onetime: ${description}. ${runbook(section)}`,
    });
    if (alarmTopic) {
      alarm.addAlarmAction(new SnsAction(alarmTopic));
      alarm.addOkAction(new SnsAction(alarmTopic));
    }
    alarms.push(alarm);
  };

  const { api } = parts;
  add(
    'ApiServerErrorsAlarm',
    api.metricServerError(SUM),
    thresholds.serverErrors ?? 5,
    'API 5xx answers (server faults and refused deliveries)',
    'api-5xx',
  );
  add(
    'ApiLatencyP99Alarm',
    api.metricLatency({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.p(99) }),
    (thresholds.latencyP99 ?? Duration.seconds(3)).toMilliseconds(),
    'API p99 latency (ms) over three 5-minute periods',
    'api-latency',
    3,
  );
  for (const [name, fn] of Object.entries(parts.functions)) {
    add(
      `${capitalise(name)}ThrottlesAlarm`,
      fn.metricThrottles(SUM),
      1,
      `${name} function throttled`,
      'function-throttles',
    );
    add(
      `${capitalise(name)}ErrorsAlarm`,
      fn.metricErrors(SUM),
      1,
      `${name} function errors (crashes and timeouts; handled errors are answered, not thrown)`,
      'function-errors',
    );
  }
  if (parts.cascade) {
    add(
      'CascadeFailuresAlarm',
      parts.cascade.metricFailures({ period: FIVE_MINUTES }),
      1,
      'cascades that could not run (workflow executions failed or timed out, or starts dead-lettered)',
      'cascade-failures',
    );
  }
  add(
    'SpendBrakeAlarm',
    parts.metrics.spendBrakeHits,
    1,
    'the spend brake refused sms/voice sends (possible SMS pumping or a limit set too low)',
    'spend-brake',
  );
  return alarms;
}

/**
 * The dashboard's first two rows: the API (requests, latency, refused sends by reason) and the
 * functions and table. The activity stream adds its row after these; `addAlarmStatus` closes it.
 */
export function createDashboard(scope: Construct, parts: MonitoredParts): cloudwatch.Dashboard {
  const { api } = parts;
  const fns = Object.entries(parts.functions);
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', { defaultInterval: Duration.hours(6) });
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'API requests and errors',
      left: [api.metricCount(SUM), api.metricClientError(SUM), api.metricServerError(SUM)],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'API latency (ms)',
      left: [
        api.metricLatency({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.p(50) }),
        api.metricLatency({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.p(99) }),
        api.metricIntegrationLatency({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.p(99) }),
      ],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Rate-limited sends (429) by reason',
      left: Object.values(parts.metrics.rateLimited),
      stacked: true,
      width: 8,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Invocations',
      left: fns.map(([name, fn]) => fn.metricInvocations({ ...SUM, label: name })),
      width: 6,
    }),
    new cloudwatch.GraphWidget({
      title: 'Errors and throttles',
      left: fns.flatMap(([name, fn]) => [
        fn.metricErrors({ ...SUM, label: `${name} errors` }),
        fn.metricThrottles({ ...SUM, label: `${name} throttles` }),
      ]),
      width: 6,
    }),
    new cloudwatch.GraphWidget({
      title: 'Duration p99 (ms)',
      left: fns.map(([name, fn]) =>
        fn.metricDuration({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.p(99), label: name }),
      ),
      width: 6,
    }),
    new cloudwatch.GraphWidget({
      title: 'DynamoDB capacity consumed',
      left: [
        parts.table.metricConsumedWriteCapacityUnits(SUM),
        parts.table.metricConsumedReadCapacityUnits(SUM),
      ],
      width: 6,
    }),
  );
  return dashboard;
}

/** The last row: the state of every alarm. */
export function addAlarmStatus(dashboard: cloudwatch.Dashboard, alarms: readonly cloudwatch.IAlarm[]): void {
  dashboard.addWidgets(
    new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...alarms], width: 24, height: 4 }),
  );
}
