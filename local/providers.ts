/**
 * Local mode's phone providers: which provider a deployed send would use for each outbox message, and
 * what it would name (origination identity, configuration set, protect configuration, Notify's
 * configuration, template and variables). Chosen with OTP_* variables parallel to the construct's
 * props and `-c` keys (`OTP_SMS_PROVIDER` ~ `sms.provider` / `-c smsProvider`, …), read through the
 * deployed functions' own reader (`channelsFromEnv`), and the Notify template chosen by the deployed
 * sender's own function (`notifyRequestFor`). Nothing is sent: this only describes.
 */
import { defaultVoiceFor } from '../functions/adapters/end-user-messaging-voice-sender.ts';
import { notifyRequestFor } from '../functions/adapters/notify-template.ts';
import { type ChannelConfig, channelsFromEnv, type Env } from '../functions/config.ts';
import type { OutgoingMessage } from '../functions/core/ports.ts';
import { isSupported, type SupportedLocale } from '../functions/core/sms-templates.ts';
import * as names from '../functions/env.ts';

/** Local mode's variables, each the twin of a construct prop (and of the deployed function's variable). */
export const OTP_SMS_PROVIDER = 'OTP_SMS_PROVIDER';
export const OTP_VOICE_PROVIDER = 'OTP_VOICE_PROVIDER';
export const OTP_NOTIFY_CONFIGURATION_ID = 'OTP_NOTIFY_CONFIGURATION_ID';
export const OTP_NOTIFY_TEMPLATE_IDS = 'OTP_NOTIFY_TEMPLATE_IDS';
export const OTP_SMS_PROTECT = 'OTP_SMS_PROTECT';
export const OTP_SMS_PROTECT_CONFIGURATION_ID = 'OTP_SMS_PROTECT_CONFIGURATION_ID';
export const OTP_SMS_ORIGINATION_NUMBER = 'OTP_SMS_ORIGINATION_NUMBER';
export const OTP_SMS_SENDER_ID = 'OTP_SMS_SENDER_ID';
export const OTP_SMS_CONFIGURATION_SET = 'OTP_SMS_CONFIGURATION_SET';
export const OTP_VOICE_ORIGINATION_IDENTITY = 'OTP_VOICE_ORIGINATION_IDENTITY';
export const OTP_VOICE_ID = 'OTP_VOICE_ID';
export const OTP_VOICE_CONFIGURATION_SET = 'OTP_VOICE_CONFIGURATION_SET';

/** Each local variable and the deployed function's variable it feeds. */
const DEPLOYED_NAMES: ReadonlyArray<[string, string]> = [
  [OTP_SMS_PROVIDER, names.SMS_PROVIDER],
  [OTP_VOICE_PROVIDER, names.VOICE_PROVIDER],
  [OTP_NOTIFY_CONFIGURATION_ID, names.NOTIFY_CONFIGURATION_ID],
  [OTP_NOTIFY_TEMPLATE_IDS, names.NOTIFY_TEMPLATE_IDS],
  [OTP_SMS_ORIGINATION_NUMBER, names.SMS_ORIGINATION_NUMBER],
  [OTP_SMS_SENDER_ID, names.SMS_SENDER_ID],
  [OTP_SMS_CONFIGURATION_SET, names.SMS_CONFIGURATION_SET],
  [OTP_VOICE_ORIGINATION_IDENTITY, names.VOICE_ORIGINATION_IDENTITY],
  [OTP_VOICE_ID, names.VOICE_ID],
  [OTP_VOICE_CONFIGURATION_SET, names.VOICE_CONFIGURATION_SET],
];

/** What a value reads as when `cdk deploy` makes it (a Notify or protect configuration) or you name it. */
export const MADE_BY_CDK_DEPLOY = '(made by cdk deploy)';
export const YOUR_VOICE_NUMBER = '(your voice.originationIdentity)';
// Stand-ins that pass the deployed reader's checks, shown as the words above.
const STAND_INS: Record<string, string> = {
  'nc-made-by-cdk-deploy': MADE_BY_CDK_DEPLOY,
  'protect-made-by-cdk-deploy': MADE_BY_CDK_DEPLOY,
  'phone-your-voice-origination-identity': YOUR_VOICE_NUMBER,
  'made-by-cdk-deploy': MADE_BY_CDK_DEPLOY,
};
const shown = (value: string) => STAND_INS[value] ?? value;

export type ProtectSetting = 'filter' | 'allow' | 'off';

export interface LocalProviders {
  channels: ChannelConfig;
  /** The direct path's protect configuration: the rule allowed countries get when the construct makes it. */
  protect: ProtectSetting;
  /** The brand Notify's templates show: the configuration's display name, which the construct sets to `appName`. */
  brand: string;
}

