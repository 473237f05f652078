import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { watchedCountries } from '../functions/core/conversion-collapse.ts';
import { CHANNELS } from '../functions/core/verification.ts';
import {
  EVENT_BUS_NAME,
  POWERTOOLS_LOG_LEVEL,
  POWERTOOLS_METRICS_NAMESPACE,
  POWERTOOLS_SERVICE_NAME,
} from '../functions/env.ts';
import { OtpConversionWatch } from './conversion-watch.ts';
import { acknowledgeStarGrants } from './nag.ts';
import { handlerEntry, OtpFunction, type OtpFunctionProps } from './otp-function.ts';
import { runbook } from './runbook.ts';

export interface OtpActivityStreamProps {
  /**
   * The verification table. It must have a stream with both images:
   * `stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES`.
   */
  readonly table: dynamodb.ITable;
  /** Where status changes are published. @default the account's default event bus */
  readonly eventBus?: events.IEventBus;
  /** CloudWatch namespace of the metrics. @default 'onetime' */
  readonly metricNamespace?: string;
  /**
   * The `service` dimension of every metric (Powertools' service name). Give each deployment in one
   * account and region its own. @default 'onetime'
   */
  readonly serviceName?: string;
  /** Stream records per invocation. @default 100 */
  readonly batchSize?: number;
  /** Retries of a failing batch (halved each time) before it goes to the failure queue. @default 10 */
  readonly retryAttempts?: number;
  /** Concurrent batches per stream shard (1–10); records of one item stay in order. @default 1 */
  readonly parallelizationFactor?: number;
  /** Where alarms (and their return to OK) are sent. @default alarms notify nobody */
  readonly alarmTopic?: ITopic;
  /** Deliveries a provider refused, per 5 minutes (every channel), that alarm. @default 1 */
  readonly deliveryFailuresThreshold?: number;
  /** A dashboard to add the activity widgets to (e.g. `OtpService.dashboard`). @default none */
  readonly dashboard?: cloudwatch.Dashboard;
  /** The spend-brake metric to graph beside the activity (`OtpService.spendBrakeHits`). @default none */
  readonly spendBrakeHits?: cloudwatch.IMetric;
  /** Retention of the function's log group. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** What happens to the log group and the failure queue when they leave the stack. @default RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** Overrides for the function (memory, timeout, …); `environment` is merged. */
  readonly functionProps?: Partial<OtpFunctionProps>;
  /**
   * A phone provider asks for conversion feedback (SMS through End User Messaging or Notify, voice
   * through `SendVoiceMessage` or Notify): the function may call `sms-voice:PutMessageFeedback`, to report
   * the message of each approved verification as received (functions/core/feedback.ts). `OtpService`
   * sets it from its providers. @default false
   */
  readonly messageFeedback?: boolean;
  /**
   * The alarm on SMS conversion collapsing in a country (docs/operations.md#conversion-collapse): an
   * hourly function reads `countries`' metrics and one alarm watches what it finds
   * (infra/conversion-watch.ts); `OtpService` passes `allowedCountries` when it is a list. `false`, or
   * no countries: no watch and no alarm. @default no countries
   */
  readonly conversionAlarm?: ConversionAlarmProps | false;
}

/**
 * When a country's SMS conversion counts as collapsed (per clock hour, one country at a time): at least
 * `minSendsPerHour` sends, more than in the hour before, and fewer than `minConversion` approved.
 */
export interface ConversionAlarmProps {
  /** ISO 3166 alpha-2 codes of the countries to watch; also graphed on the dashboard. */
  readonly countries: readonly string[];
  /** SMS verifications started in the hour, in one country, below which nothing alarms. @default 20 */
  readonly minSendsPerHour?: number;
  /** Approved / started, in the hour, below which a country with that volume alarms. @default 0.3 */
  readonly minConversion?: number;
}

