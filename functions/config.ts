/**
 * Reads the functions' environment, once per cold start (or once per local run): the engine's
 * settings, which the CDK construct sets and local mode reads alike, and the table, secret, channel
 * and workflow variables a Lambda function needs. A bad or missing value fails loudly at start-up
 * rather than misbehaving later, and `cdk synth` runs these same readers on the environment each
 * function is deployed with (infra/otp-function.ts), so it fails there first.
 */
import { checkCascadeSetting } from './core/cascade.ts';
import { CODE_ALPHABETS, isCodeAlphabet, MAX_CODE_LENGTH, MIN_CODE_LENGTH } from './core/codes.ts';
import type { CollapseThresholds } from './core/conversion-collapse.ts';
import { isPushApplicationArn } from './core/push-endpoints.ts';
import { DEFAULT_SETTINGS, type Settings } from './core/settings.ts';
import { checkSmsTemplates, isSupported, SUPPORTED_LOCALES } from './core/sms-templates.ts';
import {
  CASCADE_QUEUE_URL,
  CASCADE_STATE_MACHINE_ARN,
  CONVERSION_WATCH_COUNTRIES,
  CONVERSION_WATCH_MIN_CONVERSION,
  CONVERSION_WATCH_MIN_SENDS_PER_HOUR,
  EMAIL_CONFIGURATION_SET,
  EMAIL_FROM_ADDRESS,
  EMAIL_REPLY_TO,
  KEY_ROTATION_EVERY_SECONDS,
  KEY_ROTATION_SECRET_ARN,
  NOTIFY_CONFIGURATION_ID,
  NOTIFY_TEMPLATE_IDS,
  OTP_ALLOWED_COUNTRIES,
  OTP_APP_NAME,
  OTP_CASCADE,
  OTP_CODE_ALPHABET,
  OTP_CODE_LENGTH,
  OTP_DEFAULT_LOCALE,
  OTP_MAX_ATTEMPTS,
  OTP_MAX_SENDS_PER_DEVICE_IP_PER_HOUR,
  OTP_MAX_SENDS_PER_HOUR,
  OTP_ORIGIN_DOMAIN,
  OTP_PHONE_SENDS_PER_DAY,
  OTP_PHONE_SENDS_PER_MINUTE,
  OTP_PUSH_PLATFORM_APPLICATIONS,
  OTP_RESEND_COOLDOWN_SECONDS,
  OTP_SMS_TEMPLATES,
  OTP_SPEND_BRAKE_SHARDS,
  OTP_TTL_SECONDS,
  OTP_VOICE_FALLBACK_SECONDS,
  SECRET_ARN,
  SMS_CONFIGURATION_SET,
  SMS_ORIGINATION_NUMBER,
  SMS_PROTECT_CONFIGURATION_ID,
  SMS_PROVIDER,
  SMS_SENDER_ID,
  TABLE_NAME,
  VOICE_CONFIGURATION_SET,
  VOICE_ID,
  VOICE_ORIGINATION_IDENTITY,
  VOICE_PROTECT_CONFIGURATION_ID,
  VOICE_PROVIDER,
  WHATSAPP_META_API_VERSION,
  WHATSAPP_PHONE_NUMBER_ID,
  WHATSAPP_TEMPLATE_LANGUAGES,
  WHATSAPP_TEMPLATE_NAME,
} from './env.ts';
import { type Env, integerFromEnv } from './integer-env.ts';

export { maxAttemptsFromEnv } from './integer-env.ts';
export type { Env };

/** Each variable, the setting it feeds, and the range it must fall in. */
const NUMERIC_VARIABLES: ReadonlyArray<[string, keyof Settings, number, number]> = [
  [OTP_CODE_LENGTH, 'codeLength', MIN_CODE_LENGTH, MAX_CODE_LENGTH],
  [OTP_TTL_SECONDS, 'ttlSeconds', 30, 86_400],
  [OTP_MAX_ATTEMPTS, 'maxAttempts', 1, 100], // maxAttemptsFromEnv too
  [OTP_RESEND_COOLDOWN_SECONDS, 'resendCooldownSeconds', 0, 3_600],
  [OTP_MAX_SENDS_PER_HOUR, 'maxSendsPerHour', 1, 10_000],
  [OTP_MAX_SENDS_PER_DEVICE_IP_PER_HOUR, 'maxSendsPerDeviceIpPerHour', 1, 1_000_000],
  [OTP_VOICE_FALLBACK_SECONDS, 'voiceFallbackSeconds', 1, 3_600],
  [OTP_PHONE_SENDS_PER_MINUTE, 'phoneSendsPerMinute', 0, 10_000_000],
  [OTP_PHONE_SENDS_PER_DAY, 'phoneSendsPerDay', 0, 1_000_000_000],
  [OTP_SPEND_BRAKE_SHARDS, 'spendBrakeShards', 1, 1_000],
];

