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

/** Thrown by a channel adapter when the provider refused the message. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DeliveryError';
  }
}

export const invalidRequest = (message: string, field?: string) =>
  new EngineError(400, 'invalid_request', message, field === undefined ? {} : { field });

export const notFound = () => new EngineError(404, 'not_found', 'No verification has this id.');
