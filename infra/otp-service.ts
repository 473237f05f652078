import { Duration, Lazy, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IStateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { OtpActivityStream } from './activity-stream.ts';
import { createApi } from './api.ts';
import { channelEnvironment, grantChannelSends, grantVoice } from './channels.ts';
import { OtpCognitoTriggers, type OtpCognitoTriggersProps } from './cognito-triggers.ts';
import { OtpDeliveryReceipts } from './delivery-receipts.ts';
import { settingsEnvironment } from './environment.ts';
import { OtpKeyRotation } from './key-rotation.ts';
import {
  addAlarmStatus,
  createAlarms,
  createDashboard,
  createLogMetrics,
  type RateLimitReason,
} from './monitoring.ts';
import { acknowledgeStarGrants } from './nag.ts';
import { handlerEntry, OtpFunction, type OtpFunctionProps } from './otp-function.ts';
import { VoiceFallbackWorkflow } from './voice-fallback-workflow.ts';

// The helpers an embedding app (or the standalone constructs) may need, where they always were.
export { channelEnvironment, emailAddressOf, voiceResources } from './channels.ts';
export { settingsEnvironment } from './environment.ts';

export type OtpFunctionName = 'start' | 'check' | 'status' | 'cancel';

/** SMS goes out through Amazon SNS; it is always on. */
export interface OtpSmsProps {
  /** The account's own number (toll-free, 10DLC, short code) to send from. @default SNS picks one */
  readonly originationNumber?: string;
  /** Alphanumeric sender id, where the destination country allows one. @default none */
  readonly senderId?: string;
  /**
   * Web domain for the origin-bound last line `@domain #code`, so iOS, Android and browsers can
   * autofill the code on that domain only. @default no origin-bound line
   */
  readonly originDomain?: string;
  /**
   * Your own SMS wording per locale (`en`, `es`, `fr`, `de`, `pt`, `it`), e.g. the exact text a
   * country's sender registration approved: `{code}` exactly once, and optionally `{app}` and
   * `{minutes}`; at most 300 characters. A locale not named keeps the built-in text.
   * @example { en: 'Acme: {code} is your login code. Valid {minutes} min.' }
   * @default the built-in text in every locale
   */
  readonly templates?: Readonly<Record<string, string>>;
}

/** Email through Amazon SES; the `email` channel is on when this is given. */
export interface OtpEmailProps {
  /** A verified SES identity (address or domain), e.g. `"Acme" <no-reply@acme.example>`. */
  readonly fromAddress: string;
  readonly replyTo?: string;
  /** SES configuration set for event publishing (bounces, complaints, deliveries). */
  readonly configurationSetName?: string;
}

/** Voice calls through AWS End User Messaging SMS and Voice; the `voice` channel is on when given. */
export interface OtpVoiceProps {
  /** Phone number or pool (id, ARN, or E.164 number) the call comes from. */
  readonly originationIdentity: string;
  /** One Polly voice for every call (e.g. `JOANNA`). @default a native voice for the message's language */
  readonly voiceId?: string;
  /**
   * SMS-Voice configuration set the calls go through. @default one created for delivery receipts
   * (named after this construct), or none when `deliveryReceipts` is off
   */
  readonly configurationSetName?: string;
}

export interface OtpApiProps {
  /** The stage, the first segment of the URL path (`/prod/v1/verifications`). @default 'prod' */
  readonly stageName?: string;
  /** Steady requests per second for the API key's usage plan (and the stage). @default 50 */
  readonly rateLimit?: number;
  /** Burst requests for the usage plan (and the stage). @default 100 */
  readonly burstLimit?: number;
  /** A request quota for the API key (per day, week or month). @default none */
  readonly quota?: apigateway.QuotaSettings;
  /** A WAFv2 web ACL to associate with the stage. @default none */
  readonly webAclArn?: string;
  /**
   * Create the account-wide role API Gateway uses to write logs. Every account and region needs it set
   * once for access and execution logs; turn it off when another stack already manages it.
   * @default true
   */
  readonly cloudWatchRole?: boolean;
}

export interface OtpAlarmProps {
  /** 5xx answers (any cause, including `502 delivery_failed`) per 5 minutes that alarm. @default 5 */
  readonly serverErrors?: number;
  /** p99 API latency, over three 5-minute periods, that alarms. @default 3 seconds */
  readonly latencyP99?: Duration;
  /**
   * Deliveries providers refused per 5 minutes (every channel, counted by the activity stream from the
   * verifications marked `delivery_failed`) that alarm. @default 3
   */
  readonly deliveryFailures?: number;
}

export interface OtpServiceProps {
  /** Digits per code, 4–10. @default DEFAULT_SETTINGS.codeLength (6) */
  readonly codeLength?: number;
  /** How long a code stays valid. @default DEFAULT_SETTINGS.ttlSeconds (300 s) */
  readonly ttl?: Duration;
  /** Wrong codes allowed per verification. @default DEFAULT_SETTINGS.maxAttempts (5) */
  readonly maxAttempts?: number;
  /** Wait between two sends of the same verification. @default DEFAULT_SETTINGS.resendCooldownSeconds (30 s) */
  readonly resendCooldown?: Duration;
  /** Sends per destination per clock hour. @default DEFAULT_SETTINGS.maxSendsPerHour (5) */
  readonly maxSendsPerHour?: number;
  /** Sends per end-user device IP per hour, when a request names `deviceIp`. @default DEFAULT_SETTINGS.maxSendsPerDeviceIpPerHour (20) */
  readonly maxSendsPerDeviceIpPerHour?: number;
  /** Wait before the voice fallback calls. @default DEFAULT_SETTINGS.voiceFallbackSeconds (60 s) */
  readonly voiceFallbackWait?: Duration;
  /**
   * STANDARD or EXPRESS for the voice-fallback workflow (docs/voice-fallback.md compares them; EXPRESS
   * needs a wait of at most 3 minutes). @default StateMachineType.STANDARD
   */
  readonly voiceFallbackWorkflowType?: StateMachineType;
  /** ISO 3166 alpha-2 codes allowed for sms and voice; `['*']` for all. @default DEFAULT_ALLOWED_COUNTRIES */
  readonly allowedCountries?: readonly string[];
  /** Spend brake: sms + voice sends per minute, whole service. @default DEFAULT_SETTINGS.phoneSendsPerMinute (60) */
  readonly phoneSendsPerMinute?: number;
  /** Spend brake: sms + voice sends per UTC day, whole service. @default DEFAULT_SETTINGS.phoneSendsPerDay (2000) */
  readonly phoneSendsPerDay?: number;
  /** Counter shards per spend-brake window. @default DEFAULT_SETTINGS.spendBrakeShards (10) */
  readonly spendBrakeShards?: number;
  /** Product name in messages ("Your Acme code is …"). @default DEFAULT_SETTINGS.appName */
  readonly appName?: string;
  /** Locale when a request names none. @default DEFAULT_SETTINGS.defaultLocale ('en') */
  readonly defaultLocale?: string;

  /** SMS settings; SMS is always on. */
  readonly sms?: OtpSmsProps;
  /** Turns the email channel on. @default email off */
  readonly email?: OtpEmailProps;
  /** Turns the voice channel on. @default voice off */
  readonly voice?: OtpVoiceProps;

  readonly api?: OtpApiProps;
  readonly alarms?: OtpAlarmProps;
  /** Where alarms (and their return to OK) are sent. @default alarms notify nobody */
  readonly alarmTopic?: ITopic;
  /**
   * Where the activity stream puts one event per status change (`source: onetime`, `detail-type:
   * Verification <status>`). @default the account's default event bus
   */
  readonly eventBus?: events.IEventBus;

  /**
   * What happens to the table, the secret and the log groups when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * A customer-managed KMS key for the table. @default the AWS-managed key `aws/dynamodb`: encrypted
   * at rest with every use of the key in CloudTrail, no key policy to maintain and no monthly key fee.
   */
  readonly tableEncryptionKey?: IKey;
  /** Retention of the functions' and the API's log groups. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Per-function overrides (memory, timeout, reserved concurrency, …); `environment` is merged. */
  readonly functionProps?: Partial<Record<OtpFunctionName, Partial<NodejsFunctionProps>>>;
  /** Overrides for the activity-stream function (memory, timeout, …); `environment` is merged. */
  readonly activityFunctionProps?: Partial<OtpFunctionProps>;
  /**
   * Delivery receipts (`delivery` in `GET`): SES events through the email configuration set, call
   * outcomes through the voice configuration set, and SNS SMS delivery-status logs. The SMS part sets
   * the **account-wide** SNS SMS attributes `DeliveryStatusIAMRole` and
   * `DeliveryStatusSuccessSamplingRate` in this region: `{ sms: false }` leaves them alone (SMS
   * verifications then stay `unknown`), `false` turns receipts off. @default true
   */
  readonly deliveryReceipts?: boolean | { readonly sms?: boolean };
  /**
   * Rotates the key material on a schedule: a new key is staged when the current one is `every` old
   * and promoted ten minutes later, and no pending code is lost (docs/deploy.md, "Rotate the key").
   * At least 1 hour. `npm run rotate-key` does the same by hand, with or without this.
   * @example { every: Duration.days(90) }
   * @default no scheduled rotation
   */
  readonly keyRotation?: { readonly every: Duration };
}

/** How `OtpService.attachCognito` sets up the sign-in triggers. */
export type OtpCognitoOptions = Pick<
  OtpCognitoTriggersProps,
  'allowedChannels' | 'requireVerifiedDestination' | 'functionProps'
>;

/**
 * onetime, deployed: a DynamoDB table, the key-material secret, one function per route, a REST API
 * with API keys and a usage plan, metrics and status-change events from the table's stream, alarms and
 * a dashboard. Every resource is a public field so an embedding app can wire more to it.
 *
 * The parts live beside this file: the API (api.ts), alarms and dashboard (monitoring.ts), the
 * settings (environment.ts), the channels' variables and grants (channels.ts), the activity stream
 * (activity-stream.ts), the voice fallback (voice-fallback-workflow.ts) and the Cognito sign-in
 * triggers (cognito-triggers.ts, through `attachCognito`).
 */
export class OtpService extends Construct {
  readonly table: dynamodb.Table;
  /** The key material that seals codes. Generated by Secrets Manager; only its ARN is in the template. */
  readonly secret: secretsmanager.Secret;
  readonly functions: Readonly<Record<OtpFunctionName, OtpFunction>>;
  /** With the voice channel: the workflow that calls when an SMS code is not used in time. */
  readonly voiceFallback?: VoiceFallbackWorkflow;
  /** With the voice channel: the function the workflow's call task runs. */
  readonly voiceFallbackFunction?: OtpFunction;
  readonly api: apigateway.RestApi;
  readonly apiKey: apigateway.IApiKey;
  readonly usagePlan: apigateway.UsagePlan;
  readonly accessLogs: logs.LogGroup;
  /**
   * Metrics and status-change events from the table's stream: sends, approvals, conversion, refused
   * deliveries (`activity.deliveryFailed`), and the EventBridge events.
   */
  readonly activity: OtpActivityStream;
  /** Delivery receipts onto verifications (absent when `deliveryReceipts` is false). */
  readonly deliveryReceipts?: OtpDeliveryReceipts;
  /** The scheduled key rotation, when `keyRotation` is set. */
  readonly keyRotation?: OtpKeyRotation;
  /** Namespace of the metrics the log filters publish. */
  readonly metricNamespace: string;
  /** Sends the spend brake refused ("send rate limited" with reason spend_limit). */
  readonly spendBrakeHits: cloudwatch.Metric;
  /** Refused sends (`429 rate_limited`) by reason: metric `RateLimited`, dimension `reason`. */
  readonly rateLimited: Readonly<Record<RateLimitReason, cloudwatch.Metric>>;
  /** Every alarm: the service's and the activity stream's. */
  readonly alarms: cloudwatch.Alarm[];
  readonly dashboard: cloudwatch.Dashboard;

  readonly #props: OtpServiceProps;
  /** The channel props, with the configuration sets delivery receipts need named where none was given. */
  readonly #channelProps: Pick<OtpServiceProps, 'sms' | 'email' | 'voice'>;
  readonly #logRetention: logs.RetentionDays;
  readonly #removalPolicy: RemovalPolicy;
  #attachedWorkflow: IStateMachine | undefined;

  constructor(scope: Construct, id: string, props: OtpServiceProps = {}) {
    super(scope, id);
    this.#props = props;
    this.#channelProps = withReceiptConfigurationSets(this, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    this.#removalPolicy = removalPolicy;
    this.#logRetention = logRetention;

    // ---- Storage ----------------------------------------------------------------------------------
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'ttl',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Read by the activity stream: metrics and events come from the writes themselves.
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      ...(props.tableEncryptionKey
        ? {
            encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryptionKey: props.tableEncryptionKey,
          }
        : { encryption: dynamodb.TableEncryption.AWS_MANAGED }),
      removalPolicy,
    });

    this.secret = new secretsmanager.Secret(this, 'KeyMaterial', {
      description: 'onetime: key material that seals and MACs verification codes',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret is key material the service MACs and seals codes with, not a credential to a ' +
        'system. It is rotated in two steps ten minutes apart, on a schedule (the keyRotation prop) or by ' +
        'hand (`npm run rotate-key`), see docs/deploy.md; a Secrets Manager rotation Lambda would run both ' +
        'steps at once and strand the codes of functions that have not re-read it.',
    });

    // ---- Functions --------------------------------------------------------------------------------
    // Only start and check seal or open codes, so only they get the secret (its ARN, the extension
    // that reads it, and read on it); status and cancel read and update items and nothing else.
    const environment = this.#environment();
    const channels = channelEnvironment(this.#channelProps);
    const makeFunction = (name: OtpFunctionName, description: string, extra: Partial<OtpFunctionProps>) => {
      const override = props.functionProps?.[name] ?? {};
      return new OtpFunction(this, `${capitalise(name)}Function`, {
        entry: handlerEntry(name),
        description,
        logGroupRetention: logRetention,
        logGroupRemovalPolicy: removalPolicy,
        ...extra,
        ...override,
        environment: { ...environment, ...extra.environment, ...override.environment },
      });
    };

    const start = makeFunction('start', 'onetime: POST /v1/verifications (start or resend)', {
      secret: this.secret,
      // A send may retry a throttled provider with backoff; stays under API Gateway's 29 s.
      timeout: Duration.seconds(20),
      environment: channels,
    });
    const check = makeFunction('check', 'onetime: POST /v1/verifications/{id}/check', {
      secret: this.secret,
    });
    const status = makeFunction('status', 'onetime: GET /v1/verifications/{id}', {});
    const cancel = makeFunction('cancel', 'onetime: DELETE /v1/verifications/{id}', {});
    this.functions = { start, check, status, cancel };

    // DynamoDB, per function, only the item actions its code calls. A TransactWriteItems call is
    // authorised per item (PutItem / UpdateItem for its Put / Update entries); start writes no
    // ConditionCheck entries, so it has no ConditionCheckItem.
    // BatchGetItem: reading the spend-brake shards at once when one proved full (send-store.ts).
    this.table.grant(
      start,
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchGetItem',
    );
    this.table.grant(check, 'dynamodb:UpdateItem');
    this.table.grant(status, 'dynamodb:GetItem');
    this.table.grant(cancel, 'dynamodb:UpdateItem');

    // The channels' send permissions, on the start function only.
    grantChannelSends(start, channels);

    // Voice fallback (issue 4): when `voice` is set, the Step Functions workflow is created here and
    // handed to `attachVoiceFallback`, which gives the start function its ARN and permission to start it.
    if (props.voice) {
      const voiceFunction = new OtpFunction(this, 'VoiceFallbackFunction', {
        entry: handlerEntry('voice-fallback'),
        description: 'onetime: the voice-fallback workflow call (reads the SMS code aloud)',
        secret: this.secret,
        logGroupRetention: logRetention,
        logGroupRemovalPolicy: removalPolicy,
        // The sender rides out provider throttling with backoff; the workflow's task timeout is 30 s.
        timeout: Duration.seconds(20),
        environment: { ...environment, ...channelEnvironment({ voice: this.#channelProps.voice }) },
      });
      // claimVoiceCall reads the verification, then counts the call like any send: a TransactWriteItems
      // of UpdateItems (the claim and the counters), and BatchGetItem when a spend-brake shard is full.
      // finishVoiceCall and skipVoiceCall: one conditional UpdateItem each.
      this.table.grant(voiceFunction, 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:BatchGetItem');
      grantVoice(
        voiceFunction,
        props.voice.originationIdentity,
        this.#channelProps.voice?.configurationSetName,
      );
      this.voiceFallbackFunction = voiceFunction;
      this.voiceFallback = new VoiceFallbackWorkflow(this, 'VoiceFallback', {
        table: this.table,
        voiceFunction,
        ...(props.voiceFallbackWait ? { wait: props.voiceFallbackWait } : {}),
        ...(props.voiceFallbackWorkflowType ? { workflowType: props.voiceFallbackWorkflowType } : {}),
        logRetention,
        removalPolicy,
      });
      this.attachVoiceFallback(this.voiceFallback.stateMachine);
      this.#acknowledgeWorkflowRole(this.voiceFallback, voiceFunction);
    }

    for (const fn of [
      start,
      check,
      status,
      cancel,
      ...(this.voiceFallbackFunction ? [this.voiceFallbackFunction] : []),
    ]) {
      acknowledgeStarGrants(
        fn,
        'on the start function also sns:Publish to a phone number, which has no ARN (publishing to ' +
          'topics is denied in the same policy).',
      );
    }

    // ---- API --------------------------------------------------------------------------------------
    ({
      api: this.api,
      apiKey: this.apiKey,
      usagePlan: this.usagePlan,
      accessLogs: this.accessLogs,
    } = createApi(this, { functions: this.functions, props: props.api ?? {}, logRetention, removalPolicy }));

    // ---- Operations -------------------------------------------------------------------------------
    this.metricNamespace = `onetime/${Stack.of(this).stackName}/${this.node.id}`;
    const metrics = createLogMetrics(this, start.logGroup, this.metricNamespace);
    this.spendBrakeHits = metrics.spendBrakeHits;
    this.rateLimited = metrics.rateLimited;
    const monitored = {
      api: this.api,
      table: this.table,
      functions: this.functions,
      voiceFallback: this.voiceFallback,
      metrics,
    };
    this.alarms = createAlarms(this, monitored, props.alarms ?? {}, props.alarmTopic);
    this.dashboard = createDashboard(this, monitored);

    this.activity = new OtpActivityStream(this, 'Activity', {
      table: this.table,
      // The service's own namespace, so two deployments in one account and region never merge.
      metricNamespace: this.metricNamespace,
      dashboard: this.dashboard,
      spendBrakeHits: this.spendBrakeHits,
      deliveryFailuresThreshold: props.alarms?.deliveryFailures ?? 3,
      logRetention,
      removalPolicy,
      ...(props.eventBus ? { eventBus: props.eventBus } : {}),
      ...(props.alarmTopic ? { alarmTopic: props.alarmTopic } : {}),
      ...(props.activityFunctionProps ? { functionProps: props.activityFunctionProps } : {}),
    });
    this.alarms.push(...this.activity.alarms);
    if (props.keyRotation) {
      this.keyRotation = new OtpKeyRotation(this, 'KeyRotation', {
        secret: this.secret,
        every: props.keyRotation.every,
        logRetention,
        removalPolicy,
        ...(props.alarmTopic ? { alarmTopic: props.alarmTopic } : {}),
      });
      this.alarms.push(this.keyRotation.alarm);
    }
    addAlarmStatus(this.dashboard, this.alarms);

    if (props.deliveryReceipts !== false) {
      const { email, voice } = this.#channelProps;
      this.deliveryReceipts = new OtpDeliveryReceipts(this, 'DeliveryReceipts', {
        table: this.table,
        secret: this.secret,
        smsDeliveryStatus:
          props.deliveryReceipts === undefined ||
          props.deliveryReceipts === true ||
          props.deliveryReceipts.sms !== false,
        ...(email?.configurationSetName
          ? {
              email: {
                configurationSetName: email.configurationSetName,
                existingConfigurationSet: props.email?.configurationSetName !== undefined,
              },
            }
          : {}),
        ...(voice?.configurationSetName
          ? {
              voice: {
                configurationSetName: voice.configurationSetName,
                existingConfigurationSet: props.voice?.configurationSetName !== undefined,
              },
            }
          : {}),
        logRetention,
        removalPolicy,
      });
    }
  }

  /**
   * Connects a voice-fallback workflow: the start function gets its ARN and may start executions of
   * it, nothing more. Requires the voice channel.
   */
  attachVoiceFallback(stateMachine: IStateMachine): void {
    if (!this.#props.voice) {
      throw new Error('attachVoiceFallback needs the voice channel: set the `voice` prop');
    }
    this.functions.start.addEnvironment('VOICE_FALLBACK_STATE_MACHINE_ARN', stateMachine.stateMachineArn);
    // One statement naming the attached state machine: attaching another (an app's own workflow
    // instead of the built-in one) replaces it rather than adding a second grant.
    const first = this.#attachedWorkflow === undefined;
    this.#attachedWorkflow = stateMachine;
    if (first) {
      this.functions.start.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'StartVoiceFallback',
          actions: ['states:StartExecution'],
          resources: [Lazy.string({ produce: () => this.#attachedWorkflow!.stateMachineArn })],
        }),
      );
    }
  }

  /**
   * Passwordless sign-in for `userPool` on this service: the Define, Create and Verify Auth Challenge
   * triggers (`OtpCognitoTriggers`), on this service's table, secret, settings and channels, attached
   * to the pool with the invoke permissions Cognito needs. The pool must be in the same stack (the
   * pool names the functions and the functions' permissions name the pool), and its app client must
   * allow custom auth. One call per pool.
   */
  attachCognito(userPool: cognito.UserPool, options: OtpCognitoOptions = {}): OtpCognitoTriggers {
    return new OtpCognitoTriggers(this, `${userPool.node.id}Triggers`, {
      userPool,
      table: this.table,
      secret: this.secret,
      environment: { ...settingsEnvironment(this.#props), ...channelEnvironment(this.#channelProps) },
      logRetention: this.#logRetention,
      removalPolicy: this.#removalPolicy,
      ...(options.allowedChannels ? { allowedChannels: options.allowedChannels } : {}),
      ...(options.requireVerifiedDestination !== undefined
        ? { requireVerifiedDestination: options.requireVerifiedDestination }
        : {}),
      ...(options.functionProps ? { functionProps: options.functionProps } : {}),
    });
  }

  /** What every function of the service reads: the table, the service name, and the settings. */
  #environment(): Record<string, string> {
    return {
      TABLE_NAME: this.table.tableName,
      POWERTOOLS_SERVICE_NAME: 'onetime',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ...settingsEnvironment(this.#props),
    };
  }

  #acknowledgeWorkflowRole(workflow: VoiceFallbackWorkflow, voiceFunction: OtpFunction): void {
    const role = workflow.stateMachine.role;
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Granted by CDK for X-Ray tracing (xray:PutTraceSegments, GetSamplingRules…) and for vended ' +
        'log delivery (logs:CreateLogDelivery, …), neither of which supports resource-level permissions.',
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(voiceFunction.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason:
        'lambda:InvokeFunction on the call-task function and its versions and aliases (`<arn>:*`), as ' +
        'the LambdaInvoke task grants it; no other function.',
    });
  }
}

const capitalise = (name: string) => name[0]!.toUpperCase() + name.slice(1);

/**
 * Email and voice sends must go through a configuration set for their outcomes to come back as
 * receipts: when receipts are on and none was given, one is named after this construct (a plain
 * string, since the functions' environment needs it before the receipts construct exists).
 */
function withReceiptConfigurationSets(
  scope: Construct,
  props: OtpServiceProps,
): Pick<OtpServiceProps, 'sms' | 'email' | 'voice'> {
  if (props.deliveryReceipts === false) return props;
  const base = Names.uniqueResourceName(scope, { maxLength: 48, separator: '-' });
  return {
    ...(props.sms ? { sms: props.sms } : {}),
    ...(props.email
      ? {
          email: {
            ...props.email,
            configurationSetName: props.email.configurationSetName ?? `${base}-email`,
          },
        }
      : {}),
    ...(props.voice
      ? {
          voice: {
            ...props.voice,
            configurationSetName: props.voice.configurationSetName ?? `${base}-voice`,
          },
        }
      : {}),
  };
}