export function settingsFromEnv(env: Env): Settings {
  const settings: Settings = { ...DEFAULT_SETTINGS };
  for (const [name, key, min, max] of NUMERIC_VARIABLES) {
    const value = integerFromEnv(env, name, min, max);
    if (value !== undefined) (settings[key] as number) = value;
  }
  const countries = env[OTP_ALLOWED_COUNTRIES];
  if (countries !== undefined && countries.trim() !== '') {
    const list = countries
      .split(',')
      .map((code) => code.trim().toUpperCase())
      .filter(Boolean);
    const bad = list.find((code) => code !== '*' && !/^[A-Z]{2}$/.test(code));
    if (bad) throw new Error(`${OTP_ALLOWED_COUNTRIES} holds "${bad}", not an ISO 3166 alpha-2 code or *`);
    if (list.length === 0) throw new Error(`${OTP_ALLOWED_COUNTRIES} names no country (use * to allow all)`);
    settings.allowedCountries = list;
  }
  const alphabet = env[OTP_CODE_ALPHABET];
  if (alphabet !== undefined && alphabet !== '') {
    if (!isCodeAlphabet(alphabet)) {
      throw new Error(`${OTP_CODE_ALPHABET} must be one of ${CODE_ALPHABETS.join(', ')} (got "${alphabet}")`);
    }
    settings.codeAlphabet = alphabet;
  }
  if (env[OTP_APP_NAME]) settings.appName = env[OTP_APP_NAME];
  if (env[OTP_DEFAULT_LOCALE]) settings.defaultLocale = env[OTP_DEFAULT_LOCALE];
  if (env[OTP_ORIGIN_DOMAIN]) settings.originDomain = env[OTP_ORIGIN_DOMAIN];
  return settings;
}

/** What only the sending doors read, on top of `settingsFromEnv`. */
type SendSettings = Partial<Pick<Settings, 'smsTemplates' | 'defaultCascade' | 'pushPlatformApplications'>>;

/**
 * The settings only the sending doors use (start, the cascade's step, Cognito's triggers, local
 * mode): your SMS wording (`OTP_SMS_TEMPLATES`), the default cascade (`OTP_CASCADE`) and the push
 * applications (`OTP_PUSH_PLATFORM_APPLICATIONS`). Read apart from `settingsFromEnv`, so the check and
 * status bundles carry none of their rules.
 */
export function sendSettingsFromEnv(env: Env): SendSettings {
  const read: SendSettings = {};
  const pushApplications = env[OTP_PUSH_PLATFORM_APPLICATIONS];
  if (pushApplications !== undefined && pushApplications.trim() !== '') {
    const list = pushApplications
      .split(',')
      .map((arn) => arn.trim())
      .filter(Boolean);
    const bad = list.find((arn) => !isPushApplicationArn(arn));
    if (bad) {
      throw new Error(
        `${OTP_PUSH_PLATFORM_APPLICATIONS} holds "${bad}", not the ARN of an SNS APNS, APNS_SANDBOX or GCM platform application`,
      );
    }
    read.pushPlatformApplications = list;
  }
  const smsTemplates = env[OTP_SMS_TEMPLATES];
  if (smsTemplates)
    read.smsTemplates = checkSmsTemplates(
      parseJson(smsTemplates, OTP_SMS_TEMPLATES, 'a JSON object of locale -> text'),
    );
  const cascade = env[OTP_CASCADE];
  if (cascade) {
    const what = 'a JSON array of {"channel", "to"?, "afterSeconds"}';
    read.defaultCascade = checkCascadeSetting(parseJson(cascade, OTP_CASCADE, what), OTP_CASCADE);
  }
  return read;
}

