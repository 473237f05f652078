import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { LambdaDestination } from 'aws-cdk-lib/aws-logs-destinations';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as smsvoice from 'aws-cdk-lib/aws-smsvoice';
import * as sns from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import {
  POWERTOOLS_LOG_LEVEL,
  POWERTOOLS_SERVICE_NAME,
  SECRET_ARN,
  TABLE_NAME,
  WHATSAPP_PHONE_NUMBER_ID,
} from '../functions/env.ts';
import { acknowledgeStarGrants, nagResourceName } from './nag.ts';
import { handlerEntry, OtpFunction, type OtpFunctionProps } from './otp-function.ts';

/** The SES events that say something about delivery (functions/core/delivery.ts). */
const SES_EVENTS = [
  ses.EmailSendingEvent.DELIVERY,
  ses.EmailSendingEvent.BOUNCE,
  ses.EmailSendingEvent.REJECT,
  ses.EmailSendingEvent.RENDERING_FAILURE,
];
/** Their EventBridge detail-types (https://docs.aws.amazon.com/ses/latest/dg/monitoring-eventbridge.html). */
const SES_DETAIL_TYPES = ['Email Delivered', 'Email Bounced', 'Email Rejected', 'Email Rendering Failed'];
/** The final voice events (in-flight ones — initiated, ringing, answered — are not sent). */
const VOICE_EVENTS = [
  'VOICE_COMPLETED',
  'VOICE_BUSY',
  'VOICE_NO_ANSWER',
  'VOICE_FAILED',
  'VOICE_TTL_EXPIRED',
];

export interface OtpDeliveryReceiptsEmailProps {
  /**
   * The SES configuration set the start function sends with: give the same name to
   * `OtpService`'s `email.configurationSetName` (the `EMAIL_CONFIGURATION_SET` variable).
   */
  readonly configurationSetName: string;
  /**
   * The configuration set exists already (made elsewhere): only the EventBridge event destination is
   * added to it. @default false — the configuration set is created here
   */
  readonly existingConfigurationSet?: boolean;
}

export interface OtpDeliveryReceiptsVoiceProps {
  /**
   * The AWS End User Messaging SMS and Voice v2 configuration set the voice calls are sent with
   * (`SendVoiceMessage`'s `ConfigurationSetName`). It is created here, with an event destination to
   * this construct's topic: CloudFormation's `AWS::SMSVOICE::ConfigurationSet` holds its destinations,
   * so an existing configuration set gets its destination with one command instead (below).
   */
  readonly configurationSetName: string;
  /**
   * The configuration set exists already: only the topic is made here, and the event destination is
   * added once with
   * `aws pinpoint-sms-voice-v2 create-event-destination --configuration-set-name <name>
   * --event-destination-name onetime-delivery-receipts --matching-event-types VOICE_COMPLETED VOICE_BUSY
   * VOICE_NO_ANSWER VOICE_FAILED VOICE_TTL_EXPIRED --sns-destination TopicArn=<voiceTopic.topicArn>`.
   * @default false — the configuration set is created here, with that destination
   */
  readonly existingConfigurationSet?: boolean;
}

export interface OtpDeliveryReceiptsProps {
  /** The verification table (`OtpService.table`). */
  readonly table: dynamodb.ITable;
  /** The key material (`OtpService.secret`): receipts are keyed by the destination's keyed hash. */
  readonly secret: secretsmanager.ISecret;
  /** Overrides for the function (memory, timeout, …); `environment` is merged. */
  readonly functionProps?: Partial<OtpFunctionProps>;
  /**
   * SMS receipts from Amazon SNS delivery status logs. **Account-wide, per region**: this sets the
   * account's SNS SMS attributes `DeliveryStatusIAMRole` (a role made here) and
   * `DeliveryStatusSuccessSamplingRate` = 100, replacing any value set before, and SNS then logs
   * every SMS the account sends in the region (other applications' too, to these log groups; their
   * receipts are matched by destination like onetime's, so a verification may show the outcome of
   * another application's later SMS to the same number — deploy onetime in its own account to rule it
   * out). Set `false` to leave the account's SMS settings alone (SMS then stays `unknown`).
   * @default true
   */
  readonly smsDeliveryStatus?: boolean;
  /**
   * The SNS log groups `sns/<region>/<account>/DirectPublishToPhoneNumber[/Failure]` exist already
   * (SMS delivery logging was on before): subscribe to them instead of creating them.
   * @default false — created here, with `logRetention`, so the subscription exists before the first SMS
   */
  readonly existingSmsLogGroups?: boolean;
  /** Email receipts from SES events, through EventBridge. @default none: email stays `unknown` */
  readonly email?: OtpDeliveryReceiptsEmailProps;
  /** Voice receipts from SMS-Voice v2 events, through an SNS topic. @default none: voice stays `unknown` */
  readonly voice?: OtpDeliveryReceiptsVoiceProps;
  /**
   * WhatsApp receipts: the event destination topic of the WhatsApp Business Account (one per account,
   * set with `aws socialmessaging put-whatsapp-business-account-event-destinations`), and the service's
   * phone number id, whose statuses alone are read. @default none: whatsapp stays `unknown`
   */
  readonly whatsapp?: { readonly eventTopicArn: string; readonly phoneNumberId: string };
  /** Retention of the function's log group and of the SNS SMS log groups. @default ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** What happens to the log groups, the key and the failure queue when they leave the stack. @default RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** Powertools service name of the function's logs. @default 'onetime' */
  readonly serviceName?: string;
}

