/**
 * The one error type a caller may see. Anything else thrown inside the service is logged and
 * answered with a generic 500 that carries no detail.
 */
export type RateLimitReason = 'cooldown' | 'destination_limit' | 'ip_limit' | 'spend_limit';

export interface ApiErrorOptions {
  field?: string;
  reason?: RateLimitReason;
  /** Sent as the `Retry-After` header (whole seconds). */
  retryAfterSeconds?: number;
  /** Extra top-level members of the response body, beside `error` (e.g. `status` on a 409). */
  extra?: Record<string, unknown>;
}

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly options: ApiErrorOptions = {},
  ) {
    super(message);
    this.name = 'ApiError';
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
  new ApiError(400, 'invalid_request', message, field === undefined ? {} : { field });

export const notFound = () => new ApiError(404, 'not_found', 'No verification has this id.');
