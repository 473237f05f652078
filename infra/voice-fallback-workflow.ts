import { Duration, Names, RemovalPolicy } from 'aws-cdk-lib';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { DEFAULT_SETTINGS } from '../functions/core/settings.ts';
import { VOICE_CALL_RETRYABLE } from '../functions/workflow/voice-fallback-task.ts';

/**
 * The voice-fallback workflow (see docs/voice-fallback.md): wait, read the verification
 * through the direct DynamoDB integration, decide, and call through a Lambda that opens the sealed code.
 *
 * The state names are part of the contract with local mode, which binds its tasks and its wait by
 * name (aws-local-stepfunctions overrides); they are exported here so nothing spells them twice.
 */
export const VOICE_FALLBACK_STATES = {
  wait: 'WaitForCode',
  read: 'ReadVerification',
  decide: 'ShouldCall',
  call: 'PlaceVoiceCall',
  noCall: 'NoCallNeeded',
  recordFailure: 'RecordFailure',
  failed: 'VoiceCallFailed',
} as const;

/** The error the workflow ends with when the call could not be placed (AWS/States `ExecutionsFailed`). */
export const VOICE_FALLBACK_FAILED = 'VoiceFallbackFailed';

/** The attribute the Catch path writes on the verification: the name of the error that ended the call. */
export const VOICE_FALLBACK_ERROR_ATTRIBUTE = 'voiceFallbackError';

/**
 * The attributes the read asks for. Projected by DynamoDB itself, so the sealed code and the sealed
 * destination never reach Step Functions (not in the state output, not in the execution history).
 */
export const READ_ATTRIBUTES = ['id', 'status', 'voiceFallback', 'voiceCall'] as const;

/** Express executions end at 5 minutes: the wait must leave room for the read, the call and its retries. */
export const EXPRESS_MAX_WAIT = Duration.minutes(3);

export interface VoiceFallbackWorkflowProps {
  /** The verification table (partition key `pk`). The state machine reads it and writes one attribute. */
  readonly table: dynamodb.ITable;
  /** The function that places the call (functions/handlers/voice-fallback.ts). */
  readonly voiceFunction: lambda.IFunction;
  /** How long to wait for the SMS code before calling. @default DEFAULT_SETTINGS.voiceFallbackSeconds (60 s) */
  readonly wait?: Duration;
  /**
   * STANDARD (the default) or EXPRESS; docs/voice-fallback.md compares them. Express needs
   * `wait` ≤ 3 minutes and gives up the name-based deduplication of starts (the conditional write still
   * guarantees one call).
   * @default sfn.StateMachineType.STANDARD
   */
  readonly workflowType?: sfn.StateMachineType;
  /**
   * Log the states' input and output too. Off by default: the data is only the id and a few status
   * fields, but logs are kept and copied more widely than execution history, so they get nothing.
   * @default false
   */
  readonly logExecutionData?: boolean;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** What happens to the log group when it leaves the stack. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** DynamoDB errors of the direct integrations that a retry with backoff can outlast. */
const DYNAMODB_TRANSIENT_ERRORS = [
  'DynamoDB.ProvisionedThroughputExceededException',
  'DynamoDB.RequestLimitExceeded',
  'DynamoDB.ThrottlingException',
  'DynamoDB.InternalServerErrorException',
];

export class VoiceFallbackWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  readonly workflowType: sfn.StateMachineType;

