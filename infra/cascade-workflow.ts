import { Duration, Names, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { CASCADE_STATE_MACHINE_ARN } from '../functions/env.ts';
import { CASCADE_STEP_RETRYABLE, CASCADE_TASK_INVALID_INPUT } from '../functions/workflow/cascade-task.ts';
import { tracingAt } from './tracing.ts';

/**
 * The cascade (docs/cascade.md): the start function sends a delayed SQS message carrying the
 * verification id; when the first step is due, the starter function reads the verification and, only
 * if it is still pending, starts this Standard workflow, named after the verification. The workflow
 * loops: the step task places every step that is due and answers how long until the next one; the
 * workflow waits that long (Standard waits cost nothing) and runs the task again, until it answers
 * `done`. Most codes are verified before the first step, so most verifications never start an
 * execution: that is what keeps orchestration near $1 per million (the cost table in docs/cascade.md).
 *
 * The state names are part of the contract with local mode, which binds its task by name
 * (aws-local-stepfunctions overrides); they are exported so nothing spells them twice.
 */
export const CASCADE_STATES = {
  place: 'PlaceDueSteps',
  more: 'MoreSteps',
  wait: 'WaitForNextStep',
  done: 'CascadeDone',
  recordFailure: 'RecordFailure',
  failed: 'CascadeFailed',
} as const;

/** The error the workflow ends with when its task kept failing (AWS/States `ExecutionsFailed`). */
export const CASCADE_FAILED = 'CascadeFailed';

/** The attribute the Catch path writes on the verification: the name of the error that ended the cascade. */
export const CASCADE_ERROR_ATTRIBUTE = 'cascadeError';

export interface CascadeWorkflowProps {
  /** The verification table (partition key `pk`). The state machine writes one attribute on failure. */
  readonly table: dynamodb.ITable;
  /** The function that places due steps (functions/handlers/cascade-step.ts). */
  readonly stepFunction: lambda.IFunction;
  /** The function that consumes the delayed messages (functions/handlers/cascade-start.ts). */
  readonly starterFunction: lambda.Function;
  /** The longest a cascade can run: the code's validity, after which no step is placed. */
  readonly codeValidity: Duration;
  /**
   * Log the states' input and output too. Off by default: the data is only the id and a wait, but
   * logs are kept and copied more widely than execution history, so they get nothing.
   * @default false
   */
  readonly logExecutionData?: boolean;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** What happens to the log group when it leaves the stack. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** DynamoDB errors of the direct integration that a retry with backoff can outlast. */
const DYNAMODB_TRANSIENT_ERRORS = [
  'DynamoDB.ProvisionedThroughputExceededException',
  'DynamoDB.RequestLimitExceeded',
  'DynamoDB.ThrottlingException',
  'DynamoDB.InternalServerErrorException',
];

export class CascadeWorkflow extends Construct {
  /** Holds each cascade's start back until its first step is due (SQS delay, at most 15 minutes). */
  readonly queue: sqs.Queue;
  /** Messages whose start kept failing (alarmed). */
  readonly deadLetterQueue: sqs.Queue;
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: CascadeWorkflowProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the starter's timeout, as Lambda's event source mapping asks.
      visibilityTimeout: Duration.seconds(60),
      // Retention counts from the send, delay included: a day leaves every failed start time to reach
      // the dead-letter queue (and be alarmed) rather than expire unseen. The starter re-checks the
      // verification, so a late message starts nothing for a code already used or expired.
      retentionPeriod: Duration.days(1),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 3 },
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      // Step Functions delivers logs as vended logs; this prefix keeps them out of the account's
      // (size-limited) CloudWatch Logs resource policy.
      logGroupName: `/aws/vendedlogs/states/${Names.uniqueResourceName(this, { maxLength: 200 })}`,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy,
    });
    this.stateMachine = this.#createStateMachine(props);

    // The starter: batches of delayed messages, a failed start reported per message.
    props.starterFunction.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }),
    );
    props.starterFunction.addEnvironment(CASCADE_STATE_MACHINE_ARN, this.stateMachine.stateMachineArn);
    this.stateMachine.grantStartExecution(props.starterFunction);
  }

  #createStateMachine(props: CascadeWorkflowProps): sfn.StateMachine {
    const state = CASCADE_STATES;
    const place = new tasks.LambdaInvoke(this, state.place, {
      comment:
        'Claims each due step with a conditional write, sends it, and answers the wait until the next.',
      lambdaFunction: props.stepFunction,
      payload: sfn.TaskInput.fromObject({ 'verificationId.$': '$.verificationId' }),
      // The function's own answer, `{verificationId, done, waitSeconds?}`, not Lambda's envelope; it
      // replaces the state's input (no ResultPath), so the history holds nothing else.
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      taskTimeout: sfn.Timeout.duration(Duration.seconds(60)),
    });
    // An input that is no verification id cannot get better: no retry.
    place.addRetry({ errors: [CASCADE_TASK_INVALID_INPUT], maxAttempts: 0 });
    place.addRetry({
      errors: [
        'Lambda.TooManyRequestsException',
        'Lambda.ServiceException',
        'Lambda.AWSLambdaException',
        'Lambda.SdkClientException',
        'Lambda.ClientExecutionTimeoutException',
        CASCADE_STEP_RETRYABLE,
      ],
      interval: Duration.seconds(1),
      backoffRate: 2,
      maxAttempts: 5,
      maxDelay: Duration.seconds(20),
      jitterStrategy: sfn.JitterType.FULL,
    });
    // Anything else (a DynamoDB 500, a timeout, a fault of ours after a step was recorded failed): a
    // retry is safe, each step being claimed by a conditional write, and moves the cascade on.
    place.addRetry({
      errors: ['States.ALL'],
      interval: Duration.seconds(2),
      backoffRate: 2,
      maxAttempts: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });

    const key = {
      pk: tasks.DynamoAttributeValue.fromString(
        sfn.JsonPath.format(
          'v#{}',
          sfn.JsonPath.arrayGetItem(
            sfn.JsonPath.stringSplit(sfn.JsonPath.stringAt('$.verificationId'), '.'),
            0,
          ),
        ),
      ),
    };
    const recordFailure = new tasks.DynamoUpdateItem(this, state.recordFailure, {
      comment: 'Writes the error name on the verification (only if it is still the same one).',
      table: props.table,
      key,
      conditionExpression: '#id = :id',
      updateExpression: 'SET #error = :error',
      expressionAttributeNames: { '#id': 'id', '#error': CASCADE_ERROR_ATTRIBUTE },
      expressionAttributeValues: {
        ':id': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.verificationId')),
        ':error': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.error.Error')),
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    recordFailure.addRetry({
      errors: DYNAMODB_TRANSIENT_ERRORS,
      interval: Duration.seconds(1),
      backoffRate: 2,
      maxAttempts: 3,
      jitterStrategy: sfn.JitterType.FULL,
    });
    const failed = new sfn.Fail(this, state.failed, {
      comment: 'Never silent: ends the execution as failed (AWS/States ExecutionsFailed, alarmed).',
      error: CASCADE_FAILED,
      causePath: '$.error.Error',
    });
    recordFailure.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.recordError' });
    place.addCatch(recordFailure.next(failed), { errors: ['States.ALL'], resultPath: '$.error' });

    const wait = new sfn.Wait(this, state.wait, {
      comment: "Until the next step is due (the task's answer).",
      time: sfn.WaitTime.secondsPath('$.waitSeconds'),
    });
    const done = new sfn.Succeed(this, state.done, { comment: 'Verified, closed, or every step placed.' });
    const more = new sfn.Choice(this, state.more)
      .when(sfn.Condition.booleanEquals('$.done', false), wait.next(place))
      .otherwise(done);

    // Traced unless the service's tracing is `off`; `sampled` and `all` leave the sampling to the
    // account's rules (cascades are the few verifications still pending at their first step).
    const traced = tracingAt(this) !== 'off';
    const machine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'onetime: re-delivers a code on the next channels of its cascade while it is not verified',
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(place.next(more)),
      // Steps end with the code's validity; then room for the last one's retries.
      timeout: props.codeValidity.plus(Duration.minutes(10)),
      tracingEnabled: traced,
      logs: {
        destination: this.logGroup,
        level: sfn.LogLevel.ALL,
        includeExecutionData: props.logExecutionData ?? false,
      },
    });
    if (!traced) {
      Validations.of(machine).acknowledge({
        id: 'AwsSolutions-SF2',
        reason:
          "Tracing is off by the service's `tracing: 'off'`: every state's event is still logged to the " +
          "workflow's log group and kept in the execution history.",
      });
    }
    return machine;
  }

  readonly #logFailures: cloudwatch.Metric[] = [];

  /**
   * Counts the lines of `logGroup` whose message is `message` as cascade failures too: a start that
   * could not schedule its cascade, a starter that could not start an execution (SQS retries those
   * quietly until the dead-letter queue).
   */
  watchLog(id: string, logGroup: logs.ILogGroup, message: string, metricNamespace: string): void {
    const filter = new logs.MetricFilter(this, id, {
      logGroup,
      filterPattern: logs.FilterPattern.stringValue('$.message', '=', message),
      metricNamespace,
      metricName: id,
      metricValue: '1',
    });
    this.#logFailures.push(filter.metric({ statistic: cloudwatch.Stats.SUM }));
  }

  /** Executions that ended failed or timed out, messages dead-lettered, and the watched log lines. */
  metricFailures(props: cloudwatch.MetricOptions = {}): cloudwatch.IMetric {
    const logged = Object.fromEntries(
      this.#logFailures.map((metric, i) => [
        `logged${i}`,
        metric.with({ ...props, statistic: cloudwatch.Stats.SUM }),
      ]),
    );
    return new cloudwatch.MathExpression({
      expression: ['failed', 'timedOut', 'dead', ...Object.keys(logged)]
        .map((id) => `FILL(${id}, 0)`)
        .join(' + '),
      usingMetrics: {
        failed: this.stateMachine.metricFailed(props),
        timedOut: this.stateMachine.metricTimedOut(props),
        dead: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible(props),
        ...logged,
      },
      label: 'Cascade failures',
      ...(props.period ? { period: props.period } : {}),
    });
  }
}