/**
 * The providers as the OTP_* variables pick them (SMS through SNS and voice through SendVoiceMessage
 * when unset, as deployed). Throws with the local variable's name when a value is wrong.
 */
export function localProvidersFromEnv(env: Env, appName: string): LocalProviders {
  const protect = (env[OTP_SMS_PROTECT] || 'filter') as ProtectSetting;
  if (!['filter', 'allow', 'off'].includes(protect)) {
    throw new Error(`${OTP_SMS_PROTECT} must be one of filter, allow, off (got "${env[OTP_SMS_PROTECT]}")`);
  }
  const deployed: Env = {};
  for (const [local, name] of DEPLOYED_NAMES) if (env[local]) deployed[name] = env[local];
  const smsProvider = deployed[names.SMS_PROVIDER];
  const voiceProvider = deployed[names.VOICE_PROVIDER];
  if (smsProvider === 'sns') delete deployed[names.SMS_PROVIDER];
  if (voiceProvider === 'end-user-messaging') delete deployed[names.VOICE_PROVIDER];
  const notify = smsProvider === 'notify' || voiceProvider === 'notify';
  if (notify) deployed[names.NOTIFY_CONFIGURATION_ID] ??= 'nc-made-by-cdk-deploy';
  // Voice is always on locally: through your number, or Notify's.
  const voiceDirect = voiceProvider !== 'notify';
  if (voiceDirect) deployed[names.VOICE_ORIGINATION_IDENTITY] ??= 'phone-your-voice-origination-identity';
  // Calls go through the configuration set the construct makes for delivery receipts, unless named.
  deployed[names.VOICE_CONFIGURATION_SET] ??= 'made-by-cdk-deploy';
  const direct = smsProvider === 'end-user-messaging' || voiceDirect;
  if (env[OTP_SMS_PROTECT_CONFIGURATION_ID] && (!direct || protect === 'off')) {
    throw new Error(
      `${OTP_SMS_PROTECT_CONFIGURATION_ID} is set but no send takes it (${OTP_SMS_PROTECT} is off, or neither SMS nor voice goes through End User Messaging directly)`,
    );
  }
  if (protect !== 'off') {
    const id = env[OTP_SMS_PROTECT_CONFIGURATION_ID] || 'protect-made-by-cdk-deploy';
    if (smsProvider === 'end-user-messaging') deployed[names.SMS_PROTECT_CONFIGURATION_ID] = id;
    if (voiceDirect) deployed[names.VOICE_PROTECT_CONFIGURATION_ID] = id;
  }
  let channels: ChannelConfig;
  try {
    channels = channelsFromEnv(deployed);
  } catch (error) {
    throw new Error(localNames(error instanceof Error ? error.message : String(error)));
  }
  return { channels, protect, brand: appName };
}

/** The deployed reader's message, speaking of the local variables the person set. */
function localNames(message: string): string {
  let text = message;
  for (const [local, name] of DEPLOYED_NAMES) {
    text = text.replace(new RegExp(`(?<![A-Z_])${name}(?![A-Z_])`, 'g'), local);
  }
  return text.replace(/\(got "(nc|protect|phone)-[a-z-]+"\)/, '');
}

/** The API a deployed send calls, and what it names. */
export interface DeployedSend {
  operation:
    | 'Publish'
    | 'SendTextMessage'
    | 'SendVoiceMessage'
    | 'SendNotifyTextMessage'
    | 'SendNotifyVoiceMessage'
    | 'SendEmail'
    | 'SendWhatsAppMessage';
  originationIdentity?: string;
  configurationSetName?: string;
  protectConfigurationId?: string;
  /** The rule the destination's country gets in a protect configuration `cdk deploy` makes (others: BLOCK). */
  protectRule?: 'FILTER' | 'ALLOW';
  notifyConfigurationId?: string;
  /** Notify: the template named for the message's locale; null when none is, so the configuration's default. */
  templateId?: string | null;
  templateVariables?: Record<string, string>;
  voiceId?: string;
}

/**
 * The deployed sends that ask for conversion feedback (`MessageFeedbackEnabled`), as the deployed
 * End User Messaging and Notify senders do (functions/adapters/*-sender.ts answer `feedback: true`).
 */
const FEEDBACK_OPERATIONS: ReadonlySet<DeployedSend['operation']> = new Set([
  'SendTextMessage',
  'SendVoiceMessage',
  'SendNotifyTextMessage',
  'SendNotifyVoiceMessage',
]);

export const asksForFeedback = (send: DeployedSend): boolean => FEEDBACK_OPERATIONS.has(send.operation);

/** Who carries a message, as the outbox shows it. */
export type Provider = 'sns' | 'end-user-messaging' | 'notify' | 'ses' | 'end-user-messaging-social';

