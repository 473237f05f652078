/**
 * SNS mobile-push destinations: a platform endpoint's ARN, which an app's backend created for one
 * device (`CreatePlatformEndpoint`) under one of the platform applications the service was given.
 *
 *   application  arn:aws:sns:eu-west-1:123456789012:app/APNS/acme-ios
 *   endpoint     arn:aws:sns:eu-west-1:123456789012:endpoint/APNS/acme-ios/5e3e9847-3183-3f18-a7e8-671c3a57d4b3
 */

/** The platforms whose payloads the push sender writes: APNs (production and sandbox) and FCM. */
export const PUSH_PLATFORMS = ['APNS', 'APNS_SANDBOX', 'GCM'] as const;
export type PushPlatform = (typeof PUSH_PLATFORMS)[number];

const PLATFORM = PUSH_PLATFORMS.join('|');
const APPLICATION_PATTERN = new RegExp(
  `^arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:app/(${PLATFORM})/[A-Za-z0-9_.-]{1,256}$`,
);
const ENDPOINT_PATTERN = new RegExp(
  `^(arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}):endpoint/(${PLATFORM})/([A-Za-z0-9_.-]{1,256})/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`,
);

/** True for the ARN of an APNs, APNs sandbox or FCM platform application. */
export const isPushApplicationArn = (arn: string): boolean => APPLICATION_PATTERN.test(arn);

export interface PushEndpoint {
  arn: string;
  platform: PushPlatform;
  /** The platform application the endpoint belongs to. */
  application: string;
}

/** The endpoint `to` names, when it is a well-formed endpoint ARN of an APNs or FCM application. */
export function parsePushEndpoint(to: string): PushEndpoint | undefined {
  const match = ENDPOINT_PATTERN.exec(to.trim());
  if (!match) return undefined;
  const [arn, prefix, platform, name] = match as unknown as [string, string, PushPlatform, string];
  return { arn, platform, application: `${prefix}:app/${platform}/${name}` };
}

/** An endpoint as answers and logs show it: its platform and the last 4 characters, `APNS:****d4b3`. */
export function maskPushEndpoint(arn: string): string {
  const platform = /:endpoint\/([A-Z_]+)\//.exec(arn)?.[1] ?? 'push';
  return `${platform}:****${arn.slice(-4)}`;
}
