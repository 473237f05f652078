/**
 * What a team sets on `OtpService` (and, through `-c` keys, on the standalone stack): the settings,
 * the channels, the API, alarms and the optional parts. Every setting has the default the contract
 * names; infra/environment.ts turns them into the functions' environment.
 */
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as events from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { CodeAlphabet } from '../functions/core/codes.ts';
import type { CascadeStepRequest } from '../functions/core/verification.ts';
import type { OtpFunctionProps } from './otp-function.ts';
import type { OtpTracing } from './tracing.ts';

export type OtpFunctionName = 'start' | 'check' | 'status' | 'cancel';

/** Who carries an SMS (docs/deploy.md, "From cdk deploy to a real code"). */
export type OtpSmsProvider = 'sns' | 'end-user-messaging' | 'notify';
/** Who places a call. */
export type OtpVoiceProvider = 'end-user-messaging' | 'notify';

/** SMS is always on: through Amazon SNS unless `provider` says otherwise. */
export interface OtpSmsProps {
  /**
   * `sns` (as before), `end-user-messaging` (`SendTextMessage` from your own number, pool or sender id,
   * with a protect configuration on every send), or `notify` (AWS End User Messaging Notify: AWS's
   * numbers and pre-approved templates, no registration; `originationNumber`, `senderId` and
   * `templates` do not apply). @default 'sns'
   */
  readonly provider?: OtpSmsProvider;
  /** End User Messaging and Notify: an SMS-Voice configuration set the messages go through. @default none */
  readonly configurationSetName?: string;
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
  /** `end-user-messaging` (`SendVoiceMessage` from your number) or `notify`. @default 'end-user-messaging' */
  readonly provider?: OtpVoiceProvider;
  /** Phone number or pool (id, ARN, or E.164 number) the call comes from; required unless `provider` is `notify`. */
  readonly originationIdentity?: string;
  /** One Polly voice for every call (e.g. `JOANNA`). @default a native voice for the message's language */
  readonly voiceId?: string;
  /**
   * SMS-Voice configuration set the calls go through. @default one created for delivery receipts
   * (named after this construct), or none when `deliveryReceipts` is off
   */
  readonly configurationSetName?: string;
}

/**
 * WhatsApp through AWS End User Messaging Social; the `whatsapp` channel is on when given. Messages
 * are an approved **authentication template** with a copy-code button (category AUTHENTICATION,
 * created in WhatsApp Manager or through the Meta API), in each of the languages listed.
 */
export interface OtpWhatsAppProps {
  /**
   * The WhatsApp Business phone number linked to End User Messaging Social:
   * `phone-number-id-<32 hex digits>` (or its ARN).
   */
  readonly phoneNumberId: string;
  /** The authentication template's name. @default 'verification_code' */
  readonly templateName?: string;
  /**
   * The languages the template is approved in (Meta's codes, e.g. `en_US`, `es`, `pt_BR`), the
   * fallback first: a verification in Portuguese uses `pt_BR`, one in a language not listed the first.
   * @default ['en_US']
   */
  readonly templateLanguages?: readonly string[];
  /** The Meta Graph API version of the message object. @default 'v20.0' */
  readonly metaApiVersion?: string;
  /**
   * The SNS topic that is the WhatsApp Business Account's event destination: the delivery receipts
   * function subscribes to it and records the statuses of `phoneNumberId`'s messages (`delivery` in
   * `GET`). @default none: WhatsApp deliveries stay `unknown`
   */
  readonly eventTopicArn?: string;
}

/**
 * Push notifications through Amazon SNS mobile push; the `push` channel is on when given. A request's
 * `to` is the ARN of a platform endpoint your backend created (`CreatePlatformEndpoint`) under one of
 * these applications.
 */
export interface OtpPushProps {
  /**
   * ARNs of the SNS platform applications (APNs `APNS` / `APNS_SANDBOX`, FCM `GCM`), e.g.
   * `arn:aws:sns:eu-west-1:123456789012:app/APNS/acme-ios`.
   */
  readonly platformApplications: readonly string[];
}

/** AWS End User Messaging Notify, when `sms.provider` or `voice.provider` is `notify`. */
export interface OtpNotifyProps {
  /**
   * An existing Notify configuration (`nc-…` or its ARN) to send through. @default one created here:
   * display name `appName`, use case CODE_VERIFICATION, the channels that use Notify, and the
   * `allowedCountries` (all that Notify's tier allows for `['*']`)
   */
  readonly configurationId?: string;
  /**
   * A Notify template id per locale (`en`, `es`, `fr`, `de`, `pt`, `it`), e.g.
   * `{ en: 'notify-code-verification-english-001' }` (`aws pinpoint-sms-voice-v2 describe-notify-templates`
   * lists them). A locale not named uses the configuration's default template. @default none named
   */
  readonly templateIds?: Readonly<Record<string, string>>;
  /** The configuration's default template, for a configuration created here. @default Notify's own */
  readonly defaultTemplateId?: string;
}