function parseJson(text: string, name: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${name} must be ${what}`);
  }
}

/** A pattern a value must match, or a test it must pass. */
type Check = RegExp | ((value: string) => boolean);

/** An optional variable (empty is unset) that, when set, must pass `check`: `what` it must be. */
function optionalEnv(env: Env, name: string, check: Check, what: string): string | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (!(typeof check === 'function' ? check(value) : check.test(value))) {
    throw new Error(`${name} must be ${what} (got "${value}")`);
  }
  return value;
}

/** A variable that must be set, and pass `check`. */
function requiredEnv(env: Env, name: string, check: Check, what: string): string {
  const value = optionalEnv(env, name, check, what);
  if (value === undefined) throw new Error(`environment variable ${name} is not set: it must be ${what}`);
  return value;
}

const TABLE_NAME_PATTERN = /^[A-Za-z0-9_.-]{3,255}$/;
const SECRET_ARN_PATTERN = /^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const STATE_MACHINE_ARN_PATTERN = /^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;

/** `TABLE_NAME`: the verification table of every function that reads or writes verifications. */
export function tableNameFromEnv(env: Env): string {
  return requiredEnv(env, TABLE_NAME, TABLE_NAME_PATTERN, 'a DynamoDB table name');
}

/** `SECRET_ARN`: the key material of every function that seals or opens codes (read through the extension). */
export function secretArnFromEnv(env: Env): string {
  return requiredEnv(env, SECRET_ARN, SECRET_ARN_PATTERN, 'a Secrets Manager secret ARN');
}

/** What the scheduled key rotation reads: the secret it rotates, and how old its current key may get. */
export function keyRotationFromEnv(env: Env): { secretArn: string; everySeconds: number } {
  const secretArn = requiredEnv(
    env,
    KEY_ROTATION_SECRET_ARN,
    SECRET_ARN_PATTERN,
    'a Secrets Manager secret ARN',
  );
  const every = requiredEnv(env, KEY_ROTATION_EVERY_SECONDS, /^[1-9]\d*$/, 'a whole number of seconds');
  return { secretArn, everySeconds: Number(every) };
}

/**
 * What the hourly conversion watch reads: the countries it watches (comma separated, at least one) and
 * the thresholds of a collapse (docs/operations.md#conversion-collapse).
 */
export function conversionWatchFromEnv(env: Env): { countries: string[] } & CollapseThresholds {
  const countries = requiredEnv(
    env,
    CONVERSION_WATCH_COUNTRIES,
    /^[A-Z]{2}(,[A-Z]{2})*$/,
    'ISO 3166 alpha-2 codes, comma separated',
  ).split(',');
  const minSends = requiredEnv(env, CONVERSION_WATCH_MIN_SENDS_PER_HOUR, /^[1-9]\d*$/, 'a whole number');
  const minConversion = requiredEnv(
    env,
    CONVERSION_WATCH_MIN_CONVERSION,
    /^(0(\.\d+)?|1(\.0+)?)$/,
    'a fraction from 0 to 1',
  );
  return { countries, minSendsPerHour: Number(minSends), minConversion: Number(minConversion) };
}

/** Who carries an SMS: Amazon SNS (the default), End User Messaging SMS directly, or its Notify. */
export const SMS_PROVIDERS = ['sns', 'end-user-messaging', 'notify'] as const;
export type SmsProvider = (typeof SMS_PROVIDERS)[number];
/** Who places a call: End User Messaging `SendVoiceMessage` (the default), or Notify. */
export const VOICE_PROVIDERS = ['end-user-messaging', 'notify'] as const;
export type VoiceProvider = (typeof VOICE_PROVIDERS)[number];

/** The channels a sending function has, as its environment configures them. */
export interface ChannelConfig {
  /** Always on: Amazon SNS unless `provider` names another (`SMS_PROVIDER`). */
  sms: SmsConfig;
  /** On with `EMAIL_FROM_ADDRESS` (Amazon SES). */
  email?: { fromAddress: string; replyTo?: string; configurationSetName?: string };
  /** On with `VOICE_ORIGINATION_IDENTITY`, or with `VOICE_PROVIDER=notify`. */
  voice?: VoiceConfig;
  /** On with `WHATSAPP_PHONE_NUMBER_ID` (AWS End User Messaging Social). */
  whatsapp?: WhatsAppConfig;
  /** On with `OTP_PUSH_PLATFORM_APPLICATIONS` (Amazon SNS mobile push to their endpoints). */
  push?: { platformApplications: readonly string[] };
  /** Present when SMS or voice goes through Notify (`NOTIFY_CONFIGURATION_ID`). */
  notify?: NotifyConfig;
}

export interface SmsConfig {
  /** Absent for SNS. */
  provider?: Exclude<SmsProvider, 'sns'>;
  senderId?: string;
  originationNumber?: string;
  /** End User Messaging and Notify: the SMS-Voice configuration set the message goes through. */
  configurationSetName?: string;
  /** End User Messaging only (Notify's own protection is mandatory): checked on every send. */
  protectConfigurationId?: string;
}

export type VoiceConfig =
  | {
      provider?: undefined;
      originationIdentity: string;
      voiceId?: string;
      configurationSetName?: string;
      protectConfigurationId?: string;
    }
  | { provider: 'notify'; voiceId?: string; configurationSetName?: string };

export interface NotifyConfig {
  /** The Notify configuration's id (`nc-…`) or ARN. */
  configurationId: string;
  /** A Notify template id per supported locale; a locale not named uses the configuration's default. */
  templateIds: Readonly<Partial<Record<string, string>>>;
}

export interface WhatsAppConfig {
  phoneNumberId: string;
  templateName: string;
  /** Meta language codes the template is approved in, the fallback first. */
  templateLanguages: readonly string[];
  metaApiVersion: string;
}

/** What WhatsApp uses when only its phone number id is set. */
export const WHATSAPP_DEFAULTS = {
  templateName: 'verification_code',
  templateLanguages: ['en_US'],
  metaApiVersion: 'v20.0',
} as const;

/** SES and SMS-Voice configuration set names alike. */
const CONFIGURATION_SET = /^[A-Za-z0-9_-]{1,64}$/;
const CONFIGURATION_SET_WHAT = 'a configuration set name (up to 64 letters, digits, _ and -)';
const ADDRESS_WHAT = 'an email address, bare or as "Name" <address>';

/**
 * The channel variables: each well-formed as its provider takes it, and none that only means
 * something beside a channel's switch (EMAIL_REPLY_TO without EMAIL_FROM_ADDRESS, VOICE_ID without
 * VOICE_ORIGINATION_IDENTITY) set without that switch.
 */
export function channelsFromEnv(env: Env): ChannelConfig {
  const senderId = optionalEnv(
    env,
    SMS_SENDER_ID,
    /^(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{1,11}$/,
    'an SMS sender id: 1 to 11 letters and digits, at least one a letter',
  );
  const originationNumber = optionalEnv(
    env,
    SMS_ORIGINATION_NUMBER,
    /^(\+[1-9]\d{1,14}|\d{3,8})$/,
    'an E.164 phone number such as +18885550100, or a short code',
  );
  const smsProvider = providerFromEnv(env, SMS_PROVIDER, SMS_PROVIDERS);
  const voiceProvider = providerFromEnv(env, VOICE_PROVIDER, VOICE_PROVIDERS);
  const smsSet = optionalEnv(env, SMS_CONFIGURATION_SET, CONFIGURATION_SET, CONFIGURATION_SET_WHAT);
  const smsProtect = optionalEnv(env, SMS_PROTECT_CONFIGURATION_ID, RESOURCE_ID, PROTECT_WHAT);
  onlyFor(env, SMS_PROVIDER, smsProvider, {
    [SMS_CONFIGURATION_SET]: ['end-user-messaging', 'notify'],
    [SMS_PROTECT_CONFIGURATION_ID]: ['end-user-messaging'],
    [SMS_SENDER_ID]: ['sns', 'end-user-messaging'],
    [SMS_ORIGINATION_NUMBER]: ['sns', 'end-user-messaging'],
  });
  const channels: ChannelConfig = {
    sms: {
      ...(smsProvider === 'sns' ? {} : { provider: smsProvider }),
      ...(senderId ? { senderId } : {}),
      ...(originationNumber ? { originationNumber } : {}),
      ...(smsSet ? { configurationSetName: smsSet } : {}),
      ...(smsProtect ? { protectConfigurationId: smsProtect } : {}),
    },
  };
  const notify = notifyFromEnv(env, smsProvider === 'notify' || voiceProvider === 'notify');
  if (notify) channels.notify = notify;

  const hasAddress = (value: string) => emailAddressIn(value) !== undefined;
  const fromAddress = optionalEnv(env, EMAIL_FROM_ADDRESS, hasAddress, ADDRESS_WHAT);
  const replyTo = optionalEnv(env, EMAIL_REPLY_TO, hasAddress, ADDRESS_WHAT);
  const emailSet = optionalEnv(env, EMAIL_CONFIGURATION_SET, CONFIGURATION_SET, CONFIGURATION_SET_WHAT);
  onlyWith(env, EMAIL_FROM_ADDRESS, [EMAIL_REPLY_TO, EMAIL_CONFIGURATION_SET]);
  if (fromAddress) {
    channels.email = {
      fromAddress,
      ...(replyTo ? { replyTo } : {}),
      ...(emailSet ? { configurationSetName: emailSet } : {}),
    };
  }

  // The pattern SendVoiceMessage takes: a phone number, or a phone number's or pool's id or ARN.
  const originationIdentity = optionalEnv(
    env,
    VOICE_ORIGINATION_IDENTITY,
    /^[A-Za-z0-9_:/+-]{1,256}$/,
    'a phone number, or the id or ARN of a phone number or pool',
  );
  const voiceId = optionalEnv(env, VOICE_ID, /^[A-Z]{2,20}$/, 'a voice name in capitals, such as JOANNA');
  const voiceSet = optionalEnv(env, VOICE_CONFIGURATION_SET, CONFIGURATION_SET, CONFIGURATION_SET_WHAT);
  const voiceProtect = optionalEnv(env, VOICE_PROTECT_CONFIGURATION_ID, RESOURCE_ID, PROTECT_WHAT);
  const optional = {
    ...(voiceId ? { voiceId } : {}),
    ...(voiceSet ? { configurationSetName: voiceSet } : {}),
  };
  if (voiceProvider === 'notify') {
    onlyFor(env, VOICE_PROVIDER, voiceProvider, {
      [VOICE_ORIGINATION_IDENTITY]: ['end-user-messaging'],
      [VOICE_PROTECT_CONFIGURATION_ID]: ['end-user-messaging'],
    });
    channels.voice = { provider: 'notify', ...optional };
  } else {
    onlyWith(env, VOICE_ORIGINATION_IDENTITY, [
      VOICE_ID,
      VOICE_CONFIGURATION_SET,
      VOICE_PROTECT_CONFIGURATION_ID,
    ]);
    if (originationIdentity) {
      channels.voice = {
        originationIdentity,
        ...optional,
        ...(voiceProtect ? { protectConfigurationId: voiceProtect } : {}),
      };
    }
  }
  const whatsapp = whatsAppFromEnv(env);
  if (whatsapp) channels.whatsapp = whatsapp;
  // The applications are a setting too (the engine checks `to` against them): one reader for both.
  const { pushPlatformApplications = [] } = sendSettingsFromEnv({
    [OTP_PUSH_PLATFORM_APPLICATIONS]: env[OTP_PUSH_PLATFORM_APPLICATIONS],
  });
  if (pushPlatformApplications.length > 0) {
    channels.push = { platformApplications: pushPlatformApplications };
  }
  return channels;
}

/** SMS-Voice resource ids and ARNs (protect and Notify configurations). */
const RESOURCE_ID = /^[A-Za-z0-9_:/-]{1,256}$/;
const PROTECT_WHAT = 'a protect configuration id (protect-…) or ARN';

function providerFromEnv<P extends string>(env: Env, name: string, providers: readonly P[]): P {
  const value = env[name];
  if (value === undefined || value === '') return providers[0]!;
  if (!(providers as readonly string[]).includes(value)) {
    throw new Error(`${name} must be one of ${providers.join(', ')} (got "${value}")`);
  }
  return value as P;
}

/** Throws when a variable is set whose meaning belongs to providers other than the one chosen. */
function onlyFor(env: Env, switchName: string, provider: string, rules: Record<string, readonly string[]>) {
  for (const [name, providers] of Object.entries(rules)) {
    if (env[name] && !providers.includes(provider)) {
      throw new Error(
        `${name} is set but ${switchName} is ${provider}: it applies to ${providers.join(' or ')} only`,
      );
    }
  }
}

/** Notify's variables: its configuration is required when a provider is Notify, and meaningless otherwise. */
function notifyFromEnv(env: Env, used: boolean): NotifyConfig | undefined {
  const configurationId = optionalEnv(
    env,
    NOTIFY_CONFIGURATION_ID,
    RESOURCE_ID,
    'a Notify configuration id (nc-…) or ARN',
  );
  const templates = env[NOTIFY_TEMPLATE_IDS];
  if (!used) {
    const orphan = [NOTIFY_CONFIGURATION_ID, NOTIFY_TEMPLATE_IDS].find((name) => env[name]);
    if (orphan)
      throw new Error(`${orphan} is set but neither ${SMS_PROVIDER} nor ${VOICE_PROVIDER} is notify`);
    return undefined;
  }
  if (!configurationId) {
    throw new Error(
      `${SMS_PROVIDER} or ${VOICE_PROVIDER} is notify but ${NOTIFY_CONFIGURATION_ID} is not set`,
    );
  }
  const what = 'a JSON object of locale -> Notify template id';
  const parsed = templates ? parseJson(templates, NOTIFY_TEMPLATE_IDS, what) : {};
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${NOTIFY_TEMPLATE_IDS} must be ${what}`);
  }
  for (const [locale, id] of Object.entries(parsed)) {
    if (!isSupported(locale)) {
      throw new Error(`${NOTIFY_TEMPLATE_IDS} names "${locale}", not one of ${SUPPORTED_LOCALES.join(', ')}`);
    }
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(id)) {
      throw new Error(
        `${NOTIFY_TEMPLATE_IDS} for "${locale}" must be a template id such as notify-code-verification-english-001`,
      );
    }
  }
  return { configurationId, templateIds: parsed as Record<string, string> };
}

