import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../functions/core/verification.ts';
import { OtpActivityStream, type OtpActivityStreamProps } from '../../infra/activity-stream.ts';
import { actionsOf, ENV, type Resource, resources, type Statement, statements } from '../support/synth.ts';

/** A small stack: the table as OtpService makes it, with a stream, and the activity stream on it. */
function synthesize(
  options: { stream?: boolean; bus?: boolean; extra?: Partial<OtpActivityStreamProps> } = {},
) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'ActivityTest', { env: ENV });
  const table = new dynamodb.Table(stack, 'Table', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: 'ttl',
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    ...(options.stream === false ? {} : { stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES }),
  });
  const dashboard = new cloudwatch.Dashboard(stack, 'Dashboard');
  const activity = new OtpActivityStream(stack, 'Activity', {
    table,
    dashboard,
    ...(options.bus === false
      ? {}
      : { eventBus: new events.EventBus(stack, 'Bus', { eventBusName: 'otp-events' }) }),
    ...options.extra,
  });
  return { app, stack, activity, template: Template.fromStack(stack) };
}

function findings(scope: IConstruct): string[] {
  const { violations } = new AwsSolutionsChecks(scope).validateScope(scope);
  return violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
}

/** The statements of the activity function's role. */
function activityStatements(template: Template): Statement[] {
  const [fn] = Object.values(resources(template, 'AWS::Lambda::Function')).filter((f) =>
    String(f.Properties['Description']).includes('table stream'),
  );
  const roleId = (fn!.Properties['Role'] as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return statements(template).filter((s) =>
    s.roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })),
  );
}

/** The alarm on refused deliveries. */
function deliveryAlarmOf(template: Template): Resource {
  const alarm = Object.values(resources(template, 'AWS::CloudWatch::Alarm')).find((a) =>
    String(a.Properties['AlarmDescription']).includes('refused deliveries'),
  );
  if (!alarm) throw new Error('no alarm on refused deliveries');
  return alarm;
}

let withBus: ReturnType<typeof synthesize>;
let defaultBus: ReturnType<typeof synthesize>;
beforeAll(() => {
  withBus = synthesize();
  defaultBus = synthesize({ bus: false });
});