/**
 * Metrics and status-change events, derived from the verification table's DynamoDB stream (a
 * transactional outbox: nothing is published from the request path, so nothing is lost between a
 * write and its event, and the hot functions carry no EventBridge or metrics code).
 *
 * One function reads the stream (filtered to verification items, `pk` beginning `v#`), writes the
 * metrics as EMF (namespace `onetime`, dimension `channel`; `Sent` and `Approved` also by `channel` +
 * `country`), reports approved verifications' messages to AWS as received when a provider asked for
 * conversion feedback (`messageFeedback`), and puts one EventBridge event per status change
 * (`source: onetime`, `detail-type: Verification <status>`). Records whose events could not be
 * published are reported back (ReportBatchItemFailures) and retried; a batch that keeps failing is
 * split in halves, and after `retryAttempts` its position goes to an SQS queue. Alarms: deliveries
 * refused, the stream falling behind, batches given up, and SMS conversion collapsing in a watched
 * country (`conversionAlarm`: an hourly watch function and one alarm, infra/conversion-watch.ts).
 */
export class OtpActivityStream extends Construct {
  readonly function: OtpFunction;
  /** Batches given up after their retries (the event source mapping's on-failure destination). */
  readonly failedBatches: sqs.Queue;
  readonly eventBus: events.IEventBus;
  readonly metricNamespace: string;
  readonly serviceName: string;
  /** Verifications started (every channel), per 5 minutes. */
  readonly sent: cloudwatch.IMetric;
  readonly approved: cloudwatch.IMetric;
  readonly deliveryFailed: cloudwatch.IMetric;
  /** Approved / Sent over an hour, every channel. */
  readonly conversion: cloudwatch.MathExpression;
  /** Approved / Sent over an hour, one per channel. */
  readonly conversionByChannel: Readonly<Record<string, cloudwatch.MathExpression>>;
  readonly alarms: cloudwatch.Alarm[] = [];
  /** The hourly conversion watch and its one alarm, when countries are watched (`conversionAlarm`). */
  readonly conversionWatch?: OtpConversionWatch;