/** The WhatsApp variables: a phone number id switches the channel on; the rest have defaults. */
function whatsAppFromEnv(env: Env): WhatsAppConfig | undefined {
  const phoneNumberId = optionalEnv(
    env,
    WHATSAPP_PHONE_NUMBER_ID,
    /^(phone-number-id-[0-9a-f]{32}|arn:[a-z-]+:social-messaging:[a-z0-9-]+:\d{12}:phone-number-id\/[0-9a-f]{32})$/,
    'an End User Messaging Social phone number id (phone-number-id-<32 hex digits>) or its ARN',
  );
  const templateName = optionalEnv(
    env,
    WHATSAPP_TEMPLATE_NAME,
    /^[a-z0-9_]{1,512}$/,
    'a WhatsApp template name (lower-case letters, digits and _)',
  );
  const languages = optionalEnv(
    env,
    WHATSAPP_TEMPLATE_LANGUAGES,
    /^[a-z]{2,3}(_[A-Za-z]{2,4})?(,[a-z]{2,3}(_[A-Za-z]{2,4})?)*$/,
    'comma-separated WhatsApp language codes such as en_US,es,pt_BR (the fallback first)',
  );
  const version = optionalEnv(
    env,
    WHATSAPP_META_API_VERSION,
    /^v\d{1,3}\.\d{1,2}$/,
    'a version such as v20.0',
  );
  onlyWith(env, WHATSAPP_PHONE_NUMBER_ID, [
    WHATSAPP_TEMPLATE_NAME,
    WHATSAPP_TEMPLATE_LANGUAGES,
    WHATSAPP_META_API_VERSION,
  ]);
  if (!phoneNumberId) return undefined;
  return {
    phoneNumberId,
    templateName: templateName ?? WHATSAPP_DEFAULTS.templateName,
    templateLanguages: languages ? languages.split(',') : WHATSAPP_DEFAULTS.templateLanguages,
    metaApiVersion: version ?? WHATSAPP_DEFAULTS.metaApiVersion,
  };
}

