/**
 * The name of every environment variable onetime's functions read: the constructs in infra/ set them
 * by these names, and functions/ and local/ read them by the same, so each name is spelled once.
 * Named constants and no imports: this module is in every Lambda bundle, and a bundle keeps only the
 * names its code uses.
 */

// The engine's settings (functions/config.ts `settingsFromEnv`): set by the construct from its props,
// read from the shell in local mode.
export const OTP_CODE_LENGTH = 'OTP_CODE_LENGTH';
export const OTP_CODE_ALPHABET = 'OTP_CODE_ALPHABET';
export const OTP_TTL_SECONDS = 'OTP_TTL_SECONDS';
export const OTP_MAX_ATTEMPTS = 'OTP_MAX_ATTEMPTS';
export const OTP_RESEND_COOLDOWN_SECONDS = 'OTP_RESEND_COOLDOWN_SECONDS';
export const OTP_MAX_SENDS_PER_HOUR = 'OTP_MAX_SENDS_PER_HOUR';
export const OTP_MAX_SENDS_PER_DEVICE_IP_PER_HOUR = 'OTP_MAX_SENDS_PER_DEVICE_IP_PER_HOUR';
export const OTP_VOICE_FALLBACK_SECONDS = 'OTP_VOICE_FALLBACK_SECONDS';
export const OTP_PHONE_SENDS_PER_MINUTE = 'OTP_PHONE_SENDS_PER_MINUTE';
export const OTP_PHONE_SENDS_PER_DAY = 'OTP_PHONE_SENDS_PER_DAY';
export const OTP_SPEND_BRAKE_SHARDS = 'OTP_SPEND_BRAKE_SHARDS';
export const OTP_ALLOWED_COUNTRIES = 'OTP_ALLOWED_COUNTRIES';
export const OTP_APP_NAME = 'OTP_APP_NAME';
export const OTP_DEFAULT_LOCALE = 'OTP_DEFAULT_LOCALE';
export const OTP_ORIGIN_DOMAIN = 'OTP_ORIGIN_DOMAIN';
export const OTP_SMS_TEMPLATES = 'OTP_SMS_TEMPLATES';
export const OTP_CASCADE = 'OTP_CASCADE';
export const OTP_PUSH_PLATFORM_APPLICATIONS = 'OTP_PUSH_PLATFORM_APPLICATIONS';

// The Cognito triggers' options (functions/cognito/challenge.ts `cognitoOptionsFromEnv`).
export const OTP_COGNITO_ALLOWED_CHANNELS = 'OTP_COGNITO_ALLOWED_CHANNELS';
export const OTP_COGNITO_REQUIRE_VERIFIED = 'OTP_COGNITO_REQUIRE_VERIFIED';
// Local mode's Cognito endpoint (local/cognito/users.ts): the users it starts with.
export const OTP_LOCAL_COGNITO_USERS = 'OTP_LOCAL_COGNITO_USERS';

// The table, and the key-material secret by its ARN (its value is read through the extension).
export const TABLE_NAME = 'TABLE_NAME';
export const SECRET_ARN = 'SECRET_ARN';

// The channels (functions/config.ts `channelsFromEnv`): SMS is always on, email is on with
// EMAIL_FROM_ADDRESS, voice with VOICE_ORIGINATION_IDENTITY, whatsapp with WHATSAPP_PHONE_NUMBER_ID.
export const SMS_SENDER_ID = 'SMS_SENDER_ID';
export const SMS_ORIGINATION_NUMBER = 'SMS_ORIGINATION_NUMBER';
export const EMAIL_FROM_ADDRESS = 'EMAIL_FROM_ADDRESS';
export const EMAIL_REPLY_TO = 'EMAIL_REPLY_TO';
export const EMAIL_CONFIGURATION_SET = 'EMAIL_CONFIGURATION_SET';
export const VOICE_ORIGINATION_IDENTITY = 'VOICE_ORIGINATION_IDENTITY';
export const VOICE_ID = 'VOICE_ID';
export const VOICE_CONFIGURATION_SET = 'VOICE_CONFIGURATION_SET';
// The phone channels' providers (docs/deploy.md, "From cdk deploy to a real code"): SMS through SNS
// (unset), End User Messaging SMS directly, or Notify; voice through SendVoiceMessage (unset) or Notify.
export const SMS_PROVIDER = 'SMS_PROVIDER';
export const SMS_CONFIGURATION_SET = 'SMS_CONFIGURATION_SET';
export const SMS_PROTECT_CONFIGURATION_ID = 'SMS_PROTECT_CONFIGURATION_ID';
export const VOICE_PROVIDER = 'VOICE_PROVIDER';
export const VOICE_PROTECT_CONFIGURATION_ID = 'VOICE_PROTECT_CONFIGURATION_ID';
export const NOTIFY_CONFIGURATION_ID = 'NOTIFY_CONFIGURATION_ID';
export const NOTIFY_TEMPLATE_IDS = 'NOTIFY_TEMPLATE_IDS';
export const WHATSAPP_PHONE_NUMBER_ID = 'WHATSAPP_PHONE_NUMBER_ID';
export const WHATSAPP_TEMPLATE_NAME = 'WHATSAPP_TEMPLATE_NAME';
export const WHATSAPP_TEMPLATE_LANGUAGES = 'WHATSAPP_TEMPLATE_LANGUAGES';
export const WHATSAPP_META_API_VERSION = 'WHATSAPP_META_API_VERSION';

