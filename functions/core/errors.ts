/**
 * The engine's errors. `EngineError` is the one error type a caller may see, through whichever door
 * (an HTTP answer, a Cognito trigger's refusal); anything else thrown inside the service is logged and
 * answered with a generic 500 that carries no detail.
 */

/** Why a message was not sent: the limit that held. */
export type RateLimitReason = 'cooldown' | 'destination_limit' | 'ip_limit' | 'spend_limit';

export interface EngineErrorOptions {
  field?: string;
  reason?: RateLimitReason;
  /** Sent as the `Retry-After` header (whole seconds). */
  retryAfterSeconds?: number;
  /** Extra top-level members of the response body, beside `error` (e.g. `status` on a 409). */
  extra?: Record<string, unknown>;
}

export class EngineError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly options: EngineErrorOptions = {},
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/**
 * A provider's own limit that refused the message for every destination alike (Notify's daily tier
 * limit, a monthly spend limit): not this message's fault, so the caller hears a 429 or 503 that says
 * when to come back instead of a 502.
 */
export interface ProviderLimit {
  /** 429 (`rate_limited`, reason `spend_limit`) when it lifts by itself soon; 503 when someone must act. */
  statusCode: 429 | 503;
  retryAfterSeconds: number;
}

/** Thrown by a channel adapter when the provider refused the message. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable = false,
    options?: { cause?: unknown; providerLimit?: ProviderLimit },
  ) {
    super(message, options);
    this.name = 'DeliveryError';
    this.providerLimit = options?.providerLimit;
  }
  readonly providerLimit: ProviderLimit | undefined;
}

export const invalidRequest = (message: string, field?: string) =>
  new EngineError(400, 'invalid_request', message, field === undefined ? {} : { field });

export const notFound = () => new EngineError(404, 'not_found', 'No verification has this id.');

/**
 * An unexpected error as a log line's fields: `error`, its name and message, and `stack`, V8's stack
 * (that line again, then at most `Error.stackTraceLimit` frames, 10 by default, mapped to the
 * TypeScript sources where source maps are on).
 */
export const describeError = (error: unknown): { error: string; stack?: string | undefined } =>
  error instanceof Error
    ? { error: `${error.name}: ${error.message}`, stack: error.stack }
    : { error: String(error) };
