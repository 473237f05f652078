import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { COLLAPSE_LOG_MESSAGE, COLLAPSE_METRIC } from '../functions/activity/conversion-watch.ts';
import { DEFAULT_COLLAPSE_THRESHOLDS } from '../functions/core/conversion-collapse.ts';
import {
  CONVERSION_WATCH_COUNTRIES,
  CONVERSION_WATCH_MIN_CONVERSION,
  CONVERSION_WATCH_MIN_SENDS_PER_HOUR,
  POWERTOOLS_LOG_LEVEL,
  POWERTOOLS_METRICS_NAMESPACE,
  POWERTOOLS_SERVICE_NAME,
} from '../functions/env.ts';
import { acknowledgeStarGrants } from './nag.ts';
import { handlerEntry, OtpFunction } from './otp-function.ts';
import { runbook } from './runbook.ts';

export interface OtpConversionWatchProps {
  /** ISO 3166 alpha-2 codes, upper case, once each (`watchedCountries`); at least one. */
  readonly countries: readonly string[];
  /** SMS verifications started in the hour, in one country, below which nothing alarms. @default 20 */
  readonly minSendsPerHour?: number;
  /** Approved / started in the hour below which a country with that volume alarms. @default 0.3 */
  readonly minConversion?: number;
  /** Where the activity stream's metrics are (`OtpActivityStream.metricNamespace`). */
  readonly metricNamespace: string;
  /** Their `service` dimension (`OtpActivityStream.serviceName`). */
  readonly serviceName: string;
  readonly alarmTopic?: ITopic;
  readonly logRetention?: logs.RetentionDays;
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The conversion-collapse alarm (docs/operations.md#conversion-collapse) as one scheduled function and
 * one alarm, whatever the number of countries. Five minutes past each hour (the activity stream's EMF
 * for the hour has landed by then) an EventBridge schedule rule runs the watch
 * (functions/activity/conversion-watch.ts): one GetMetricData call reads every watched country's SMS
 * `Sent` and `Approved` for the last full hour and the hour before, each country at least
 * `minSendsPerHour` sends, under `minConversion` approved and above the earlier hour's sends is logged,
 * and their number is published (`ConversionCollapsedCountries`, EMF) for the alarm. An alarm cannot
 * compare an hour with the one before (metric math has no time shift), and a metric-math alarm bills
 * every metric it reads ($0.10 each a month: $4.60 for the default 23 countries); this costs one alarm
 * metric plus ~$0.34 a month of GetMetricData. A second alarm, on the function's errors, says when an
 * hour went unjudged: without its count the first keeps its state (docs/operations.md#conversion-watch).
 *
 * Why a schedule rule, not EventBridge Scheduler: both are free at one run an hour (a rule's scheduled
 * events are AWS events on the default bus), but a rule invokes the function through its resource
 * policy, where Scheduler needs a role of its own to assume; the key rotation (otp-key-rotation.ts)
 * runs the same way.
 */
export class OtpConversionWatch extends Construct {
  readonly function: OtpFunction;
  readonly schedule: events.Rule;
  /**
   * Countries whose SMS conversion collapsed in the hour judged: one datapoint a run, stamped when the
   * run wrote it (the hour judged is the EMF line's `hour`), so on a graph it sits in the hour after.
   */
  readonly collapsedCountries: cloudwatch.Metric;
  readonly alarm: cloudwatch.Alarm;
  /**
   * An hour the watch could not judge (every attempt of its run failed). Without a count the alarm
   * above keeps whatever state it had, so a watch that keeps failing would otherwise leave it OK.
   */
  readonly failureAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: OtpConversionWatchProps) {
    super(scope, id);
    if (props.countries.length === 0) throw new Error('OtpConversionWatch needs at least one country');
    const minSends = props.minSendsPerHour ?? DEFAULT_COLLAPSE_THRESHOLDS.minSendsPerHour;
    const minConversion = props.minConversion ?? DEFAULT_COLLAPSE_THRESHOLDS.minConversion;
    if (!Number.isInteger(minSends) || minSends < 1)
      throw new Error('conversionCollapse.minSendsPerHour must be a whole number, at least 1');
    if (!(minConversion >= 0 && minConversion <= 1))
      throw new Error('conversionCollapse.minConversion must be a fraction from 0 to 1');

    this.function = new OtpFunction(this, 'Function', {
      entry: handlerEntry('conversion-watch'),
      description: "onetime: hourly watch of each country's SMS conversion (SMS pumping)",
      memorySize: 256,
      timeout: Duration.seconds(30),
      ...(props.logRetention ? { logGroupRetention: props.logRetention } : {}),
      ...(props.removalPolicy ? { logGroupRemovalPolicy: props.removalPolicy } : {}),
      environment: {
        [POWERTOOLS_SERVICE_NAME]: props.serviceName,
        [POWERTOOLS_METRICS_NAMESPACE]: props.metricNamespace,
        [POWERTOOLS_LOG_LEVEL]: 'INFO',
        [CONVERSION_WATCH_COUNTRIES]: props.countries.join(','),
        [CONVERSION_WATCH_MIN_SENDS_PER_HOUR]: String(minSends),
        [CONVERSION_WATCH_MIN_CONVERSION]: String(minConversion),
      },
    });
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadActivityMetrics',
        actions: ['cloudwatch:GetMetricData'],
        // GetMetricData has no resource-level permissions: IAM authorises it against "*" only.
        resources: ['*'],
      }),
    );
    acknowledgeStarGrants(
      this.function,
      'nor does cloudwatch:GetMetricData (the service authorization reference lists no resource type ' +
        "for it), with which the watch reads the activity stream's Sent and Approved by country. Its " +
        'own metric is an EMF log line, so it has no PutMetricData grant.',
    );

