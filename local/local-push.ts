/**
 * Local mode's push applications: when `OTP_PUSH_PLATFORM_APPLICATIONS` is unset, two made-up SNS
 * platform applications (APNs and FCM) in a made-up account, so `channel: "push"` works out of the box
 * with an endpoint ARN under either. Nothing is sent: the notification lands in the outbox.
 */
import { OTP_PUSH_PLATFORM_APPLICATIONS } from '../functions/env.ts';

const LOCAL_ACCOUNT = 'arn:aws:sns:us-east-1:000000000000';

export const LOCAL_PUSH_APPLICATIONS = [
  `${LOCAL_ACCOUNT}:app/APNS/onetime-local`,
  `${LOCAL_ACCOUNT}:app/GCM/onetime-local`,
] as const;

/** An endpoint of the local APNs application, as the page suggests it. */
export const LOCAL_PUSH_ENDPOINT_EXAMPLE = `${LOCAL_ACCOUNT}:endpoint/APNS/onetime-local/00000000-0000-4000-8000-000000000001`;

/** `env` with the local push applications when it names none. */
export function withLocalPushApplications(
  env: Record<string, string | undefined>,
): Record<string, string | undefined> {
  if (env[OTP_PUSH_PLATFORM_APPLICATIONS]) return env;
  return { ...env, [OTP_PUSH_PLATFORM_APPLICATIONS]: LOCAL_PUSH_APPLICATIONS.join(',') };
}