const QUEUE_URL_PATTERN = /^https:\/\/sqs\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/\d{12}\/[A-Za-z0-9_-]{1,80}$/;

/** The start function's cascade queue: set when the construct built the cascade (its default). */
export function cascadeQueueFromEnv(env: Env): string | undefined {
  return optionalEnv(env, CASCADE_QUEUE_URL, QUEUE_URL_PATTERN, 'an SQS queue URL');
}

/** The cascade's starter: the state machine it starts for a verification still pending. */
export function cascadeStateMachineFromEnv(env: Env): string {
  return requiredEnv(
    env,
    CASCADE_STATE_MACHINE_ARN,
    STATE_MACHINE_ARN_PATTERN,
    'a Step Functions state machine ARN',
  );
}

/** Throws when one of `dependents` is set but `switchName`, without which it means nothing, is not. */
function onlyWith(env: Env, switchName: string, dependents: readonly string[]): void {
  if (env[switchName]) return;
  const orphan = dependents.find((name) => env[name]);
  if (orphan) throw new Error(`${orphan} is set but ${switchName} is not: set both, or neither`);
}

/**
 * The address in a From or Reply-To value: `"Acme" <no-reply@acme.example>` → `no-reply@acme.example`,
 * a bare address as it is; undefined when there is none.
 */
export function emailAddressIn(value: string): string | undefined {
  const angled = /<([^>]+)>/.exec(value);
  const address = (angled?.[1] ?? value).trim();
  return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address) ? address : undefined;
}
