import { App, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { isCodeAlphabet } from '../functions/core/codes.ts';
import type { OtpServiceProps } from './otp-service-props.ts';
import { OtpStack } from './otp-stack.ts';

/**
 * `cdk synth` / `cdk deploy` entry. Common settings come from context, so a deploy needs no code:
 *
 *   npx cdk deploy -c fromAddress='"Acme" <no-reply@acme.example>' -c originationNumber=+18885550100 \
 *     -c voiceOriginationIdentity=phone-0123abcd -c originDomain=acme.example -c allowedCountries=US,CA
 *
 * Context keys: codeAlphabet (digits | alphanumeric), codeLength, stackName, appName, fromAddress, replyTo, emailConfigurationSet, originationNumber,
 * senderId, originDomain, voiceOriginationIdentity, voiceId, whatsappPhoneNumberId,
 * whatsappTemplateName, whatsappTemplateLanguages (en_US,es,…), pushPlatformApplications (ARNs, comma-
 * separated), voiceFallbackWorkflowType (STANDARD |
 * EXPRESS), allowedCountries, alarmTopicArn, eventBusName, removalPolicy (retain | destroy),
 * keyRotationDays (rotate the key material every N days; off when unset).
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

const workflowType = context('voiceFallbackWorkflowType')?.toUpperCase();
if (workflowType !== undefined && workflowType !== 'STANDARD' && workflowType !== 'EXPRESS') {
  throw new Error(`-c voiceFallbackWorkflowType must be "STANDARD" or "EXPRESS" (got "${workflowType}")`);
}

const keyRotationDays = context('keyRotationDays');
if (keyRotationDays !== undefined && !/^[1-9]\d*$/.test(keyRotationDays)) {
  throw new Error(`-c keyRotationDays must be a whole number of days (got "${keyRotationDays}")`);
}

const alarmTopicArn = context('alarmTopicArn');
const eventBusName = context('eventBusName');

new OtpStack(app, context('stackName') ?? 'Onetime', {
  env: { account: process.env['CDK_DEFAULT_ACCOUNT'], region: process.env['CDK_DEFAULT_REGION'] },
  ...(alarmTopicArn ? { alarmTopicArn } : {}),
  ...(eventBusName ? { eventBusName } : {}),
  service: {
    ...(appName ? { appName } : {}),
    ...(codeAlphabet ? { codeAlphabet } : {}),
    ...(codeLength ? { codeLength: Number(codeLength) } : {}),
    ...(allowedCountries ? { allowedCountries: allowedCountries.split(',').map((c) => c.trim()) } : {}),
    sms: {
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
    ...(voiceOriginationIdentity
      ? { voice: { originationIdentity: voiceOriginationIdentity, ...(voiceId ? { voiceId } : {}) } }
      : {}),
    ...(whatsappPhoneNumberId
      ? {
          whatsapp: {
            phoneNumberId: whatsappPhoneNumberId,
            ...(whatsappTemplateName ? { templateName: whatsappTemplateName } : {}),
            ...(whatsappTemplateLanguages
              ? { templateLanguages: whatsappTemplateLanguages.split(',').map((code) => code.trim()) }
              : {}),
          },
        }
      : {}),
    ...(pushPlatformApplications
      ? { push: { platformApplications: pushPlatformApplications.split(',').map((arn) => arn.trim()) } }
      : {}),
    ...(workflowType ? { voiceFallbackWorkflowType: StateMachineType[workflowType] } : {}),
    ...(removal === 'destroy' ? { removalPolicy: RemovalPolicy.DESTROY } : {}),
    ...(keyRotationDays ? { keyRotation: { every: Duration.days(Number(keyRotationDays)) } } : {}),
  } satisfies OtpServiceProps,
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
