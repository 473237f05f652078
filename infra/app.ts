import { App, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { checkCascadeSetting } from '../functions/core/cascade.ts';
import { isCodeAlphabet } from '../functions/core/codes.ts';
import type { OtpServiceProps } from './otp-service-props.ts';
import { OtpStack } from './otp-stack.ts';
import { TRACING_MODES } from './tracing.ts';

/**
 * `cdk synth` / `cdk deploy` entry. Common settings come from context, so a deploy needs no code:
 *
 *   npx cdk deploy -c fromAddress='"Acme" <no-reply@acme.example>' -c originationNumber=+18885550100 \
 *     -c voiceOriginationIdentity=phone-0123abcd -c originDomain=acme.example -c allowedCountries=US,CA
 *
 * Context keys: codeAlphabet (digits | alphanumeric), codeLength, stackName, appName, fromAddress,
 * replyTo, emailConfigurationSet, originationNumber, senderId, originDomain, voiceOriginationIdentity,
 * voiceId, whatsappPhoneNumberId, whatsappTemplateName, whatsappTemplateLanguages (en_US,es,…),
 * whatsappEventTopicArn (the WhatsApp Business Account's event destination, for receipts),
 * pushPlatformApplications (ARNs, comma-separated), cascade (true | false), defaultCascade (JSON),
 * allowedCountries, alarmTopicArn, dashboard (false: no CloudWatch dashboard), eventBusName,
 * removalPolicy (retain | destroy),
 * keyRotationDays (rotate the key material every N days; off when unset), passwordless (true: also the
 * passwordless example's user pool, app client and sign-in triggers; docs/cognito.md), smsProvider (sns |
 * end-user-messaging | notify), voiceProvider (end-user-messaging | notify: voice on through Notify
 * without voiceOriginationIdentity), notifyConfigurationId (an existing Notify configuration),
 * smsProtect (filter | allow | off: the direct path's protect configuration), tracing (sampled | all |
 * off: what X-Ray records; docs/operations.md), tracingSampleRate (the share `sampled` traces, 0–1).
 *
 *   npx cdk deploy -c smsProvider=notify -c voiceProvider=notify -c allowedCountries=US,CA
 */
const app = new App();
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return value === undefined || value === null || value === '' ? undefined : String(value);
};

const fromAddress = context('fromAddress');
const voiceOriginationIdentity = context('voiceOriginationIdentity');
const allowedCountries = context('allowedCountries');
const appName = context('appName');
const originationNumber = context('originationNumber');
const senderId = context('senderId');
const originDomain = context('originDomain');
const replyTo = context('replyTo');
const configurationSetName = context('emailConfigurationSet');
const voiceId = context('voiceId');
const whatsappPhoneNumberId = context('whatsappPhoneNumberId');
const whatsappTemplateName = context('whatsappTemplateName');
const whatsappTemplateLanguages = context('whatsappTemplateLanguages');
const whatsappEventTopicArn = context('whatsappEventTopicArn');
const pushPlatformApplications = context('pushPlatformApplications');
const codeAlphabet = context('codeAlphabet');
if (codeAlphabet !== undefined && !isCodeAlphabet(codeAlphabet)) {
  throw new Error(`-c codeAlphabet must be "digits" or "alphanumeric" (got "${codeAlphabet}")`);
}
const codeLength = context('codeLength');
if (codeLength !== undefined && !/^\d+$/.test(codeLength)) {
  throw new Error(`-c codeLength must be a whole number (got "${codeLength}")`);
}
const removal = context('removalPolicy');
if (removal !== undefined && removal !== 'retain' && removal !== 'destroy') {
  throw new Error(`-c removalPolicy must be "retain" or "destroy" (got "${removal}")`);
}

const cascade = context('cascade');
if (cascade !== undefined && cascade !== 'true' && cascade !== 'false') {
  throw new Error(`-c cascade must be "true" or "false" (got "${cascade}")`);
}
// The same JSON as a request's `cascade` (and OTP_CASCADE); its shape is checked here, at synth.
const defaultCascadeJson = context('defaultCascade');
let defaultCascade: OtpServiceProps['defaultCascade'];
if (defaultCascadeJson !== undefined) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(defaultCascadeJson);
  } catch {
    throw new Error(`-c defaultCascade must be JSON: [{"channel", "to"?, "afterSeconds"}]`);
  }
  defaultCascade = checkCascadeSetting(parsed, '-c defaultCascade');
}

const keyRotationDays = context('keyRotationDays');
if (keyRotationDays !== undefined && !/^[1-9]\d*$/.test(keyRotationDays)) {
  throw new Error(`-c keyRotationDays must be a whole number of days (got "${keyRotationDays}")`);
}