  constructor(scope: Construct, id: string, props: VoiceFallbackWorkflowProps) {
    super(scope, id);
    const wait = props.wait ?? Duration.seconds(DEFAULT_SETTINGS.voiceFallbackSeconds);
    this.workflowType = props.workflowType ?? sfn.StateMachineType.STANDARD;
    const express = this.workflowType === sfn.StateMachineType.EXPRESS;
    if (express && wait.toSeconds() > EXPRESS_MAX_WAIT.toSeconds()) {
      throw new Error(
        `An EXPRESS voice-fallback workflow ends after 5 minutes: its wait must be at most ` +
          `${EXPRESS_MAX_WAIT.toSeconds()} s (got ${wait.toSeconds()} s). Use STANDARD for longer waits.`,
      );
    }

    const state = VOICE_FALLBACK_STATES;
    // The table key is `v#<destination key>`, and the id is `<destination key>.<random>`.
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
    const names = Object.fromEntries(READ_ATTRIBUTES.map((name) => [`#${name}`, name]));

    const waitForCode = new sfn.Wait(this, state.wait, {
      comment: 'Give the SMS code time to be used before calling.',
      time: sfn.WaitTime.duration(wait),
    });

    const read = new tasks.DynamoGetItem(this, state.read, {
      comment: 'Read only the fields the decision needs (projected: no sealed code, no sealed number).',
      table: props.table,
      key,
      consistentRead: true,
      expressionAttributeNames: names,
      projectionExpression: Object.keys(names).map((name) =>
        new tasks.DynamoProjectionExpression().withAttribute(name),
      ),
      // `{"Item": {...}}`, or `{}` when the verification is gone.
      resultPath: '$.verification',
    });
    read.addRetry({
      errors: DYNAMODB_TRANSIENT_ERRORS,
      interval: Duration.seconds(1),
      backoffRate: 2,
      maxAttempts: 5,
      maxDelay: Duration.seconds(20),
      jitterStrategy: sfn.JitterType.FULL,
    });

    const noCall = new sfn.Pass(this, state.noCall, {
      comment: 'Approved, canceled, replaced, gone, or already called: nothing to do.',
      parameters: { 'verificationId.$': '$.verificationId', called: false },
    });

    const call = new tasks.LambdaInvoke(this, state.call, {
      comment: 'Claims the call with a conditional write, opens the sealed code and number, calls.',
      lambdaFunction: props.voiceFunction,
      payload: sfn.TaskInput.fromObject({ 'verificationId.$': '$.verificationId' }),
      // The function's own answer only, not Lambda's envelope; and of it only the id and whether a
      // call was placed, which become the execution's output.
      payloadResponseOnly: true,
      // No ResultPath: the selected result replaces the state's input (the default, "$").
      resultSelector: { 'verificationId.$': '$.verificationId', 'called.$': '$.called' },
      // Retries are spelled out below, with jitter.
      retryOnServiceExceptions: false,
      taskTimeout: sfn.Timeout.duration(Duration.seconds(30)),
    });
    call.addRetry({
      errors: [
        'Lambda.TooManyRequestsException',
        'Lambda.ServiceException',
        'Lambda.AWSLambdaException',
        'Lambda.SdkClientException',
        'Lambda.ClientExecutionTimeoutException',
      ],
      interval: Duration.seconds(1),
      backoffRate: 2,
      maxAttempts: 5,
      maxDelay: Duration.seconds(20),
      jitterStrategy: sfn.JitterType.FULL,
    });
    // A provider throttle or fault that outlasted the sender's own retries; the claim was released.
    call.addRetry({
      errors: [VOICE_CALL_RETRYABLE],
      interval: Duration.seconds(5),
      backoffRate: 2,
      maxAttempts: 3,
      maxDelay: Duration.seconds(30),
      jitterStrategy: sfn.JitterType.FULL,
    });

    const recordFailure = new tasks.DynamoUpdateItem(this, state.recordFailure, {
      comment: 'Writes the error name on the verification (only if it is still the same one).',
      table: props.table,
      key,
      conditionExpression: '#id = :id',
      updateExpression: 'SET #error = :error',
      expressionAttributeNames: { '#id': 'id', '#error': VOICE_FALLBACK_ERROR_ATTRIBUTE },
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
      error: VOICE_FALLBACK_FAILED,
      causePath: '$.error.Error',
    });
    // Replaced or deleted meanwhile: nothing to write on, but the execution still fails visibly.
    recordFailure.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.recordError' });
    call.addCatch(recordFailure.next(failed), { errors: ['States.ALL'], resultPath: '$.error' });

    // Every rule reads only paths the rules before it have shown to exist, so no rule can fail on a
    // missing attribute; absence is tested as Not(IsPresent: true), never IsPresent: false (which
    // aws-local-stepfunctions 3 does not match). The Choice is a cheap filter; the call's conditional
    // write is the guard (expiry and attempts are decided there, where the clock and the numbers are).
    const item = '$.verification.Item';
    const present = (path: string) => sfn.Condition.isPresent(`${item}.${path}`);
    const decide = new sfn.Choice(this, state.decide, {
      comment: 'Still this verification, pending, with fallback on, and not called yet (or a failed call)?',
    })
      // Gone (no Item), or not a verification item.
      .when(
        sfn.Condition.not(
          sfn.Condition.and(present('id.S'), present('status.S'), present('voiceFallback.BOOL')),
        ),
        noCall,
      )
      // Replaced by another verification, closed, or without fallback.
      .when(
        sfn.Condition.not(
          sfn.Condition.and(
            sfn.Condition.stringEqualsJsonPath(`${item}.id.S`, '$.verificationId'),
            sfn.Condition.stringEquals(`${item}.status.S`, 'pending'),
            sfn.Condition.booleanEquals(`${item}.voiceFallback.BOOL`, true),
          ),
        ),
        noCall,
      )
      .when(sfn.Condition.not(present('voiceCall.S')), call)
      .when(sfn.Condition.stringEquals(`${item}.voiceCall.S`, 'failed'), call)
      .otherwise(noCall);

    const definition = waitForCode.next(read).next(decide);

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      // Step Functions delivers logs as vended logs; this prefix keeps them out of the account's
      // (size-limited) CloudWatch Logs resource policy.
      logGroupName: `/aws/vendedlogs/states/${Names.uniqueResourceName(this, { maxLength: 200 })}`,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy,
    });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'onetime: calls and reads the SMS code when it was not used within the fallback wait',
      stateMachineType: this.workflowType,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      // Standard: the wait plus ample time for the call and its retries. Express: its 5-minute cap.
      timeout: express ? Duration.minutes(5) : wait.plus(Duration.minutes(10)),
      tracingEnabled: true,
      logs: {
        destination: this.logGroup,
        level: sfn.LogLevel.ALL,
        includeExecutionData: props.logExecutionData ?? false,
      },
    });
  }

  /** Executions that ended failed or timed out: a call that could not be placed. */
  metricFailures(props: cloudwatch.MetricOptions = {}): IMetric {
    return new cloudwatch.MathExpression({
      expression: 'FILL(failed, 0) + FILL(timedOut, 0)',
      usingMetrics: {
        failed: this.stateMachine.metricFailed(props),
        timedOut: this.stateMachine.metricTimedOut(props),
      },
      label: 'Voice fallback failures',
      ...(props.period ? { period: props.period } : {}),
    });
  }
}
