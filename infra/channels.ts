import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { emailAddressIn } from '../functions/config.ts';
import {
  EMAIL_CONFIGURATION_SET,
  EMAIL_FROM_ADDRESS,
  EMAIL_REPLY_TO,
  NOTIFY_CONFIGURATION_ID,
  NOTIFY_TEMPLATE_IDS,
  OTP_PUSH_PLATFORM_APPLICATIONS,
  SMS_CONFIGURATION_SET,
  SMS_ORIGINATION_NUMBER,
  SMS_PROTECT_CONFIGURATION_ID,
  SMS_PROVIDER,
  SMS_SENDER_ID,
  VOICE_CONFIGURATION_SET,
  VOICE_ID,
  VOICE_ORIGINATION_IDENTITY,
  VOICE_PROTECT_CONFIGURATION_ID,
  VOICE_PROVIDER,
  WHATSAPP_META_API_VERSION,
  WHATSAPP_PHONE_NUMBER_ID,
  WHATSAPP_TEMPLATE_LANGUAGES,
  WHATSAPP_TEMPLATE_NAME,
} from '../functions/env.ts';
import { nagResourceName } from './nag.ts';
import type { OtpServiceProps } from './otp-service-props.ts';
import { smsVoiceArn } from './phone-providers.ts';

/**
 * The props that configure channels, and the provider resources `OtpService` made for them
 * (infra/phone-providers.ts): the Notify configuration and the protect configuration to send through.
 */
export type ChannelProps = Pick<
  OtpServiceProps,
  'sms' | 'email' | 'voice' | 'whatsapp' | 'push' | 'notify'
> & {
  readonly notifyConfigurationId?: string;
  readonly protectConfigurationId?: string;
};
/** The names `channelEnvironment` may set: read by the sending functions only. */
export const CHANNEL_VARIABLES: readonly string[] = [
  SMS_SENDER_ID,
  SMS_ORIGINATION_NUMBER,
  EMAIL_FROM_ADDRESS,
  EMAIL_REPLY_TO,
  EMAIL_CONFIGURATION_SET,
  VOICE_ORIGINATION_IDENTITY,
  VOICE_ID,
  VOICE_CONFIGURATION_SET,
  WHATSAPP_PHONE_NUMBER_ID,
  WHATSAPP_TEMPLATE_NAME,
  WHATSAPP_TEMPLATE_LANGUAGES,
  WHATSAPP_META_API_VERSION,
  SMS_PROVIDER,
  SMS_CONFIGURATION_SET,
  SMS_PROTECT_CONFIGURATION_ID,
  VOICE_PROVIDER,
  VOICE_PROTECT_CONFIGURATION_ID,
  NOTIFY_CONFIGURATION_ID,
  NOTIFY_TEMPLATE_IDS,
];

/**
 * The channel variables a sending function reads (`channelsFromEnv`, functions/config.ts), for the
 * same props an `OtpService` was given. Only the channels that are configured appear; SMS needs none.
 */