const passwordless = context('passwordless');
if (passwordless !== undefined && passwordless !== 'true' && passwordless !== 'false') {
  throw new Error(`-c passwordless must be "true" or "false" (got "${passwordless}")`);
}
const SMS_PROVIDERS = ['sns', 'end-user-messaging', 'notify'] as const;
const VOICE_PROVIDERS = ['end-user-messaging', 'notify'] as const;
const oneOf = <T extends string>(key: string, allowed: readonly T[]): T | undefined => {
  const value = context(key);
  if (value !== undefined && !(allowed as readonly string[]).includes(value)) {
    throw new Error(`-c ${key} must be one of ${allowed.join(', ')} (got "${value}")`);
  }
  return value as T | undefined;
};
const smsProvider = oneOf('smsProvider', SMS_PROVIDERS);
const voiceProvider = oneOf('voiceProvider', VOICE_PROVIDERS);
const smsProtect = oneOf('smsProtect', ['filter', 'allow', 'off'] as const);
const notifyConfigurationId = context('notifyConfigurationId');
const tracing = oneOf('tracing', TRACING_MODES);
const tracingSampleRate = context('tracingSampleRate');
if (tracingSampleRate !== undefined && !/^(0(\.\d+)?|1(\.0+)?)$/.test(tracingSampleRate)) {
  throw new Error(`-c tracingSampleRate must be a share from 0 to 1, e.g. 0.05 (got "${tracingSampleRate}")`);
}

const dashboard = context('dashboard');
if (dashboard !== undefined && dashboard !== 'true' && dashboard !== 'false') {
  throw new Error(`-c dashboard must be "true" or "false" (got "${dashboard}")`);
}

const alarmTopicArn = context('alarmTopicArn');
const eventBusName = context('eventBusName');

new OtpStack(app, context('stackName') ?? 'Onetime', {
  env: { account: process.env['CDK_DEFAULT_ACCOUNT'], region: process.env['CDK_DEFAULT_REGION'] },
  ...(alarmTopicArn ? { alarmTopicArn } : {}),
  ...(eventBusName ? { eventBusName } : {}),
  ...(passwordless === 'true' ? { passwordless: true } : {}),
  service: {
    ...(dashboard === 'false' ? { dashboard: false } : {}),
    ...(appName ? { appName } : {}),
    ...(codeAlphabet ? { codeAlphabet } : {}),
    ...(codeLength ? { codeLength: Number(codeLength) } : {}),
    ...(allowedCountries ? { allowedCountries: allowedCountries.split(',').map((c) => c.trim()) } : {}),
    sms: {
      ...(smsProvider ? { provider: smsProvider } : {}),
      ...(originationNumber ? { originationNumber } : {}),
      ...(senderId ? { senderId } : {}),
      ...(originDomain ? { originDomain } : {}),
    },
    ...(fromAddress
      ? {
          email: {
            fromAddress,
            ...(replyTo ? { replyTo } : {}),
            ...(configurationSetName ? { configurationSetName } : {}),
          },
        }
      : {}),
    ...(voiceProvider === 'notify'
      ? { voice: { provider: 'notify' as const, ...(voiceId ? { voiceId } : {}) } }
      : voiceOriginationIdentity
        ? { voice: { originationIdentity: voiceOriginationIdentity, ...(voiceId ? { voiceId } : {}) } }
        : {}),
    ...(notifyConfigurationId ? { notify: { configurationId: notifyConfigurationId } } : {}),
    ...(smsProtect === 'off'
      ? { smsProtect: false as const }
      : smsProtect
        ? {
            smsProtect: {
              allowedCountryRule: smsProtect === 'allow' ? ('ALLOW' as const) : ('FILTER' as const),
            },
          }
        : {}),
    ...(whatsappPhoneNumberId
      ? {
          whatsapp: {
            phoneNumberId: whatsappPhoneNumberId,
            ...(whatsappTemplateName ? { templateName: whatsappTemplateName } : {}),
            ...(whatsappTemplateLanguages
              ? { templateLanguages: whatsappTemplateLanguages.split(',').map((code) => code.trim()) }
              : {}),
            ...(whatsappEventTopicArn ? { eventTopicArn: whatsappEventTopicArn } : {}),
          },
        }
      : {}),
    ...(pushPlatformApplications
      ? { push: { platformApplications: pushPlatformApplications.split(',').map((arn) => arn.trim()) } }
      : {}),
    ...(cascade === 'false' ? { cascade: false } : {}),
    ...(defaultCascade ? { defaultCascade } : {}),
    ...(removal === 'destroy' ? { removalPolicy: RemovalPolicy.DESTROY } : {}),
    ...(keyRotationDays ? { keyRotation: { every: Duration.days(Number(keyRotationDays)) } } : {}),
    ...(tracing ? { tracing } : {}),
    ...(tracingSampleRate ? { tracingSampleRate: Number(tracingSampleRate) } : {}),
  } satisfies OtpServiceProps,
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
