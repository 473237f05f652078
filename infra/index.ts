/** What an existing CDK app imports to embed onetime. */
export { DEFAULT_ALLOWED_COUNTRIES, DEFAULT_SETTINGS } from '../functions/core/settings.ts';
export { BUNDLE, esbuildOptions, OTP_BUNDLING, OtpFunction, type OtpFunctionProps } from './otp-function.ts';
export {
  type OtpAlarmProps,
  type OtpApiProps,
  type OtpEmailProps,
  type OtpFunctionName,
  OtpService,
  type OtpServiceProps,
  type OtpSmsProps,
  type OtpVoiceProps,
} from './otp-service.ts';
export { OtpStack, type OtpStackProps } from './otp-stack.ts';