export function channelEnvironment(props: ChannelProps): Record<string, string> {
  const smsProvider = props.sms?.provider === 'sns' ? undefined : props.sms?.provider;
  const voiceNotify = props.voice?.provider === 'notify';
  const notify = smsProvider === 'notify' || voiceNotify;
  const templates = props.notify?.templateIds;
  const entries: Array<[string, string | undefined]> = [
    [SMS_PROVIDER, smsProvider],
    [SMS_SENDER_ID, props.sms?.senderId],
    [SMS_ORIGINATION_NUMBER, props.sms?.originationNumber],
    [SMS_CONFIGURATION_SET, smsProvider ? props.sms?.configurationSetName : undefined],
    [
      SMS_PROTECT_CONFIGURATION_ID,
      smsProvider === 'end-user-messaging' ? props.protectConfigurationId : undefined,
    ],
    [VOICE_PROVIDER, voiceNotify ? 'notify' : undefined],
    [VOICE_PROTECT_CONFIGURATION_ID, props.voice && !voiceNotify ? props.protectConfigurationId : undefined],
    [
      NOTIFY_CONFIGURATION_ID,
      notify ? (props.notifyConfigurationId ?? props.notify?.configurationId) : undefined,
    ],
    [
      NOTIFY_TEMPLATE_IDS,
      notify && templates && Object.keys(templates).length > 0 ? JSON.stringify(templates) : undefined,
    ],
    [EMAIL_FROM_ADDRESS, props.email?.fromAddress],
    [EMAIL_REPLY_TO, props.email?.replyTo],
    [EMAIL_CONFIGURATION_SET, props.email?.configurationSetName],
    [VOICE_ORIGINATION_IDENTITY, props.voice?.originationIdentity],
    [VOICE_ID, props.voice?.voiceId],
    [VOICE_CONFIGURATION_SET, props.voice?.configurationSetName],
    [WHATSAPP_PHONE_NUMBER_ID, props.whatsapp?.phoneNumberId],
    [WHATSAPP_TEMPLATE_NAME, props.whatsapp?.templateName],
    [WHATSAPP_TEMPLATE_LANGUAGES, props.whatsapp?.templateLanguages?.join(',')],
    [WHATSAPP_META_API_VERSION, props.whatsapp?.metaApiVersion],
    // A setting as well (the engine checks `to` against it), needed only where messages are sent.
    [OTP_PUSH_PLATFORM_APPLICATIONS, props.push?.platformApplications.join(',')],
  ];
  return Object.fromEntries(entries.filter((entry): entry is [string, string] => Boolean(entry[1])));
}

/**
 * The send permissions for the channels `environment` configures (as `channelEnvironment` spells
 * them): SMS always, email when `EMAIL_FROM_ADDRESS` is set, voice when `VOICE_ORIGINATION_IDENTITY` is,
 * WhatsApp when `WHATSAPP_PHONE_NUMBER_ID` is, push when `OTP_PUSH_PLATFORM_APPLICATIONS` is.
 */
export function grantChannelSends(fn: lambda.Function, environment: Record<string, string>): void {
  const pushApplications = environment[OTP_PUSH_PLATFORM_APPLICATIONS]?.split(',').filter(Boolean) ?? [];
  const smsProvider = environment[SMS_PROVIDER];
  if (smsProvider === undefined) grantSms(fn, { denyTopicsAndEndpoints: pushApplications.length === 0 });
  if (smsProvider === 'end-user-messaging') {
    grantSmsDirect(
      fn,
      environment[SMS_ORIGINATION_NUMBER] ?? environment[SMS_SENDER_ID],
      environment[SMS_CONFIGURATION_SET],
      environment[SMS_PROTECT_CONFIGURATION_ID],
    );
  }
  const notifyConfiguration = environment[NOTIFY_CONFIGURATION_ID];
  if (notifyConfiguration) {
    grantNotify(fn, notifyConfiguration, {
      sms: smsProvider === 'notify' ? (environment[SMS_CONFIGURATION_SET] ?? '') : undefined,
      voice:
        environment[VOICE_PROVIDER] === 'notify' ? (environment[VOICE_CONFIGURATION_SET] ?? '') : undefined,
    });
  }
  if (pushApplications.length > 0) grantPush(fn, pushApplications);
  const fromAddress = environment[EMAIL_FROM_ADDRESS];
  if (fromAddress) grantEmail(fn, fromAddress, environment[EMAIL_CONFIGURATION_SET]);
  const originationIdentity = environment[VOICE_ORIGINATION_IDENTITY];
  if (originationIdentity) {
    grantVoice(
      fn,
      originationIdentity,
      environment[VOICE_CONFIGURATION_SET],
      environment[VOICE_PROTECT_CONFIGURATION_ID],
    );
  }
  const phoneNumberId = environment[WHATSAPP_PHONE_NUMBER_ID];
  if (phoneNumberId) grantWhatsApp(fn, phoneNumberId);
}