/**
 * Delivery receipts: what SNS, SES and SMS-Voice report after they accepted a message, recorded on
 * the verification (`delivery` in `GET`: delivered / failed / unknown). One function takes the three
 * shapes (functions/handlers/delivery-receipts.ts) and writes each receipt with one conditional
 * UpdateItem on the destination's verification item (functions/core/delivery.ts) — so a send stays one
 * write: receipts are matched by destination, never by a stored message id.
 *
 * - **SMS** (`smsDeliveryStatus`, default on, account-wide — see the prop): SNS delivery status
 *   logging on, a CloudWatch Logs subscription filter on both SNS SMS log groups → the function.
 * - **Email** (`email`): an SES configuration set with an EventBridge event destination (default bus)
 *   and a rule for its delivery, bounce, reject and rendering-failure events → the function. The
 *   start function must send with that configuration set (`OtpService` `email.configurationSetName`).
 * - **Voice** (`voice`): an SMS-Voice v2 configuration set whose event destination is an SNS topic
 *   (KMS-encrypted) → the function. The voice sender must send with that configuration set.
 * - **WhatsApp** (`whatsapp`): the WhatsApp Business Account's event destination topic (given) → the
 *   function, which reads the statuses of the service's own phone number only.
 *
 * The function needs the secret (through the Parameters and Secrets extension, as OtpService's
 * functions) and `dynamodb:UpdateItem` on the table, nothing else. Invocations that fail (a write
 * failed beyond the SDK's retries) are retried by Lambda, then land in `failedReceipts`.
 */
export class OtpDeliveryReceipts extends Construct {
  readonly function: OtpFunction;
  /** Receipt events given up after Lambda's and EventBridge's retries. */
  readonly failedReceipts: sqs.Queue;
  /** With `smsDeliveryStatus`: the role SNS writes the delivery status logs with. */
  readonly smsDeliveryStatusRole?: iam.Role;
  /** With `smsDeliveryStatus`: the success and failure log groups SNS writes to. */
  readonly smsLogGroups: logs.ILogGroup[] = [];
  /** With `email`: the configuration set name the start function must send with. */
  readonly emailConfigurationSetName?: string;
  readonly emailConfigurationSet?: ses.IConfigurationSet;
  readonly emailRule?: events.Rule;
  /** With `voice`: the configuration set name the voice sender must send with. */
  readonly voiceConfigurationSetName?: string;
  /** With `voice`: the topic SMS-Voice publishes voice events to. */
  readonly voiceTopic?: sns.Topic;
  readonly voiceTopicKey?: kms.Key;

  constructor(scope: Construct, id: string, props: OtpDeliveryReceiptsProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.failedReceipts = new sqs.Queue(this, 'FailedReceipts', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    Validations.of(this.failedReceipts).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue: receipt events the function (asynchronous invocations) ' +
        'and the EventBridge target gave up on after their retries.',
    });

    const override = props.functionProps ?? {};
    this.function = new OtpFunction(this, 'Function', {
      entry: handlerEntry('delivery-receipts'),
      description: 'onetime: delivery receipts (SNS SMS logs, SES events, voice events) onto verifications',
      memorySize: 512,
      timeout: Duration.seconds(60),
      paramsAndSecrets: lambda.ParamsAndSecretsLayerVersion.fromVersion(
        lambda.ParamsAndSecretsVersions.V1_0_103,
        { cacheSize: 10, logLevel: lambda.ParamsAndSecretsLogLevel.WARN },
      ),
      deadLetterQueue: this.failedReceipts,
      logGroupRetention: logRetention,
      logGroupRemovalPolicy: removalPolicy,
      ...override,
      environment: {
        [TABLE_NAME]: props.table.tableName,
        // Only the ARN: the function reads the value through the Parameters and Secrets extension.
        [SECRET_ARN]: props.secret.secretArn,
        [POWERTOOLS_SERVICE_NAME]: props.serviceName ?? 'onetime',
        [POWERTOOLS_LOG_LEVEL]: 'INFO',
        ...(props.whatsapp ? { [WHATSAPP_PHONE_NUMBER_ID]: props.whatsapp.phoneNumberId } : {}),
        ...override.environment,
      },
    });
    props.secret.grantRead(this.function);
    // One conditional UpdateItem per receipt; never a read, never a put.
    props.table.grant(this.function, 'dynamodb:UpdateItem');