export interface SendDescription {
  provider: Provider;
  deployedSend: DeployedSend;
  /** Notify only: the text as AWS's template would read (an approximation: see `notifyText`). */
  body?: string;
  /** Notify only: the outbox body is our rendering of AWS's template, not its published wording. */
  approximate?: true;
}

/** What a deployed send of `message` would be, for the outbox. */
export function describeSend(message: OutgoingMessage, providers: LocalProviders): SendDescription {
  const { channels } = providers;
  const protectRule = providers.protect === 'allow' ? ('ALLOW' as const) : ('FILTER' as const);
  const protectOf = (id: string | undefined) =>
    id === undefined
      ? {}
      : { protectConfigurationId: shown(id), ...(shown(id) === MADE_BY_CDK_DEPLOY ? { protectRule } : {}) };
  const set = (name: string | undefined) => (name ? { configurationSetName: shown(name) } : {});
  switch (message.channel) {
    case 'sms': {
      const { sms } = channels;
      const origin = sms.originationNumber ?? sms.senderId;
      const originationIdentity = origin ? { originationIdentity: origin } : {};
      if (sms.provider === 'notify') return notifySend(message, providers, 'SendNotifyTextMessage', sms);
      if (sms.provider === 'end-user-messaging') {
        return {
          provider: 'end-user-messaging',
          deployedSend: {
            operation: 'SendTextMessage',
            ...originationIdentity,
            ...set(sms.configurationSetName),
            ...protectOf(sms.protectConfigurationId),
          },
        };
      }
      return { provider: 'sns', deployedSend: { operation: 'Publish', ...originationIdentity } };
    }
    case 'voice': {
      const voice = channels.voice!;
      if (voice.provider === 'notify') return notifySend(message, providers, 'SendNotifyVoiceMessage', voice);
      return {
        provider: 'end-user-messaging',
        deployedSend: {
          operation: 'SendVoiceMessage',
          originationIdentity: shown(voice.originationIdentity),
          voiceId: voice.voiceId ?? defaultVoiceFor(message.ssml),
          ...set(voice.configurationSetName),
          ...protectOf(voice.protectConfigurationId),
        },
      };
    }
    case 'email':
      return { provider: 'ses', deployedSend: { operation: 'SendEmail' } };
    case 'whatsapp':
      return { provider: 'end-user-messaging-social', deployedSend: { operation: 'SendWhatsAppMessage' } };
    case 'push':
      return { provider: 'sns', deployedSend: { operation: 'Publish' } };
  }
}

function notifySend(
  message: OutgoingMessage,
  providers: LocalProviders,
  operation: 'SendNotifyTextMessage' | 'SendNotifyVoiceMessage',
  channel: { configurationSetName?: string; voiceId?: string },
): SendDescription {
  const notify = providers.channels.notify!;
  // The same choice and variables the deployed sender puts in its request.
  const request = notifyRequestFor(message, notify);
  return {
    provider: 'notify',
    deployedSend: {
      operation,
      notifyConfigurationId: shown(notify.configurationId),
      templateId: request.TemplateId ?? null,
      templateVariables: request.TemplateVariables,
      ...(channel.configurationSetName ? { configurationSetName: shown(channel.configurationSetName) } : {}),
      ...(operation === 'SendNotifyVoiceMessage' && channel.voiceId ? { voiceId: channel.voiceId } : {}),
    },
    body: notifyText(message, providers.brand, request.TemplateVariables.code),
    approximate: true,
  };
}

/**
 * Notify's text, as near as its documentation lets us render it. Documented: the templates are AWS's,
 * pre-approved per language, with `{{variable}}` placeholders; the code is the variable `code` the
 * sender fills (for a call, digits apart: "4. 8. 2."); the brand is the configuration's display name.
 * Not published: each template's exact wording, which `aws pinpoint-sms-voice-v2
 * describe-notify-templates` shows for your account. So this wording is ours, in the message's
 * language, carrying what the template carries (brand and code) and nothing it does not (no expiry,
 * no payment, no origin-bound line).
 */
export function notifyText(message: OutgoingMessage, brand: string, code: string): string {
  const locale: SupportedLocale = message.locale && isSupported(message.locale) ? message.locale : 'en';
  const text = NOTIFY_WORDING[locale](brand, code);
  return text.endsWith('.') ? text : `${text}.`;
}

const NOTIFY_WORDING: Record<SupportedLocale, (brand: string, code: string) => string> = {
  en: (brand, code) => `Your ${brand} verification code is ${code}`,
  es: (brand, code) => `Tu código de verificación de ${brand} es ${code}`,
  fr: (brand, code) => `Votre code de vérification ${brand} est ${code}`,
  de: (brand, code) => `Ihr Bestätigungscode für ${brand} lautet ${code}`,
  pt: (brand, code) => `Seu código de verificação ${brand} é ${code}`,
  it: (brand, code) => `Il tuo codice di verifica ${brand} è ${code}`,
};
