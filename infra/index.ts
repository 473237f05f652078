/** What an existing CDK app imports to embed onetime. */

export type { RateLimitReason } from '../functions/core/errors.ts';
export { DEFAULT_ALLOWED_COUNTRIES, DEFAULT_SETTINGS } from '../functions/core/settings.ts';
export {
  type ConversionAlarmProps,
  OtpActivityStream,
  type OtpActivityStreamProps,
} from './activity-stream.ts';
export { CascadeWorkflow, type CascadeWorkflowProps } from './cascade-workflow.ts';
export {
  channelEnvironment,
  emailAddressOf,
  grantChannelSends,
  grantEmail,
  grantNotify,
  grantSms,
  grantSmsDirect,
  grantVoice,
  voiceResources,
} from './channels.ts';
export {
  type OtpCognitoOptions,
  type OtpCognitoTriggerName,
  OtpCognitoTriggers,
  type OtpCognitoTriggersProps,
} from './cognito-triggers.ts';
export { OtpConversionWatch, type OtpConversionWatchProps } from './conversion-watch.ts';
export { settingsEnvironment } from './environment.ts';
export * from './otp-delivery-receipts.ts';
export { BUNDLE, esbuildOptions, OTP_BUNDLING, OtpFunction, type OtpFunctionProps } from './otp-function.ts';
export { MIN_ROTATION_PERIOD, OtpKeyRotation, type OtpKeyRotationProps } from './otp-key-rotation.ts';
export { OtpService } from './otp-service.ts';
export type {
  OtpAlarmProps,
  OtpApiProps,
  OtpEmailProps,
  OtpFunctionName,
  OtpNotifyProps,
  OtpProtectProps,
  OtpServiceProps,
  OtpSmsProps,
  OtpSmsProvider,
  OtpVoiceProps,
  OtpVoiceProvider,
} from './otp-service-props.ts';
export { OtpStack, type OtpStackProps } from './otp-stack.ts';
export { createPhoneProviders, type PhoneProviderResources, protectCountryRules } from './phone-providers.ts';
export { DEFAULT_TRACING_SAMPLE_RATE, type OtpTracing, TRACING_MODES } from './tracing.ts';
