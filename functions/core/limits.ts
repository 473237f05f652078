import type { Settings } from './settings.ts';
import { CHANNEL_TRAITS, type Channel, type SendLimits } from './verification.ts';

/** The channels that cost per message and so count under the spend brake (sms, voice, whatsapp). */
export const isPhoneChannel = (channel: Channel): boolean => CHANNEL_TRAITS[channel].spendBrake;

/**
 * The limits one message counts under, whatever sends it (a first send, a resend, the fallback call):
 * the destination's cooldown and hourly limit, the device IP's hourly limit when the request named
 * one, and for phone channels the service-wide spend brake.
 */
export function sendLimits(settings: Settings, channel: Channel, deviceIpKey?: string): SendLimits {
  return {
    resendCooldownSeconds: settings.resendCooldownSeconds,
    maxSendsPerHour: settings.maxSendsPerHour,
    ...(deviceIpKey === undefined
      ? {}
      : { deviceIp: { key: deviceIpKey, maxSendsPerHour: settings.maxSendsPerDeviceIpPerHour } }),
    ...(isPhoneChannel(channel)
      ? {
          spendBrake: {
            perMinute: settings.phoneSendsPerMinute,
            perDay: settings.phoneSendsPerDay,
            shards: settings.spendBrakeShards,
          },
        }
      : {}),
  };
}