    if (props.smsDeliveryStatus ?? true) {
      this.smsDeliveryStatusRole = this.enableSmsDeliveryStatus(props, logRetention, removalPolicy);
    }
    if (props.email) {
      this.emailConfigurationSetName = props.email.configurationSetName;
      [this.emailConfigurationSet, this.emailRule] = this.subscribeEmail(props.email);
    }
    if (props.voice) {
      this.voiceConfigurationSetName = props.voice.configurationSetName;
      [this.voiceTopic, this.voiceTopicKey] = this.subscribeVoice(props.voice, removalPolicy);
    }
    if (props.whatsapp) {
      // The account's topic, shared with whatever else reads its events: only subscribed to here.
      sns.Topic.fromTopicArn(this, 'WhatsAppEvents', props.whatsapp.eventTopicArn).addSubscription(
        new LambdaSubscription(this.function, { deadLetterQueue: this.failedReceipts }),
      );
    }

    this.acknowledgeFunction();
  }

  /**
   * SNS SMS delivery status logs → the function. The account's SMS attributes are set by an SDK call
   * (there is no CloudFormation resource for them); the log groups are made first, with a retention,
   * so the subscription filters exist before SNS writes its first line.
   */
  private enableSmsDeliveryStatus(
    props: OtpDeliveryReceiptsProps,
    retention: logs.RetentionDays,
    removalPolicy: RemovalPolicy,
  ): iam.Role {
    const { region, account } = Stack.of(this);
    const base = `sns/${region}/${account}/DirectPublishToPhoneNumber`;
    const names: Array<[string, string]> = [
      ['SmsDeliveredLogs', base],
      ['SmsFailedLogs', `${base}/Failure`],
    ];
    for (const [id, logGroupName] of names) {
      const logGroup = props.existingSmsLogGroups
        ? logs.LogGroup.fromLogGroupName(this, id, logGroupName)
        : new logs.LogGroup(this, id, { logGroupName, retention, removalPolicy });
      new logs.SubscriptionFilter(this, `${id}Subscription`, {
        logGroup,
        destination: new LambdaDestination(this.function),
        filterPattern: logs.FilterPattern.allEvents(),
      });
      this.smsLogGroups.push(logGroup);
    }

    // The role SNS writes the delivery logs with: the documented actions, on those two log groups only.
    const role = new iam.Role(this, 'SmsDeliveryStatusRole', {
      // As SNS documents it (https://docs.aws.amazon.com/sns/latest/dg/topics-attrib-prereq.html); only
      // this account can name the role in its SMS settings (that takes iam:PassRole here).
      assumedBy: new iam.ServicePrincipal('sns.amazonaws.com'),
      description: 'onetime: lets Amazon SNS write SMS delivery status logs',
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: this.smsLogGroups.map((logGroup) => logGroup.logGroupArn),
      }),
    );
    if (props.existingSmsLogGroups) {
      Validations.of(role).acknowledge(
        ...this.smsLogGroups.map((logGroup) => ({
          id: `AwsSolutions-IAM5[Resource::${nagResourceName(Stack.of(this).resolve(logGroup.logGroupArn))}]`,
          reason:
            'An imported log group is named by its ARN with `:*` (the group and its streams): SNS writes ' +
            'log streams it names itself, inside the two SMS delivery log groups only.',
        })),
      );
    }

    const settings = new cr.AwsCustomResource(this, 'SmsDeliveryStatusSettings', {
      // Account-wide SMS settings (per region): see the `smsDeliveryStatus` prop.
      onUpdate: {
        service: 'SNS',
        action: 'setSMSAttributes',
        parameters: {
          attributes: { DeliveryStatusIAMRole: role.roleArn, DeliveryStatusSuccessSamplingRate: '100' },
        },
        physicalResourceId: cr.PhysicalResourceId.of('onetime-sms-delivery-status'),
        logging: cr.Logging.withDataHidden(),
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        // SetSMSAttributes has no resource-level permissions.
        new iam.PolicyStatement({ actions: ['sns:SetSMSAttributes'], resources: ['*'] }),
        new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [role.roleArn] }),
      ]),
      installLatestAwsSdk: false,
    });
    settings.node.addDependency(...this.smsLogGroups.filter((g) => g instanceof logs.LogGroup));
    Validations.of(settings).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "sns:SetSMSAttributes has no resource-level permissions (the SMS settings are the account's); the " +
        'same policy lets the call pass only the delivery status role made here.',
    });
    this.acknowledgeSdkCallProvider();
    return role;
  }

  /** SES events of the configuration set → EventBridge (default bus) → the function. */
  private subscribeEmail(email: OtpDeliveryReceiptsEmailProps): [ses.IConfigurationSet, events.Rule] {
    const configurationSet = email.existingConfigurationSet
      ? ses.ConfigurationSet.fromConfigurationSetName(
          this,
          'EmailConfigurationSet',
          email.configurationSetName,
        )
      : new ses.ConfigurationSet(this, 'EmailConfigurationSet', {
          configurationSetName: email.configurationSetName,
        });
    // SES publishes to the default bus only.
    const defaultBus = events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    new ses.ConfigurationSetEventDestination(this, 'EmailEvents', {
      configurationSet,
      destination: ses.EventDestination.eventBus(defaultBus),
      events: SES_EVENTS,
    });
    const rule = new events.Rule(this, 'EmailEventsRule', {
      description: 'onetime: SES delivery, bounce, reject and rendering-failure events → delivery receipts',
      eventBus: defaultBus,
      eventPattern: {
        source: ['aws.ses'],
        detailType: SES_DETAIL_TYPES,
        // Only this configuration set's mail: other applications' email to the same address is not onetime's.
        detail: { mail: { tags: { 'ses:configuration-set': [email.configurationSetName] } } },
      },
      targets: [
        new targets.LambdaFunction(this.function, {
          deadLetterQueue: this.failedReceipts,
          maxEventAge: Duration.hours(24),
          retryAttempts: 20,
        }),
      ],
    });
    return [configurationSet, rule];
  }

  /** SMS-Voice v2 voice events → an encrypted SNS topic → the function. */
  private subscribeVoice(
    voice: OtpDeliveryReceiptsVoiceProps,
    removalPolicy: RemovalPolicy,
  ): [sns.Topic, kms.Key] {
    const configurationSetArn = Stack.of(this).formatArn({
      service: 'sms-voice',
      resource: 'configuration-set',
      resourceName: voice.configurationSetName,
    });
    const fromSmsVoice = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: { 'aws:SourceArn': configurationSetArn },
    };
    // SMS-Voice encrypts into the topic with this key (https://docs.aws.amazon.com/sms-voice/latest/userguide/configuration-sets-sns-creating-role.html).
    const key = new kms.Key(this, 'VoiceEventsKey', {
      description: 'onetime: encrypts the SMS-Voice voice events topic',
      enableKeyRotation: true,
      removalPolicy,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('sms-voice.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: fromSmsVoice,
      }),
    );
    const topic = new sns.Topic(this, 'VoiceEvents', {
      displayName: 'onetime voice events',
      masterKey: key,
      enforceSSL: true,
    });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('sms-voice.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: fromSmsVoice,
      }),
    );
    topic.addSubscription(new LambdaSubscription(this.function, { deadLetterQueue: this.failedReceipts }));

    if (!voice.existingConfigurationSet) {
      const configurationSet = new smsvoice.CfnConfigurationSet(this, 'VoiceConfigurationSet', {
        configurationSetName: voice.configurationSetName,
        eventDestinations: [
          {
            eventDestinationName: 'onetime-delivery-receipts',
            enabled: true,
            matchingEventTypes: VOICE_EVENTS,
            snsDestination: { topicArn: topic.topicArn },
          },
        ],
      });
      // SMS-Voice checks that it may publish when the destination is created.
      configurationSet.node.addDependency(topic, key);
    }
    return [topic, key];
  }

  private acknowledgeFunction(): void {
    acknowledgeStarGrants(
      this.function,
      'every other grant names the table, the secret or the failure queue.',
    );
  }

  /** The singleton function behind every AwsCustomResource of the stack (CDK's, not onetime's code). */
  private acknowledgeSdkCallProvider(): void {
    const provider = Stack.of(this).node.tryFindChild('AWS679f53fac002430cb0da5b7982bd2287');
    if (!provider) return;
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "CDK's AwsCustomResource provider runs with AWSLambdaBasicExecutionRole (writing its own logs); it " +
        'only calls sns:SetSMSAttributes once per deployment to turn SMS delivery status logging on.',
    });
  }
}