  constructor(scope: Construct, id: string, props: OtpActivityStreamProps) {
    super(scope, id);
    if (!props.table.tableStreamArn) {
      throw new Error(
        'OtpActivityStream needs a table with a stream: set `stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES` on it',
      );
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.metricNamespace = props.metricNamespace ?? 'onetime';
    this.serviceName = props.serviceName ?? 'onetime';
    this.eventBus = props.eventBus ?? events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');

    const override = props.functionProps ?? {};
    this.function = new OtpFunction(this, 'Function', {
      entry: handlerEntry('activity'),
      description: 'onetime: metrics and status-change events from the table stream',
      memorySize: 512,
      timeout: Duration.seconds(60),
      logGroupRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      logGroupRemovalPolicy: removalPolicy,
      ...override,
      environment: {
        [POWERTOOLS_SERVICE_NAME]: this.serviceName,
        [POWERTOOLS_METRICS_NAMESPACE]: this.metricNamespace,
        [POWERTOOLS_LOG_LEVEL]: 'INFO',
        [EVENT_BUS_NAME]: this.eventBus.eventBusName,
        ...override.environment,
      },
    });
    this.eventBus.grantPutEventsTo(this.function);
    if (props.messageFeedback) {
      this.function.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ConversionFeedback',
          actions: ['sms-voice:PutMessageFeedback'],
          // The action takes no resource: it names a message id, which has no ARN.
          resources: ['*'],
        }),
      );
    }

    this.failedBatches = new sqs.Queue(this, 'FailedBatches', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    Validations.of(this.failedBatches).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter destination: the on-failure destination of the stream event ' +
        'source mapping, holding the positions of batches given up after their retries.',
    });

    this.function.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: props.batchSize ?? 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: props.retryAttempts ?? 10,
        reportBatchItemFailures: true,
        parallelizationFactor: props.parallelizationFactor ?? 1,
        onFailure: new SqsDlq(this.failedBatches),
        // Verification items only: limit counters and idempotency keys never reach the function.
        filters: [
          lambda.FilterCriteria.filter({
            dynamodb: { Keys: { pk: { S: lambda.FilterRule.beginsWith('v#') } } },
          }),
        ],
      }),
    );

    acknowledgeStarGrants(
      this.function,
      props.messageFeedback
        ? 'nor do sms-voice:PutMessageFeedback (it names a message id, which has no ARN: the service ' +
            'authorization reference lists no resource type for it) and dynamodb:ListStreams, granted with the stream read.'
        : 'nor does dynamodb:ListStreams, granted with the stream read.',
    );

    const fiveMinutes = Duration.minutes(5);
    this.sent = this.total('Sent', fiveMinutes);
    this.approved = this.total('Approved', fiveMinutes);
    this.deliveryFailed = this.total('DeliveryFailed', fiveMinutes);
    this.conversion = new cloudwatch.MathExpression({
      expression: 'approved / sent',
      usingMetrics: {
        approved: this.total('Approved', Duration.hours(1)),
        sent: this.total('Sent', Duration.hours(1)),
      },
      period: Duration.hours(1),
      label: 'Conversion (approved / sent)',
    });
    this.conversionByChannel = Object.fromEntries(
      CHANNELS.map((channel) => [channel, this.conversionOf(channel)]),
    );

    this.createAlarms(props);
    // Upper-cased, once each, ISO alpha-2 only: the watch and the dashboard watch the same countries.
    const countries = watchedCountries(props.conversionAlarm ? props.conversionAlarm.countries : []);
    if (props.conversionAlarm && countries.length > 0) {
      this.conversionWatch = new OtpConversionWatch(this, 'ConversionWatch', {
        ...props.conversionAlarm,
        countries,
        metricNamespace: this.metricNamespace,
        serviceName: this.serviceName,
        ...(props.alarmTopic ? { alarmTopic: props.alarmTopic } : {}),
        ...(props.logRetention ? { logRetention: props.logRetention } : {}),
        removalPolicy,
      });
      this.alarms.push(this.conversionWatch.alarm, this.conversionWatch.failureAlarm);
    }
    if (props.dashboard) this.addWidgets(props.dashboard, props.spendBrakeHits, countries);
  }

  /**
   * Approved / Sent of one channel, or of one country's SMS (`Sent` and `Approved` carry the country
   * dimension), over an hour: the conversion SMS pumping collapses.
   */
  conversionOf(channel: string, country?: string): cloudwatch.MathExpression {
    const hour = Duration.hours(1);
    const dimensionsMap = { service: this.serviceName, channel, ...(country ? { country } : {}) };
    // Ids unique per channel and country, so several conversions can share a graph.
    const suffix = `${channel}${country ? `_${country.toLowerCase()}` : ''}`;
    return new cloudwatch.MathExpression({
      expression: `approved_${suffix} / sent_${suffix}`,
      usingMetrics: {
        [`approved_${suffix}`]: this.metric('Approved', channel, { period: hour, dimensionsMap }),
        [`sent_${suffix}`]: this.metric('Sent', channel, { period: hour, dimensionsMap }),
      },
      period: hour,
      label: country ?? channel,
    });
  }

  /** One activity metric of one channel, as the function publishes it. */
  metric(metricName: string, channel: string, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.metricNamespace,
      metricName,
      dimensionsMap: { service: this.serviceName, channel },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
      ...options,
    });
  }

  /** One activity metric summed over every channel (a channel without data counts 0). */
  total(metricName: string, period: Duration): cloudwatch.MathExpression {
    // Ids unique per metric, so several totals can share a graph or an expression.
    const idOf = (channel: string) => `${metricName[0]!.toLowerCase()}${metricName.slice(1)}_${channel}`;
    const usingMetrics = Object.fromEntries(
      CHANNELS.map((channel) => [idOf(channel), this.metric(metricName, channel, { period })]),
    );
    return new cloudwatch.MathExpression({
      expression: CHANNELS.map((channel) => `FILL(${idOf(channel)}, 0)`).join(' + '),
      usingMetrics,
      period,
      label: metricName,
    });
  }

  private createAlarms(props: OtpActivityStreamProps): void {
    const add = (id: string, alarmProps: Omit<cloudwatch.AlarmProps, 'treatMissingData'>) => {
      const alarm = new cloudwatch.Alarm(this, id, {
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...alarmProps,
      });
      if (props.alarmTopic) {
        alarm.addAlarmAction(new SnsAction(props.alarmTopic));
        alarm.addOkAction(new SnsAction(props.alarmTopic));
      }
      this.alarms.push(alarm);
    };
    const deliveryFailures = props.deliveryFailuresThreshold ?? 1;
    add('DeliveryFailedAlarm', {
      // A cascade step its channel refused is a refused delivery too (the cascade moved on past it).
      metric: new cloudwatch.MathExpression({
        expression: 'refused + refusedSteps',
        usingMetrics: {
          refused: this.deliveryFailed,
          refusedSteps: this.total('CascadeStepFailed', Duration.minutes(5)),
        },
        period: Duration.minutes(5),
        label: 'Refused deliveries (sends and cascade steps)',
      }),
      threshold: deliveryFailures,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      alarmDescription: `onetime: providers refused deliveries (DeliveryFailed >= ${deliveryFailures} in 5 minutes, every channel). ${runbook('delivery-failures')}`,
    });
    add('StreamBehindAlarm', {
      metric: this.function.metric('IteratorAge', {
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(1),
      }),
      threshold: Duration.minutes(5).toMilliseconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      alarmDescription: `onetime: metrics and events are more than 5 minutes behind the table (iterator age). ${runbook('stream-behind')}`,
    });
    add('FailedBatchesAlarm', {
      metric: this.failedBatches.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      alarmDescription: `onetime: stream batches were given up; their metrics and events are missing. ${runbook('failed-batches')}`,
    });
  }

  private addWidgets(
    dashboard: cloudwatch.Dashboard,
    spendBrakeHits: cloudwatch.IMetric | undefined,
    countries: readonly string[],
  ): void {
    const fiveMinutes = Duration.minutes(5);
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Verifications',
        left: ['Sent', 'Resent', 'Approved', 'WrongCode', 'Expired', 'Canceled'].map((name) =>
          this.total(name, fiveMinutes),
        ),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Conversion (approved / sent, hourly)',
        left: [this.conversion, ...Object.values(this.conversionByChannel)],
        leftYAxis: { min: 0, max: 1 },
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Refused, limited, cascade steps',
        left: [
          this.deliveryFailed,
          this.total('MaxAttemptsReached', fiveMinutes),
          this.total('CascadeStepSent', fiveMinutes),
          this.total('CascadeStepFailed', fiveMinutes),
          this.total('CascadeStepSkipped', fiveMinutes),
          ...(spendBrakeHits ? [spendBrakeHits] : []),
          this.total('FeedbackReported', fiveMinutes),
          this.total('FeedbackNotReported', fiveMinutes),
        ],
        width: 8,
      }),
    );
    if (countries.length > 0) {
      dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'SMS conversion by country (approved / sent, hourly)',
          left: countries.map((country) => this.conversionOf('sms', country)),
          leftYAxis: { min: 0, max: 1 },
          // What the hourly watch found: the number its alarm watches.
          ...(this.conversionWatch ? { right: [this.conversionWatch.collapsedCountries] } : {}),
          width: 12,
        }),
        new cloudwatch.GraphWidget({
          title: 'SMS verifications by country (hourly)',
          left: countries.map((country) =>
            this.metric('Sent', 'sms', {
              period: Duration.hours(1),
              dimensionsMap: { service: this.serviceName, channel: 'sms', country },
              label: country,
            }),
          ),
          width: 12,
        }),
      );
    }
  }
}