/** WhatsApp: social-messaging:SendWhatsAppMessage from the configured phone number id only. */
export function grantWhatsApp(fn: lambda.Function, phoneNumberId: string): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'WhatsAppFromTheConfiguredNumber',
      actions: ['social-messaging:SendWhatsAppMessage'],
      resources: [whatsAppPhoneNumberArn(Stack.of(fn), phoneNumberId)],
    }),
  );
}

/** `phone-number-id-<hex>` → `arn:<partition>:social-messaging:<region>:<account>:phone-number-id/<hex>`. */
export function whatsAppPhoneNumberArn(stack: Stack, phoneNumberId: string): string {
  if (phoneNumberId.startsWith('arn:')) return phoneNumberId;
  return stack.formatArn({
    service: 'social-messaging',
    resource: 'phone-number-id',
    resourceName: phoneNumberId.replace(/^phone-number-id-/, ''),
  });
}

/**
 * SMS: SNS Publish to a phone number has no resource ARN to scope to, so the Allow must name "*". The
 * Deny beside it takes topics and platform endpoints (which do have ARNs) back out, leaving "send an
 * SMS" as the only thing the grant can do. With push on, the Deny cannot stay: IAM evaluates an SMS
 * publish against the phone number itself, so no Deny can cover every SNS ARN but the configured
 * applications' endpoints without also covering SMS (`NotResource` would). The push grant then names
 * those endpoints explicitly, and docs/security.md says what the "*" allows.
 */
export function grantSms(fn: lambda.Function, options: { denyTopicsAndEndpoints?: boolean } = {}): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({ sid: 'SmsToPhoneNumbers', actions: ['sns:Publish'], resources: ['*'] }),
  );
  if (options.denyTopicsAndEndpoints === false) return;
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'NoTopicsOrEndpoints',
      effect: iam.Effect.DENY,
      actions: ['sns:Publish'],
      resources: [`arn:${Stack.of(fn).partition}:sns:*:*:*`],
    }),
  );
}

/** Push: sns:Publish to the endpoints of the configured platform applications. */
export function grantPush(fn: lambda.Function, platformApplications: readonly string[]): void {
  const endpoints = platformApplications.map((arn) => `${arn.replace(':app/', ':endpoint/')}/*`);
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'PushToTheConfiguredApps',
      actions: ['sns:Publish'],
      resources: endpoints,
    }),
  );
  for (const endpoint of endpoints) {
    Validations.of(fn.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${endpoint}]`,
      reason:
        "The platform application's device endpoints: the app's backend creates one per device, so they " +
        'cannot be named in advance; the engine checks each `to` against the same applications.',
    });
  }
}

/**
 * Email: ses:SendEmail from the configured address only. SES authorises against the verified
 * identity (the address itself or its domain), and the condition pins the From address.
 */
export function grantEmail(fn: lambda.Function, fromAddress: string, configurationSetName?: string): void {
  const stack = Stack.of(fn);
  const address = emailAddressOf(fromAddress);
  const identity = (name: string) =>
    stack.formatArn({ service: 'ses', resource: 'identity', resourceName: name });
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'EmailFromTheConfiguredAddress',
      actions: ['ses:SendEmail'],
      resources: [
        identity(address),
        identity(address.slice(address.lastIndexOf('@') + 1)),
        ...(configurationSetName
          ? [
              stack.formatArn({
                service: 'ses',
                resource: 'configuration-set',
                resourceName: configurationSetName,
              }),
            ]
          : []),
      ],
      conditions: { StringEqualsIgnoreCase: { 'ses:FromAddress': address } },
    }),
  );
}

/**
 * Voice: sms-voice:SendVoiceMessage from the configured origination identity only (and through the
 * configuration set that reports call outcomes, when there is one).
 */
export function grantVoice(
  fn: lambda.Function,
  originationIdentity: string,
  configurationSetName?: string,
  protectConfigurationId?: string,
): void {
  const stack = Stack.of(fn);
  const { resources, scopedToAccount } = voiceResources(stack, originationIdentity);
  if (protectConfigurationId) {
    resources.push(smsVoiceArn(stack, 'protect-configuration', protectConfigurationId));
  }
  if (configurationSetName) {
    resources.push(
      stack.formatArn({
        service: 'sms-voice',
        resource: 'configuration-set',
        resourceName: configurationSetName,
      }),
    );
  }
  fn.addToRolePolicy(
    new iam.PolicyStatement({ sid: 'VoiceCalls', actions: ['sms-voice:SendVoiceMessage'], resources }),
  );
  for (const resource of scopedToAccount) {
    Validations.of(fn.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResourceName(stack.resolve(resource))}]`,
      reason:
        'The voice origination identity names no phone-number or pool id (an E.164 number or a ' +
        "sender id), so the call is scoped to the account's own phone numbers and pools; opt-out " +
        'lists are evaluated on every send.',
    });
  }
}

