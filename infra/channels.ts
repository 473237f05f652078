import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { emailAddressIn } from '../functions/config.ts';
import {
  EMAIL_CONFIGURATION_SET,
  EMAIL_FROM_ADDRESS,
  EMAIL_REPLY_TO,
  SMS_ORIGINATION_NUMBER,
  SMS_SENDER_ID,
  VOICE_CONFIGURATION_SET,
  VOICE_ID,
  VOICE_ORIGINATION_IDENTITY,
} from '../functions/env.ts';
import { nagResourceName } from './nag.ts';
import type { OtpServiceProps } from './otp-service-props.ts';

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
];

/**
 * The channel variables a sending function reads (`channelsFromEnv`, functions/config.ts), for the
 * same props an `OtpService` was given. Only the channels that are configured appear; SMS needs none.
 */
export function channelEnvironment(
  props: Pick<OtpServiceProps, 'sms' | 'email' | 'voice'>,
): Record<string, string> {
  const entries: Array<[string, string | undefined]> = [
    [SMS_SENDER_ID, props.sms?.senderId],
    [SMS_ORIGINATION_NUMBER, props.sms?.originationNumber],
    [EMAIL_FROM_ADDRESS, props.email?.fromAddress],
    [EMAIL_REPLY_TO, props.email?.replyTo],
    [EMAIL_CONFIGURATION_SET, props.email?.configurationSetName],
    [VOICE_ORIGINATION_IDENTITY, props.voice?.originationIdentity],
    [VOICE_ID, props.voice?.voiceId],
    [VOICE_CONFIGURATION_SET, props.voice?.configurationSetName],
  ];
  return Object.fromEntries(entries.filter((entry): entry is [string, string] => Boolean(entry[1])));
}

/**
 * The send permissions for the channels `environment` configures (as `channelEnvironment` spells
 * them): SMS always, email when `EMAIL_FROM_ADDRESS` is set, voice when `VOICE_ORIGINATION_IDENTITY` is.
 */
export function grantChannelSends(fn: lambda.Function, environment: Record<string, string>): void {
  grantSms(fn);
  const fromAddress = environment[EMAIL_FROM_ADDRESS];
  if (fromAddress) grantEmail(fn, fromAddress, environment[EMAIL_CONFIGURATION_SET]);
  const originationIdentity = environment[VOICE_ORIGINATION_IDENTITY];
  if (originationIdentity) grantVoice(fn, originationIdentity, environment[VOICE_CONFIGURATION_SET]);
}

/**
 * SMS: SNS Publish to a phone number has no resource ARN to scope to, so the Allow must name "*". The
 * Deny beside it takes topics and platform endpoints (which do have ARNs) back out, leaving "send an
 * SMS" as the only thing the grant can do.
 */
export function grantSms(fn: lambda.Function): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({ sid: 'SmsToPhoneNumbers', actions: ['sns:Publish'], resources: ['*'] }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'NoTopicsOrEndpoints',
      effect: iam.Effect.DENY,
      actions: ['sns:Publish'],
      resources: [`arn:${Stack.of(fn).partition}:sns:*:*:*`],
    }),
  );
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
): void {
  const stack = Stack.of(fn);
  const { resources, scopedToAccount } = voiceResources(stack, originationIdentity);
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