/**
 * SMS Protect on the direct End User Messaging path (SMS and voice through your own numbers): a protect
 * configuration attached to every send, its country rules derived from `allowedCountries`.
 */
export interface OtpProtectProps {
  /**
   * What the allowed countries get: `FILTER` (AWS's SMS-pumping model filters suspicious messages) or
   * `ALLOW`. Every other country is `BLOCK`. @default 'FILTER'
   */
  readonly allowedCountryRule?: 'ALLOW' | 'FILTER';
  /** An existing protect configuration (`protect-…` or its ARN) instead of one created here. */
  readonly configurationId?: string;
  /**
   * Also make it the **account default** in this region: every SMS and call of the account, SNS and
   * Cognito's included (they cannot name one per message), is then held to its country rules. Opt in
   * only when this service owns the account's SMS. @default false
   */
  readonly accountDefault?: boolean;
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
  /**
   * SMS conversion collapsing in a country while its volume rises: SMS pumping's signature
   * (docs/operations.md#conversion-collapse). A function run five minutes past each hour judges the
   * last full hour of each of `countries` (default: `allowedCountries`, when it is a list and not `*`)
   * against the hour before, and one alarm watches how many collapsed; `false` turns both off.
   * @default at least 20 SMS verifications in an hour, more than the hour before, fewer than 30% approved
   */
  readonly conversionCollapse?:
    | { countries?: readonly string[]; minSendsPerHour?: number; minConversion?: number }
    | false;
}

export interface OtpServiceProps {
  /** Symbols per code, 4–10. @default DEFAULT_SETTINGS.codeLength (6) */
  readonly codeLength?: number;
  /**
   * `digits`, or `alphanumeric`: upper-case letters and digits without look-alikes (31 symbols, checked
   * case-insensitively; docs/security.md gives the entropy per length). @default 'digits'
   */
  readonly codeAlphabet?: CodeAlphabet;
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
  /**
   * Wait before the voice fallback calls (`voiceFallback`, and the default after an sms when voice is
   * on). @default DEFAULT_SETTINGS.voiceFallbackSeconds (60 s)
   */
  readonly voiceFallbackWait?: Duration;
  /**
   * Build the cascade (docs/cascade.md): a queue, two small functions and a Step Functions workflow
   * that re-deliver a code on other channels while it is not verified. Nothing runs, and nothing is
   * billed, for a verification without one. @default true
   */
  readonly cascade?: boolean;
  /**
   * The steps a start request gets when it names no `cascade` (steps that do not fit a request, e.g.
   * voice after an email, are left out for it). @default a voice call after `voiceFallbackWait`
   * following an sms, when voice is on; otherwise none
   */
  readonly defaultCascade?: readonly CascadeStepRequest[];
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
  /** Turns the whatsapp channel on. @default whatsapp off */
  readonly whatsapp?: OtpWhatsAppProps;
  /** Turns the push channel on. @default push off */
  readonly push?: OtpPushProps;
  /** Notify, for the phone channels whose provider is `notify`. @default a configuration created here */
  readonly notify?: OtpNotifyProps;
  /**
   * The protect configuration of the direct path (`sms.provider: 'end-user-messaging'`, and voice through
   * `SendVoiceMessage`); `false` attaches none. It becomes the account default only with
   * `accountDefault: true` (that changes every SNS and Cognito SMS of the account and region).
   * @default one created here
   */
  readonly smsProtect?: OtpProtectProps | false;

  readonly api?: OtpApiProps;
  readonly alarms?: OtpAlarmProps;
  /**
   * The CloudWatch dashboard (the API, rate limits, the functions, the activity, every alarm's state):
   * $3 a month, the largest fixed cost of a quiet deployment (an account's first three dashboards are
   * free). `false` leaves it out; the alarms, metrics and runbook stay. @default true
   */
  readonly dashboard?: boolean;
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
  /**
   * How much X-Ray records (docs/operations.md, "Tracing and what it costs"): `sampled` traces
   * `tracingSampleRate` of the API's requests through a sampling rule of this stage, the functions
   * passing the decision through; `all` puts every function on Active tracing under the default rule
   * (nearly every request at 1M a month: about $25 per million verifications); `off` traces nothing.
   * @default 'sampled'
   */
  readonly tracing?: OtpTracing;
  /** The share of API requests `tracing: 'sampled'` records, 0–1. @default 0.01 */
  readonly tracingSampleRate?: number;
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