/**
 * SMS through End User Messaging directly: sms-voice:SendTextMessage from the configured number, pool or
 * sender id (the account's own when none is named), through the configuration set and the protect
 * configuration the sends name.
 */
export function grantSmsDirect(
  fn: lambda.Function,
  originationIdentity: string | undefined,
  configurationSetName: string | undefined,
  protectConfigurationId: string | undefined,
): void {
  const stack = Stack.of(fn);
  const arn = (resource: string, resourceName: string) =>
    stack.formatArn({ service: 'sms-voice', resource, resourceName });
  const named =
    originationIdentity && /^(arn:|phone-|pool-)/.test(originationIdentity)
      ? voiceResources(stack, originationIdentity)
      : undefined;
  // An E.164 number or a sender id names no resource id: the account's numbers, pools and sender ids.
  const resources = named?.resources ?? [
    arn('phone-number', '*'),
    arn('pool', '*'),
    arn('sender-id', '*'),
    arn('opt-out-list', '*'),
  ];
  const scopedToAccount = named?.scopedToAccount ?? [...resources];
  if (configurationSetName) resources.push(arn('configuration-set', configurationSetName));
  if (protectConfigurationId) {
    resources.push(smsVoiceArn(stack, 'protect-configuration', protectConfigurationId));
  }
  fn.addToRolePolicy(
    new iam.PolicyStatement({ sid: 'SmsDirect', actions: ['sms-voice:SendTextMessage'], resources }),
  );
  for (const resource of scopedToAccount) {
    Validations.of(fn.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResourceName(stack.resolve(resource))}]`,
      reason:
        'The SMS origination identity names no phone-number or pool id (an E.164 number, a sender id, ' +
        "or none), so the send is scoped to the account's own numbers, pools and sender ids; opt-out " +
        'lists are evaluated on every send.',
    });
  }
}

/**
 * Notify: sms-voice:SendNotifyTextMessage and/or SendNotifyVoiceMessage through exactly the one Notify
 * configuration (and the configuration set a channel names, when it names one).
 */
export function grantNotify(
  fn: lambda.Function,
  configurationId: string,
  channels: { sms?: string | undefined; voice?: string | undefined },
): void {
  const stack = Stack.of(fn);
  const actions = [
    ...(channels.sms !== undefined ? ['sms-voice:SendNotifyTextMessage'] : []),
    ...(channels.voice !== undefined ? ['sms-voice:SendNotifyVoiceMessage'] : []),
  ];
  const sets = [channels.sms, channels.voice].filter((name): name is string => !!name);
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'NotifyThroughTheConfiguration',
      actions,
      resources: [
        smsVoiceArn(stack, 'notify-configuration', configurationId),
        ...[...new Set(sets)].map((name) =>
          stack.formatArn({ service: 'sms-voice', resource: 'configuration-set', resourceName: name }),
        ),
      ],
    }),
  );
}

/** `"Acme" <no-reply@acme.example>` → `no-reply@acme.example`, as the start function reads it. */
export function emailAddressOf(from: string): string {
  const address = emailAddressIn(from);
  if (address === undefined) throw new Error(`email.fromAddress "${from}" holds no email address`);
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