describe('OtpActivityStream', () => {
  it('refuses a table without a stream, saying what to set', () => {
    expect(() => synthesize({ stream: false })).toThrow(
      /stream: dynamodb\.StreamViewType\.NEW_AND_OLD_IMAGES/,
    );
  });

  it('reads the stream from its start, verification items only, with partial-batch retries and a failure queue', () => {
    const [mapping] = Object.values(resources(withBus.template, 'AWS::Lambda::EventSourceMapping'));
    const [queueId] = Object.keys(resources(withBus.template, 'AWS::SQS::Queue'));
    expect(mapping?.Properties).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      ParallelizationFactor: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      FilterCriteria: {
        Filters: [{ Pattern: JSON.stringify({ dynamodb: { Keys: { pk: { S: [{ prefix: 'v#' }] } } } }) }],
      },
    });
    expect(JSON.stringify(mapping?.Properties['EventSourceArn'])).toContain('StreamArn');
  });

  it('keeps failed batches in an encrypted queue that refuses plain HTTP', () => {
    withBus.template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    withBus.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('may put events on its bus and nowhere else, and names the bus to the function', () => {
    const list = activityStatements(withBus.template);
    const putEvents = list.filter((s) => actionsOf([s]).includes('events:PutEvents'));
    expect(putEvents).toHaveLength(1);
    expect(putEvents[0]!.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Bus/), 'Arn'] });
    expect(actionsOf(list).filter((a) => a.startsWith('events:'))).toEqual(['events:PutEvents']);
    expect(
      actionsOf(list)
        .filter((a) => a.startsWith('dynamodb:'))
        .sort(),
    ).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
    ]);
    withBus.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('table stream'),
      Environment: {
        Variables: Match.objectLike({
          EVENT_BUS_NAME: { Ref: Match.stringLikeRegexp('^Bus') },
          POWERTOOLS_METRICS_NAMESPACE: 'onetime',
          POWERTOOLS_SERVICE_NAME: 'onetime',
        }),
      },
    });
  });

  it('uses the default bus when given none', () => {
    const putEvents = activityStatements(defaultBus.template).filter((s) =>
      actionsOf([s]).includes('events:PutEvents'),
    );
    expect(JSON.stringify(putEvents.map((s) => s.Resource))).toContain(':event-bus/default');
    defaultBus.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ EVENT_BUS_NAME: 'default' }) },
    });
  });

  it('alarms when a delivery is refused (DeliveryFailed >= 1 in 5 minutes, every channel)', () => {
    const alarm = deliveryAlarmOf(withBus.template);
    expect(alarm.Properties).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    const queries = alarm.Properties['Metrics'] as Array<Record<string, unknown>>;
    // Refused sends and refused cascade steps, each summed over every channel.
    expect(queries.filter((q) => q['Expression']).map((q) => q['Expression'])).toEqual([
      'refused + refusedSteps',
      CHANNELS.map((channel) => `FILL(deliveryFailed_${channel}, 0)`).join(' + '),
      CHANNELS.map((channel) => `FILL(cascadeStepFailed_${channel}, 0)`).join(' + '),
    ]);
    const stats = queries.flatMap((q) => (q['MetricStat'] ? [q['MetricStat']] : [])) as Array<{
      Metric: { Namespace: string; MetricName: string; Dimensions: Array<{ Name: string; Value: string }> };
      Period: number;
      Stat: string;
    }>;
    expect(
      stats
        .map((s) => `${s.Metric.MetricName} ${s.Metric.Dimensions.find((d) => d.Name === 'channel')?.Value}`)
        .sort(),
    ).toEqual(
      ['DeliveryFailed', 'CascadeStepFailed']
        .flatMap((name) => CHANNELS.map((channel) => `${name} ${channel}`))
        .sort(),
    );
    for (const stat of stats) {
      expect(stat).toMatchObject({
        Period: 300,
        Stat: 'Sum',
        Metric: {
          Namespace: 'onetime',
          MetricName: expect.stringMatching(/^(DeliveryFailed|CascadeStepFailed)$/),
        },
      });
    }
  });

  it('alarms on refused deliveries from the threshold it is given', () => {
    const { template } = synthesize({ extra: { deliveryFailuresThreshold: 3 } });
    expect(deliveryAlarmOf(template).Properties['Threshold']).toBe(3);
  });

  it('alarms when the stream falls behind or batches are given up', () => {
    const descriptions = Object.values(resources(withBus.template, 'AWS::CloudWatch::Alarm')).map((a) =>
      String(a.Properties['AlarmDescription']),
    );
    expect(descriptions).toEqual(
      expect.arrayContaining([expect.stringMatching(/iterator age/), expect.stringMatching(/given up/)]),
    );
  });

  it('puts the conversion (approved / sent) on the dashboard', () => {
    expect(withBus.activity.conversion.expression).toBe('approved / sent');
    const body = JSON.stringify(resources(withBus.template, 'AWS::CloudWatch::Dashboard'));
    expect(body).toContain('approved / sent');
    expect(body).toContain('Conversion');
  });

  it('may report conversion feedback (sms-voice:PutMessageFeedback, on `*`: a message id has no ARN) only when a provider asks for it', () => {
    const feedbackGrants = (template: Template) =>
      activityStatements(template).filter((s) => actionsOf([s]).includes('sms-voice:PutMessageFeedback'));
    expect(feedbackGrants(withBus.template)).toEqual([]);
    expect(actionsOf(activityStatements(withBus.template))).not.toContain('sms-voice:PutMessageFeedback');
    const { template, stack } = synthesize({ extra: { messageFeedback: true } });
    expect(
      feedbackGrants(template).map(({ Sid, Effect, Action, Resource }) => ({
        Sid,
        Effect,
        Action,
        Resource,
      })),
    ).toEqual([
      { Sid: 'ConversionFeedback', Effect: 'Allow', Action: 'sms-voice:PutMessageFeedback', Resource: '*' },
    ]);
    // The only other `*` grants are X-Ray's and the stream's ListStreams, as without feedback.
    const starred = activityStatements(template)
      .filter((s) => s.Resource === '*' || (Array.isArray(s.Resource) && s.Resource.includes('*')))
      .flatMap((s) => actionsOf([s]));
    expect(new Set(starred)).toEqual(
      new Set([
        'sms-voice:PutMessageFeedback',
        'dynamodb:ListStreams',
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
      ]),
    );
    expect(findings(stack)).toEqual([]);
    const reasons = JSON.stringify(stack.node.findAll().flatMap((c) => c.node.metadata.map((m) => m.data)));
    expect(reasons).toMatch(/sms-voice:PutMessageFeedback \(it names a message id, which has no ARN/);
  });

  it('watches SMS conversion by country with one hourly function and one alarm, however many countries', () => {
    const countries = ['us', 'CA', 'GB', 'FR', 'DE', 'ES', 'IT', 'CA', 'EU1'];
    const { template, activity, stack } = synthesize({
      extra: { conversionAlarm: { countries, minSendsPerHour: 40, minConversion: 0.25 } },
    });
    const alarms = Object.values(resources(template, 'AWS::CloudWatch::Alarm')).filter((a) =>
      String(a.Properties['AlarmDescription']).includes('SMS conversion collapsed'),
    );
    expect(alarms).toHaveLength(1);
    // Refused deliveries, the stream behind, batches given up, the watch's one alarm and its failures.
    expect(activity.alarms).toHaveLength(5);
    expect(alarms[0]!.Properties).toMatchObject({
      // One metric (a metric-math alarm of 7 countries would bill 14): the watch's hourly count.
      Metrics: [
        {
          MetricStat: {
            Metric: {
              Namespace: 'onetime',
              MetricName: 'ConversionCollapsedCountries',
              Dimensions: [{ Name: 'service', Value: 'onetime' }],
            },
            Stat: 'Maximum',
            Period: 3600,
          },
        },
      ],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'ignore',
      AlarmDescription: expect.stringMatching(
        /at least 40 SMS verifications in an hour, more than the hour before, fewer than 25% approved\).*filter message = "SMS conversion collapsed".*Runbook: docs\/operations\.md#conversion-collapse$/,
      ),
    });
    expect(alarms[0]!.Properties['Metrics']).toHaveLength(1);

    // The watch: its countries upper-cased, once each, ISO codes only; its thresholds.
    const [watch] = Object.values(resources(template, 'AWS::Lambda::Function')).filter((f) =>
      String(f.Properties['Description']).includes('conversion'),
    );
    expect(watch!.Properties['Environment']).toEqual({
      Variables: expect.objectContaining({
        CONVERSION_WATCH_COUNTRIES: 'US,CA,GB,FR,DE,ES,IT',
        CONVERSION_WATCH_MIN_SENDS_PER_HOUR: '40',
        CONVERSION_WATCH_MIN_CONVERSION: '0.25',
        POWERTOOLS_METRICS_NAMESPACE: 'onetime',
        POWERTOOLS_SERVICE_NAME: 'onetime',
      }),
    });
    // Five minutes past every hour, by an EventBridge schedule rule.
    const watchId = Object.entries(resources(template, 'AWS::Lambda::Function')).find(
      ([, f]) => f === watch,
    )![0];
    const rules = Object.values(resources(template, 'AWS::Events::Rule')).filter((r) =>
      JSON.stringify(r.Properties['Targets']).includes(watchId),
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties['ScheduleExpression']).toBe('cron(5 * * * ? *)');
    // Its role reads metrics and nothing else (X-Ray's writes and its own log group aside); its own
    // metric is an EMF line, so no PutMetricData.
    const roleId = (watch!.Properties['Role'] as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const grants = statements(template).filter((st) =>
      st.roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })),
    );
    expect(actionsOf(grants).filter((a) => !/^(xray|logs):/.test(a))).toEqual(['cloudwatch:GetMetricData']);
    expect(grants.find((st) => actionsOf([st]).includes('cloudwatch:GetMetricData'))).toMatchObject({
      Resource: '*',
      Sid: 'ReadActivityMetrics',
    });

    // The dashboard still graphs each watched country's conversion and volume, and the watch's count.
    const body = JSON.stringify(resources(template, 'AWS::CloudWatch::Dashboard'));
    expect(body).toContain('SMS conversion by country');
    for (const c of ['us', 'ca', 'gb', 'fr', 'de', 'es', 'it'])
      expect(body).toContain(`approved_sms_${c} / sent_sms_${c}`);
    expect(body).not.toContain('eu1');
    expect(body).toContain('ConversionCollapsedCountries');
    expect(findings(stack)).toEqual([]);
    const reasons = JSON.stringify(stack.node.findAll().flatMap((c) => c.node.metadata.map((m) => m.data)));
    expect(reasons).toMatch(
      /cloudwatch:GetMetricData \(the service authorization reference lists no resource type/,
    );
  });

  it('alarms when an hourly run of the watch fails every attempt, since its own alarm then keeps its state', () => {
    const { template, activity } = synthesize({ extra: { conversionAlarm: { countries: ['US'] } } });
    const watchId = Object.entries(resources(template, 'AWS::Lambda::Function')).find(([, f]) =>
      String(f.Properties['Description']).includes('conversion'),
    )![0];
    const failed = Object.values(resources(template, 'AWS::CloudWatch::Alarm')).filter((a) =>
      JSON.stringify(a.Properties['Dimensions'] ?? []).includes(watchId),
    );
    expect(failed).toHaveLength(1);
    expect(failed[0]!.Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Statistic: 'Sum',
      Period: 3600,
      // A run is tried three times (Lambda's two retries of an asynchronous invocation), all within the hour.
      Threshold: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmDescription: expect.stringMatching(/Runbook: docs\/operations\.md#conversion-watch$/),
    });
    expect(activity.alarms).toContain(activity.conversionWatch!.failureAlarm);
  });

  it('refuses thresholds the watch could never apply', () => {
    expect(() =>
      synthesize({ extra: { conversionAlarm: { countries: ['US'], minConversion: 1.5 } } }),
    ).toThrow(/minConversion must be a fraction from 0 to 1/);
    expect(() =>
      synthesize({ extra: { conversionAlarm: { countries: ['US'], minSendsPerHour: 0 } } }),
    ).toThrow(/minSendsPerHour must be a whole number/);
  });

  it('makes no conversion watch nor alarm without countries, and graphs the conversion of every channel', () => {
    expect(withBus.activity.conversionWatch).toBeUndefined();
    expect(
      Object.values(resources(withBus.template, 'AWS::Lambda::Function')).filter((f) =>
        String(f.Properties['Description']).includes('conversion'),
      ),
    ).toEqual([]);
    const none = Object.values(resources(withBus.template, 'AWS::CloudWatch::Alarm')).filter((a) =>
      String(a.Properties['AlarmDescription']).includes('SMS conversion collapsed'),
    );
    expect(none).toEqual([]);
    const body = JSON.stringify(resources(withBus.template, 'AWS::CloudWatch::Dashboard'));
    for (const channel of CHANNELS) expect(body).toContain(`approved_${channel} / sent_${channel}`);
    expect(body).toContain('FeedbackNotReported');
  });

  it.each([
    ['an event bus of its own', () => withBus],
    ['the default bus', () => defaultBus],
  ])('cdk-nag AwsSolutions finds nothing unacknowledged with %s', (_, synthesized) => {
    expect(findings(synthesized().stack)).toEqual([]);
  });
});
