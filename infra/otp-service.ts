import { fileURLToPath } from 'node:url';
import { Duration, Lazy, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IStateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { settingsFromEnv } from '../functions/config.ts';
import { DEFAULT_ALLOWED_COUNTRIES, DEFAULT_SETTINGS } from '../functions/core/settings.ts';
import { OtpFunction } from './otp-function.ts';
import { VoiceFallbackWorkflow } from './voice-fallback-workflow.ts';

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
  /** Deliveries the provider refused per 5 minutes that alarm. @default 3 */
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
}

const HANDLERS_DIR = fileURLToPath(new URL('../functions/handlers/', import.meta.url));

/** The error envelope of the contract, for errors API Gateway answers itself. */
const ERROR_TEMPLATE = (code: string, message: string) => `{"error":{"code":"${code}","message":${message}}}`;
const literal = (text: string) => JSON.stringify(text);
/** API Gateway's own message, already quoted and escaped. */
const GATEWAY_MESSAGE = '$context.error.messageString';

/**
 * onetime, deployed: a DynamoDB table, the key-material secret, one function per route, a REST API
 * with API keys and a usage plan, alarms and a dashboard. Every resource is a public field so an
 * embedding app can wire more to it.
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
  /** Namespace of the metrics the log filters publish. */
  readonly metricNamespace: string;
  /** Deliveries a provider refused (from the start function's "delivery failed" log lines). */
  readonly deliveryFailures: cloudwatch.Metric;
  /** Sends the spend brake refused ("send rate limited" with reason spend_limit). */
  readonly spendBrakeHits: cloudwatch.Metric;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  readonly #props: OtpServiceProps;
  #attachedWorkflow: IStateMachine | undefined;

  constructor(scope: Construct, id: string, props: OtpServiceProps = {}) {
    super(scope, id);
    this.#props = props;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    // ---- Storage ----------------------------------------------------------------------------------
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'ttl',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
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
        'system; rotating it invalidates every pending code. Replace it deliberately (see docs/deploy.md).',
    });

    // ---- Functions --------------------------------------------------------------------------------
    const environment = {
      TABLE_NAME: this.table.tableName,
      // Only the ARN: the functions read the value through the Parameters and Secrets extension.
      SECRET_ARN: this.secret.secretArn,
      POWERTOOLS_SERVICE_NAME: 'onetime',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ...settingsEnvironment(props),
    };
    const paramsAndSecrets = lambda.ParamsAndSecretsLayerVersion.fromVersion(
      lambda.ParamsAndSecretsVersions.V1_0_103,
      // One secret per function, read once per cold start.
      { cacheSize: 10, logLevel: lambda.ParamsAndSecretsLogLevel.WARN },
    );
    const makeFunction = (
      name: OtpFunctionName,
      description: string,
      extra: Partial<NodejsFunctionProps>,
    ) => {
      const override = props.functionProps?.[name] ?? {};
      const fn = new OtpFunction(this, `${capitalise(name)}Function`, {
        entry: `${HANDLERS_DIR}${name}.ts`,
        description,
        paramsAndSecrets,
        logGroupRetention: logRetention,
        logGroupRemovalPolicy: removalPolicy,
        ...extra,
        ...override,
        environment: { ...environment, ...extra.environment, ...override.environment },
      });
      this.secret.grantRead(fn);
      return fn;
    };

    const start = makeFunction('start', 'onetime: POST /v1/verifications (start or resend)', {
      // A send may retry a throttled provider with backoff; stays under API Gateway's 29 s.
      timeout: Duration.seconds(20),
      environment: channelEnvironment(props),
    });
    const check = makeFunction('check', 'onetime: POST /v1/verifications/{id}/check', {});
    const status = makeFunction('status', 'onetime: GET /v1/verifications/{id}', {});
    const cancel = makeFunction('cancel', 'onetime: DELETE /v1/verifications/{id}', {});
    this.functions = { start, check, status, cancel };

    // DynamoDB, per function, only the item actions its code calls. A TransactWriteItems call is
    // authorised per item (PutItem / UpdateItem for its Put / Update entries); start writes no
    // ConditionCheck entries, so it has no ConditionCheckItem.
    this.table.grant(start, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    this.table.grant(check, 'dynamodb:UpdateItem');
    this.table.grant(status, 'dynamodb:GetItem');
    this.table.grant(cancel, 'dynamodb:UpdateItem');

    this.grantChannels(start, props);

    // Voice fallback (issue 4): when `voice` is set, the Step Functions workflow is created here and
    // handed to `attachVoiceFallback`, which gives the start function its ARN and permission to start it.
    if (props.voice) {
      const voiceFunction = new OtpFunction(this, 'VoiceFallbackFunction', {
        entry: `${HANDLERS_DIR}voice-fallback.ts`,
        description: 'onetime: the voice-fallback workflow call (reads the SMS code aloud)',
        paramsAndSecrets,
        logGroupRetention: logRetention,
        logGroupRemovalPolicy: removalPolicy,
        // The sender rides out provider throttling with backoff; the workflow's task timeout is 30 s.
        timeout: Duration.seconds(20),
        environment: { ...environment, ...voiceEnvironment(props.voice) },
      });
      this.secret.grantRead(voiceFunction);
      // claimVoiceCall and finishVoiceCall: two conditional UpdateItems, nothing else.
      this.table.grant(voiceFunction, 'dynamodb:UpdateItem');
      this.grantVoice(voiceFunction, props.voice);
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
      const role = this.voiceFallback.stateMachine.role;
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

    for (const fn of [
      ...Object.values(this.functions),
      ...(this.voiceFallbackFunction ? [this.voiceFallbackFunction] : []),
    ]) {
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'Pinned to nodejs22.x: the bundles target node22 and are tested on it; move to a newer ' +
          'runtime deliberately, together with the esbuild target.',
      });
      if (fn.role) {
        Validations.of(fn.role).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) does not support ' +
            'resource-level permissions; on the start function also sns:Publish to a phone number, ' +
            'which has no ARN (publishing to topics is denied in the same policy).',
        });
      }
    }

    // ---- API --------------------------------------------------------------------------------------
    const apiProps = props.api ?? {};
    const rateLimit = apiProps.rateLimit ?? 50;
    const burstLimit = apiProps.burstLimit ?? 100;
    this.accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention: logRetention, removalPolicy });
    this.api = new apigateway.RestApi(this, 'Api', {
      description: 'onetime: one-time-password verification',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      apiKeySourceType: apigateway.ApiKeySourceType.HEADER,
      defaultMethodOptions: { apiKeyRequired: true },
      cloudWatchRole: apiProps.cloudWatchRole ?? true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: apiProps.stageName ?? 'prod',
        tracingEnabled: true,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: accessLogFormat(),
        // Execution logs for errors only, and never request or response bodies (they carry codes).
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        throttlingRateLimit: rateLimit,
        throttlingBurstLimit: burstLimit,
      },
    });
    if (apiProps.cloudWatchRole ?? true) {
      const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
      if (cloudWatchRole) {
        Validations.of(cloudWatchRole).acknowledge({
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
          reason:
            "API Gateway's account-level logging role: AWS maintains this policy for exactly that " +
            'purpose and API Gateway needs it to write the access and execution logs.',
        });
      }
    }

    const validator = this.api.addRequestValidator('Validator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    // Only the shape "a JSON object" is checked here; the fields are validated in the functions, which
    // answer with the contract's error envelope and field names.
    const jsonObject = this.api.addModel('JsonObject', {
      contentType: 'application/json',
      modelName: 'JsonObject',
      schema: { schema: apigateway.JsonSchemaVersion.DRAFT4, type: apigateway.JsonSchemaType.OBJECT },
    });
    const withBody: apigateway.MethodOptions = {
      requestValidator: validator,
      requestModels: { 'application/json': jsonObject },
    };
    const withId = (options: apigateway.MethodOptions = {}): apigateway.MethodOptions => ({
      requestValidator: validator,
      ...options,
      requestParameters: { 'method.request.path.id': true },
    });
    const integration = (fn: lambda.IFunction) =>
      new apigateway.LambdaIntegration(fn, { proxy: true, allowTestInvoke: false });

    const verifications = this.api.root.addResource('v1').addResource('verifications');
    const verification = verifications.addResource('{id}');
    verifications.addMethod('POST', integration(start), withBody);
    verification.addResource('check').addMethod('POST', integration(check), withId(withBody));
    verification.addMethod('GET', integration(status), withId());
    verification.addMethod('DELETE', integration(cancel), withId());

    this.addGatewayResponses();

    this.apiKey = this.api.addApiKey('ApiKey', { description: 'onetime: key for the calling backend' });
    this.usagePlan = this.api.addUsagePlan('UsagePlan', {
      description: 'onetime: throttling for the API key',
      throttle: { rateLimit, burstLimit },
      ...(apiProps.quota ? { quota: apiProps.quota } : {}),
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });
    this.usagePlan.addApiKey(this.apiKey);

    if (apiProps.webAclArn) {
      new CfnWebACLAssociation(this, 'WebAcl', {
        resourceArn: this.api.deploymentStage.stageArn,
        webAclArn: apiProps.webAclArn,
      });
    } else {
      Validations.of(this.api.deploymentStage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          'No WAF by default: every call needs an API key, the usage plan throttles it, and the service ' +
          'rate-limits per destination, device IP and spend. Pass api.webAclArn to attach a web ACL.',
      });
    }
    for (const method of this.api.methods) {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Callers are backends holding the API key (required on every method, tied to a usage plan); ' +
          'there are no end-user identities to authorise.',
      });
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-COG4',
        reason: 'No Cognito users: the API is called server-to-server with an API key on every method.',
      });
    }

    // ---- Operations -------------------------------------------------------------------------------
    this.metricNamespace = `onetime/${Stack.of(this).stackName}/${this.node.id}`;
    this.deliveryFailures = this.logMetric(
      'DeliveryFailuresFilter',
      'DeliveryFailures',
      logs.FilterPattern.stringValue('$.message', '=', 'delivery failed'),
    );
    this.spendBrakeHits = this.logMetric(
      'SpendBrakeFilter',
      'SpendBrakeHits',
      logs.FilterPattern.all(
        logs.FilterPattern.stringValue('$.message', '=', 'send rate limited'),
        logs.FilterPattern.stringValue('$.reason', '=', 'spend_limit'),
      ),
    );
    this.createAlarms(props);
    this.dashboard = this.createDashboard();
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

  /** The channels' send permissions, on the start function only. */
  private grantChannels(start: OtpFunction, props: OtpServiceProps): void {
    const stack = Stack.of(this);

    // SMS: SNS Publish to a phone number has no resource ARN to scope to, so the Allow must name "*".
    // The Deny below takes topics and platform endpoints (which do have ARNs) back out of it, leaving
    // "send an SMS" as the only thing the grant can do.
    start.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'SmsToPhoneNumbers', actions: ['sns:Publish'], resources: ['*'] }),
    );
    start.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'NoTopicsOrEndpoints',
        effect: iam.Effect.DENY,
        actions: ['sns:Publish'],
        resources: [`arn:${stack.partition}:sns:*:*:*`],
      }),
    );

    if (props.email) {
      const address = emailAddressOf(props.email.fromAddress);
      const domain = address.slice(address.lastIndexOf('@') + 1);
      const identity = (name: string) =>
        stack.formatArn({ service: 'ses', resource: 'identity', resourceName: name });
      start.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'EmailFromTheConfiguredAddress',
          actions: ['ses:SendEmail'],
          // SES authorises against the verified identity: the address itself or its domain.
          resources: [
            identity(address),
            identity(domain),
            ...(props.email.configurationSetName
              ? [
                  stack.formatArn({
                    service: 'ses',
                    resource: 'configuration-set',
                    resourceName: props.email.configurationSetName,
                  }),
                ]
              : []),
          ],
          conditions: { StringEqualsIgnoreCase: { 'ses:FromAddress': address } },
        }),
      );
    }

    if (props.voice) this.grantVoice(start, props.voice);
  }

  /** sms-voice:SendVoiceMessage from the configured origination identity only. */
  private grantVoice(fn: OtpFunction, voice: OtpVoiceProps): void {
    const stack = Stack.of(this);
    const { resources, scopedToAccount } = voiceResources(stack, voice.originationIdentity);
    fn.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'VoiceCalls', actions: ['sms-voice:SendVoiceMessage'], resources }),
    );
    for (const resource of scopedToAccount) {
      Validations.of(fn.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${flatten(stack.resolve(resource))}]`,
        reason:
          'The voice origination identity names no phone-number or pool id (an E.164 number or a ' +
          "sender id), so the call is scoped to the account's own phone numbers and pools; opt-out " +
          'lists are evaluated on every send.',
      });
    }
  }

  private addGatewayResponses(): void {
    const json = { 'Content-Type': "'application/json'", 'Cache-Control': "'no-store'" };
    const responses: Array<[apigateway.ResponseType, string, string, string?, Record<string, string>?]> = [
      [
        apigateway.ResponseType.BAD_REQUEST_BODY,
        'invalid_request',
        literal('The body must be a JSON object.'),
      ],
      [apigateway.ResponseType.BAD_REQUEST_PARAMETERS, 'invalid_request', GATEWAY_MESSAGE],
      [
        apigateway.ResponseType.INVALID_API_KEY,
        'invalid_api_key',
        literal('A valid API key is required in the x-api-key header.'),
      ],
      [apigateway.ResponseType.ACCESS_DENIED, 'forbidden', GATEWAY_MESSAGE],
      // API Gateway answers 403 for a path or method that does not exist; the contract says 404.
      [apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN, 'not_found', literal('No such route.'), '404'],
      [apigateway.ResponseType.RESOURCE_NOT_FOUND, 'not_found', literal('No such route.'), '404'],
      [apigateway.ResponseType.REQUEST_TOO_LARGE, 'payload_too_large', literal('The request is too large.')],
      [apigateway.ResponseType.UNSUPPORTED_MEDIA_TYPE, 'unsupported_media_type', GATEWAY_MESSAGE],
      [
        apigateway.ResponseType.THROTTLED,
        'throttled',
        literal('Too many requests for this API key; slow down.'),
        undefined,
        { 'Retry-After': "'1'" },
      ],
      [
        apigateway.ResponseType.QUOTA_EXCEEDED,
        'quota_exceeded',
        literal("This API key's request quota is used up."),
      ],
      [apigateway.ResponseType.DEFAULT_4XX, 'request_rejected', GATEWAY_MESSAGE],
      [
        apigateway.ResponseType.DEFAULT_5XX,
        'internal_error',
        literal('Something went wrong on our side; try again.'),
      ],
    ];
    for (const [type, code, message, statusCode, headers] of responses) {
      this.api.addGatewayResponse(`Gateway${type.responseType}`, {
        type,
        ...(statusCode ? { statusCode } : {}),
        responseHeaders: { ...json, ...headers },
        templates: { 'application/json': ERROR_TEMPLATE(code, message) },
      });
    }
  }

  private logMetric(id: string, metricName: string, filterPattern: logs.IFilterPattern): cloudwatch.Metric {
    const filter = new logs.MetricFilter(this, id, {
      logGroup: this.functions.start.logGroup,
      filterPattern,
      metricNamespace: this.metricNamespace,
      metricName,
      metricValue: '1',
    });
    return filter.metric({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5) });
  }

  private createAlarms(props: OtpServiceProps): void {
    const thresholds = props.alarms ?? {};
    const fiveMinutes = Duration.minutes(5);
    const add = (
      id: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      description: string,
      periods = 1,
    ) => {
      const alarm = new cloudwatch.Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods: periods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `onetime: ${description}`,
      });
      if (props.alarmTopic) {
        alarm.addAlarmAction(new SnsAction(props.alarmTopic));
        alarm.addOkAction(new SnsAction(props.alarmTopic));
      }
      this.alarms.push(alarm);
    };

    add(
      'ApiServerErrorsAlarm',
      this.api.metricServerError({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
      thresholds.serverErrors ?? 5,
      'API 5xx answers (server faults and refused deliveries)',
    );
    add(
      'ApiLatencyP99Alarm',
      this.api.metricLatency({ period: fiveMinutes, statistic: cloudwatch.Stats.p(99) }),
      (thresholds.latencyP99 ?? Duration.seconds(3)).toMilliseconds(),
      'API p99 latency (ms) over three 5-minute periods',
      3,
    );
    for (const [name, fn] of Object.entries(this.functions)) {
      add(
        `${capitalise(name)}ThrottlesAlarm`,
        fn.metricThrottles({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
        1,
        `${name} function throttled`,
      );
      add(
        `${capitalise(name)}ErrorsAlarm`,
        fn.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
        1,
        `${name} function errors (crashes and timeouts; handled errors are answered, not thrown)`,
      );
    }
    add(
      'DeliveryFailuresAlarm',
      this.deliveryFailures,
      thresholds.deliveryFailures ?? 3,
      'deliveries refused by SNS, SES or SMS-Voice',
    );
    if (this.voiceFallback) {
      add(
        'VoiceFallbackFailuresAlarm',
        this.voiceFallback.metricFailures({ period: fiveMinutes }),
        1,
        'voice-fallback calls that could not be placed (workflow executions failed or timed out)',
      );
    }
    add(
      'SpendBrakeAlarm',
      this.spendBrakeHits,
      1,
      'the spend brake refused sms/voice sends (possible SMS pumping or a limit set too low)',
    );
  }

  private createDashboard(): cloudwatch.Dashboard {
    const fiveMinutes = Duration.minutes(5);
    const sum = { period: fiveMinutes, statistic: cloudwatch.Stats.SUM };
    const fns = Object.entries(this.functions);
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API requests and errors',
        left: [this.api.metricCount(sum), this.api.metricClientError(sum), this.api.metricServerError(sum)],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'API latency (ms)',
        left: [
          this.api.metricLatency({ period: fiveMinutes, statistic: cloudwatch.Stats.p(50) }),
          this.api.metricLatency({ period: fiveMinutes, statistic: cloudwatch.Stats.p(99) }),
          this.api.metricIntegrationLatency({ period: fiveMinutes, statistic: cloudwatch.Stats.p(99) }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Deliveries refused / spend brake',
        left: [this.deliveryFailures, this.spendBrakeHits],
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Invocations',
        left: fns.map(([name, fn]) => fn.metricInvocations({ ...sum, label: name })),
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Errors and throttles',
        left: fns.flatMap(([name, fn]) => [
          fn.metricErrors({ ...sum, label: `${name} errors` }),
          fn.metricThrottles({ ...sum, label: `${name} throttles` }),
        ]),
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Duration p99 (ms)',
        left: fns.map(([name, fn]) =>
          fn.metricDuration({ period: fiveMinutes, statistic: cloudwatch.Stats.p(99), label: name }),
        ),
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'DynamoDB capacity consumed',
        left: [
          this.table.metricConsumedWriteCapacityUnits(sum),
          this.table.metricConsumedReadCapacityUnits(sum),
        ],
        width: 6,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 }),
    );
    return dashboard;
  }
}

/**
 * The settings as the functions' environment variables, every one spelled out (the defaults come from
 * the engine's DEFAULT_SETTINGS). Checked here with the engine's own parser, so a bad value fails
 * `cdk synth` with the message a cold start would have given.
 */
export function settingsEnvironment(props: OtpServiceProps): Record<string, string> {
  const d = DEFAULT_SETTINGS;
  const env: Record<string, string> = {
    OTP_CODE_LENGTH: String(props.codeLength ?? d.codeLength),
    OTP_TTL_SECONDS: String(props.ttl?.toSeconds() ?? d.ttlSeconds),
    OTP_MAX_ATTEMPTS: String(props.maxAttempts ?? d.maxAttempts),
    OTP_RESEND_COOLDOWN_SECONDS: String(props.resendCooldown?.toSeconds() ?? d.resendCooldownSeconds),
    OTP_MAX_SENDS_PER_HOUR: String(props.maxSendsPerHour ?? d.maxSendsPerHour),
    OTP_MAX_SENDS_PER_DEVICE_IP_PER_HOUR: String(
      props.maxSendsPerDeviceIpPerHour ?? d.maxSendsPerDeviceIpPerHour,
    ),
    OTP_VOICE_FALLBACK_SECONDS: String(props.voiceFallbackWait?.toSeconds() ?? d.voiceFallbackSeconds),
    OTP_ALLOWED_COUNTRIES: (props.allowedCountries ?? DEFAULT_ALLOWED_COUNTRIES).join(','),
    OTP_PHONE_SENDS_PER_MINUTE: String(props.phoneSendsPerMinute ?? d.phoneSendsPerMinute),
    OTP_PHONE_SENDS_PER_DAY: String(props.phoneSendsPerDay ?? d.phoneSendsPerDay),
    OTP_SPEND_BRAKE_SHARDS: String(props.spendBrakeShards ?? d.spendBrakeShards),
    OTP_APP_NAME: props.appName ?? d.appName,
    OTP_DEFAULT_LOCALE: props.defaultLocale ?? d.defaultLocale,
  };
  if (props.sms?.originDomain) env['OTP_ORIGIN_DOMAIN'] = props.sms.originDomain;
  if (!Object.values(env).some((value) => Token.isUnresolved(value))) settingsFromEnv(env);
  return env;
}

/** The channel variables the start function reads (see functions/handlers/start.ts). */
function channelEnvironment(props: OtpServiceProps): Record<string, string> {
  const env: Record<string, string> = {};
  const set = (name: string, value: string | undefined) => {
    if (value) env[name] = value;
  };
  set('SMS_SENDER_ID', props.sms?.senderId);
  set('SMS_ORIGINATION_NUMBER', props.sms?.originationNumber);
  set('EMAIL_FROM_ADDRESS', props.email?.fromAddress);
  set('EMAIL_REPLY_TO', props.email?.replyTo);
  set('EMAIL_CONFIGURATION_SET', props.email?.configurationSetName);
  set('VOICE_ORIGINATION_IDENTITY', props.voice?.originationIdentity);
  set('VOICE_ID', props.voice?.voiceId);
  return env;
}

/** The variables the voice-fallback function's senders read (see functions/handlers/senders.ts). */
function voiceEnvironment(voice: OtpVoiceProps): Record<string, string> {
  return {
    VOICE_ORIGINATION_IDENTITY: voice.originationIdentity,
    ...(voice.voiceId ? { VOICE_ID: voice.voiceId } : {}),
  };
}

/** `"Acme" <no-reply@acme.example>` → `no-reply@acme.example`. */
export function emailAddressOf(from: string): string {
  const angled = /<([^>]+)>/.exec(from);
  const address = (angled?.[1] ?? from).trim();
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address)) {
    throw new Error(`email.fromAddress "${from}" holds no email address`);
  }
  return address;
}

/**
 * The resources SendVoiceMessage may use. An id or ARN of a phone number or pool names exactly that
 * resource; an E.164 number or a sender id names none, so the grant covers the account's phone
 * numbers and pools (returned in `scopedToAccount` so they can be acknowledged). Opt-out lists are
 * evaluated on each send, so the account's are included.
 */
export function voiceResources(
  stack: Stack,
  identity: string,
): { resources: string[]; scopedToAccount: string[] } {
  const arn = (resource: string, resourceName: string) =>
    stack.formatArn({ service: 'sms-voice', resource, resourceName });
  const optOutLists = arn('opt-out-list', '*');
  let named: string | undefined;
  if (identity.startsWith('arn:')) named = identity;
  else if (/^phone-[0-9a-z]+$/i.test(identity)) named = arn('phone-number', identity);
  else if (/^pool-[0-9a-z]+$/i.test(identity)) named = arn('pool', identity);
  if (named) return { resources: [named, optOutLists], scopedToAccount: [optOutLists] };
  const account = [arn('phone-number', '*'), arn('pool', '*'), optOutLists];
  return { resources: account, scopedToAccount: account };
}

function accessLogFormat(): apigateway.AccessLogFormat {
  const f = apigateway.AccessLogField;
  return apigateway.AccessLogFormat.custom(
    JSON.stringify({
      requestId: f.contextRequestId(),
      requestTime: f.contextRequestTime(),
      sourceIp: f.contextIdentitySourceIp(),
      apiKeyId: f.contextIdentityApiKeyId(),
      httpMethod: f.contextHttpMethod(),
      resourcePath: f.contextResourcePath(),
      status: f.contextStatus(),
      responseLength: f.contextResponseLength(),
      responseLatencyMs: f.contextResponseLatency(),
      integrationLatencyMs: f.contextIntegrationLatency(),
      errorType: f.contextErrorResponseType(),
      xrayTraceId: f.contextXrayTraceId(),
    }),
  );
}

/** A resolved ARN as cdk-nag names it in a finding: `arn:<AWS::Partition>:…`. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = value as { 'Fn::Join'?: [string, unknown[]]; Ref?: string };
  if (node['Fn::Join']) return node['Fn::Join'][1].map(flatten).join(node['Fn::Join'][0]);
  if (node.Ref) return `<${node.Ref}>`;
  return JSON.stringify(value);
}

const capitalise = (name: string) => name[0]!.toUpperCase() + name.slice(1);
