import { expect } from 'vitest';
import { describeDeployedStack } from '../support/deployed-suite.ts';
import {
  SMS_DIRECT_VOICE_NOTIFY_PROPS,
  SMS_NOTIFY_VOICE_DIRECT_PROPS,
  synthesize,
} from '../support/synth.ts';

/**
 * The phone providers as deployed (issue 12): every entry of each stack run with its template's
 * environment against the recording endpoints, which answer SMS-Voice v2's direct and Notify sends,
 * and every call held to the function's own role.
 */

/** The flows both stacks run: an SMS whose cascade calls and then texts another number, and a call. */
const PHONE_FLOWS = {
  cascade: {
    to: '+14155550103',
    channel: 'sms',
    cascade: [
      { channel: 'voice', afterSeconds: 1 },
      { channel: 'sms', to: '+14155550104', afterSeconds: 1 },
    ],
  },
  otherChannels: [{ channel: 'voice', to: '+14155550105' }],
};

// SMS through End User Messaging directly, from your number, with the protect configuration the
// construct makes from allowedCountries; calls through Notify (a configuration the construct makes).
describeDeployedStack('sms-direct-voice-notify', () => synthesize(SMS_DIRECT_VOICE_NOTIFY_PROPS), {
  ...PHONE_FLOWS,
  providerSends: [
    {
      operation: 'SendTextMessage',
      input: {
        OriginationIdentity: '+18885550100',
        ConfigurationSetName: 'otp-sms',
        // The construct's protect configuration, as End User Messaging names its ids.
        ProtectConfigurationId: expect.stringMatching(/^protect-/),
        MessageFeedbackEnabled: true,
      },
    },
    {
      operation: 'SendNotifyVoiceMessage',
      input: {
        NotifyConfigurationId: expect.stringMatching(/^notify-/),
        TemplateVariables: { code: expect.stringMatching(/^(\d\. ){5}\d\.$/) },
        MessageFeedbackEnabled: true,
      },
    },
  ],
});

// SMS through Notify, in the template named per locale; calls from your number through SendVoiceMessage,
// with the protect configuration (and the receipts' configuration set) the construct makes.
describeDeployedStack('sms-notify-voice-direct', () => synthesize(SMS_NOTIFY_VOICE_DIRECT_PROPS), {
  ...PHONE_FLOWS,
  providerSends: [
    {
      operation: 'SendNotifyTextMessage',
      input: {
        NotifyConfigurationId: expect.stringMatching(/^notify-/),
        TemplateId: 'notify-code-verification-english-001',
        TemplateVariables: { code: expect.stringMatching(/^\d{6}$/) },
      },
    },
    {
      operation: 'SendVoiceMessage',
      input: {
        OriginationIdentity: 'phone-0123456789abcdef',
        ProtectConfigurationId: expect.stringMatching(/^protect-/),
      },
    },
  ],
});
