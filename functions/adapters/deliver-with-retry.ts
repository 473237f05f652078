/**
 * The one way the channel adapters call their provider. The SDK clients already retry (3 attempts,
 * short backoff); this outer loop rides out throttling bursts, which outlast the SDK's own retries
 * when many codes go out at once. Every failure leaves as a `DeliveryError` whose message carries
 * only the channel, the verification id and the provider's error name: never the destination or the
 * code (provider messages can echo the phone number, so they are not kept).
 */

import { DeliveryError, type ProviderLimit } from '../core/errors.ts';
import type { OutgoingMessage } from '../core/ports.ts';

export interface RetryOptions {
  /** Provider calls in total, first one included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Injected by tests so they need not wait. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected by tests for predictable jitter; returns [0, 1). */
  random?: () => number;
  /**
   * Error names that are a final refusal of this message whatever their HTTP status (e.g. Meta refusing
   * a WhatsApp message to a number without an account): not retryable, so a later step moves on.
   */
  refusals?: readonly string[];
}

const DEFAULTS = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 2_000 };

/** Error names the providers use for "slow down" (SNS, SES, SMS-Voice v2, Social Messaging, KMS behind SNS). */
const THROTTLING_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'LimitExceeded',
  'LimitExceededException',
  'RequestLimitExceeded',
  'KMSThrottlingException',
  'ThrottledRequestException', // AWS End User Messaging Social
]);

interface ProviderError {
  name?: unknown;
  /** SMS-Voice v2's enum of why (e.g. DESTINATION_PHONE_NUMBER_OPTED_OUT, DAILY_NOTIFY_TIER_MESSAGE_LIMIT). */
  Reason?: unknown;
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

export function isThrottling(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as ProviderError;
  return (
    e.$retryable?.throttling === true ||
    e.$metadata?.httpStatusCode === 429 ||
    (typeof e.name === 'string' && THROTTLING_NAMES.has(e.name))
  );
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls `send`, retrying throttling errors with full-jitter exponential backoff (a random delay in
 * [0, min(cap, base * 2^n)), which spreads competing senders apart), and turns any final failure into
 * a `DeliveryError`.
 */
export async function deliverWithRetry<T>(
  message: Pick<OutgoingMessage, 'channel' | 'verificationId'>,
  send: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULTS.maxAttempts);
  const baseDelayMs = options.baseDelayMs ?? DEFAULTS.baseDelayMs;
  const maxDelayMs = options.maxDelayMs ?? DEFAULTS.maxDelayMs;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;

  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      const throttled = isThrottling(error);
      if (!throttled || attempt >= maxAttempts) {
        throw toDeliveryError(message, error, throttled, options.refusals ?? []);
      }
      await sleep(Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1))));
    }
  }
}

function toDeliveryError(
  message: Pick<OutgoingMessage, 'channel' | 'verificationId'>,
  error: unknown,
  throttled: boolean,
  refusals: readonly string[],
): DeliveryError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as ProviderError;
  // Only a name-shaped string survives: it is the SDK's exception class, not free text.
  const name = typeof e.name === 'string' && /^[A-Za-z0-9_.]{1,64}$/.test(e.name) ? e.name : 'UnknownError';
  const status = e.$metadata?.httpStatusCode;
  // An enum value, never free text: says which refusal it was (opted out, blocked by protect, a limit).
  const reason = typeof e.Reason === 'string' && /^[A-Z0-9_]{1,64}$/.test(e.Reason) ? e.Reason : undefined;
  // Throttling that outlasted the retries, and provider-side faults, may pass later; a refusal won't.
  const retryable = !refusals.includes(name) && (throttled || (status !== undefined && status >= 500));
  const providerLimit = reason === undefined ? undefined : providerLimitOf(reason);
  return new DeliveryError(
    `${message.channel} delivery failed for verification ${message.verificationId}: ${name}` +
      (reason === undefined ? '' : ` ${reason}`) +
      (status === undefined ? '' : ` (HTTP ${status})`),
    retryable,
    {
      // A sanitised cause for logs; the original error may quote the destination.
      cause: { name, reason, httpStatusCode: status, requestId: e.$metadata?.requestId },
      ...(providerLimit ? { providerLimit } : {}),
    },
  );
}

/**
 * The provider limits that refuse every message alike. Notify's daily tier limit (200 a day on the
 * Basic tier) lifts by itself with the next UTC day: a 429 until then. A monthly spend limit lifts only
 * when someone raises it (or the month turns): a 503, asking again in an hour.
 */
export function providerLimitOf(reason: string, now = Date.now()): ProviderLimit | undefined {
  if (reason === 'DAILY_NOTIFY_TIER_MESSAGE_LIMIT') {
    const nextUtcDay = Math.floor(now / 86_400_000 + 1) * 86_400_000;
    return { statusCode: 429, retryAfterSeconds: Math.ceil((nextUtcDay - now) / 1000) };
  }
  if (reason.startsWith('MONTHLY_SPEND_LIMIT_REACHED')) return { statusCode: 503, retryAfterSeconds: 3_600 };
  return undefined;
}