    this.schedule = new events.Rule(this, 'Schedule', {
      description: "onetime: the hourly conversion watch, on the last full hour's metrics",
      schedule: events.Schedule.cron({ minute: '5' }),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 2 })],
    });

    this.collapsedCountries = new cloudwatch.Metric({
      namespace: props.metricNamespace,
      metricName: COLLAPSE_METRIC,
      dimensionsMap: { service: props.serviceName },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.hours(1),
      label: 'Countries with collapsed SMS conversion',
    });
    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      metric: this.collapsedCountries,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // Evaluated every minute over the hour before, where each run's datapoint is, stamped when written
      // (a run retried late too: stamped with the hour it judged, it would sit under newer datapoints and
      // never be evaluated). Two runs in that hour: the larger count. None: the alarm keeps its state.
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      alarmDescription:
        `onetime: SMS conversion collapsed in ${props.countries.length === 1 ? 'a watched country' : 'watched countries'} ` +
        `(at least ${minSends} SMS verifications in an hour, more than the hour before, fewer than ` +
        `${Math.round(minConversion * 100)}% approved): possible SMS pumping. Which countries: Logs Insights ` +
        `on the conversion-watch function's log group: ${collapseQuery()} ${runbook('conversion-collapse')}`,
    });
    this.failureAlarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      metric: this.function.metricErrors({ period: Duration.hours(1), statistic: cloudwatch.Stats.SUM }),
      // A run is tried three times (Lambda retries an asynchronous invocation twice), within minutes.
      threshold: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription:
        'onetime: the hourly conversion watch failed every attempt of a run, so that hour was not judged ' +
        `and the conversion-collapse alarm kept its state. ${runbook('conversion-watch')}`,
    });
    if (props.alarmTopic) {
      for (const alarm of [this.alarm, this.failureAlarm]) {
        alarm.addAlarmAction(new SnsAction(props.alarmTopic));
        alarm.addOkAction(new SnsAction(props.alarmTopic));
      }
    }
  }
}

/** The Logs Insights query that lists the collapsed countries, one row per country and hour. */
export const collapseQuery = () =>
  `fields @timestamp, country, sends, approvals, rate, earlierSends, hour | filter message = "${COLLAPSE_LOG_MESSAGE}" | sort @timestamp desc`;