// The cascade (infra/cascade-workflow.ts): the queue whose delayed message the start function sends,
// and the workflow its consumer starts for a verification still pending when the first step is due.
export const CASCADE_QUEUE_URL = 'CASCADE_QUEUE_URL';
export const CASCADE_STATE_MACHINE_ARN = 'CASCADE_STATE_MACHINE_ARN';

// The activity stream's EventBridge bus (the account's default bus when unset).
export const EVENT_BUS_NAME = 'EVENT_BUS_NAME';

// The scheduled key rotation: the secret it rotates, and how old its current key may get.
export const KEY_ROTATION_SECRET_ARN = 'KEY_ROTATION_SECRET_ARN';
export const KEY_ROTATION_EVERY_SECONDS = 'KEY_ROTATION_EVERY_SECONDS';

// The hourly conversion watch (infra/conversion-watch.ts): the countries it watches (ISO codes, comma
// separated) and when a country's hour counts as collapsed (`alarms.conversionCollapse`).
export const CONVERSION_WATCH_COUNTRIES = 'CONVERSION_WATCH_COUNTRIES';
export const CONVERSION_WATCH_MIN_SENDS_PER_HOUR = 'CONVERSION_WATCH_MIN_SENDS_PER_HOUR';
export const CONVERSION_WATCH_MIN_CONVERSION = 'CONVERSION_WATCH_MIN_CONVERSION';

// Powertools Logger and Metrics.
export const POWERTOOLS_SERVICE_NAME = 'POWERTOOLS_SERVICE_NAME';
export const POWERTOOLS_METRICS_NAMESPACE = 'POWERTOOLS_METRICS_NAMESPACE';
export const POWERTOOLS_LOG_LEVEL = 'POWERTOOLS_LOG_LEVEL';
/** Powertools Logger's alias of POWERTOOLS_LOG_LEVEL (read after it). */
export const LOG_LEVEL = 'LOG_LEVEL';

// Node.js's own options, set on every function (source maps).
export const NODE_OPTIONS = 'NODE_OPTIONS';

// The AWS Parameters and Secrets Lambda Extension's port (2773 unless set).
export const PARAMETERS_SECRETS_EXTENSION_HTTP_PORT = 'PARAMETERS_SECRETS_EXTENSION_HTTP_PORT';

// Set by Lambda itself: the session token the extension asks for, and the X-Ray trace header; the
// log level of Lambda's advanced logging controls (when set, it wins over POWERTOOLS_LOG_LEVEL, as in
// Powertools Logger), and how the environment was started (`on-demand` for a cold start).
export const AWS_SESSION_TOKEN = 'AWS_SESSION_TOKEN';
export const X_AMZN_TRACE_ID = '_X_AMZN_TRACE_ID';
export const AWS_LAMBDA_LOG_LEVEL = 'AWS_LAMBDA_LOG_LEVEL';
export const AWS_LAMBDA_INITIALIZATION_TYPE = 'AWS_LAMBDA_INITIALIZATION_TYPE';

// Local mode: the port `npm start` listens on, and the AWS SDK's Node.js-version warning, silenced there.
export const PORT = 'PORT';
export const AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED =
  'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';
