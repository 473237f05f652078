/**
 * A typed client for app backends: `import { OnetimeClient } from 'onetime/client'`. No dependency
 * beyond `fetch` (Node 18+, Deno, Bun, edge runtimes) and the engine's own enums. Every answer that is not 2xx becomes
 * an `OnetimeError` carrying the document's `code`, `reason`, `field`, the `Retry-After` seconds and,
 * on a 409, the verification's status; that includes API Gateway's own refusals (`invalid_api_key`,
 * `throttled`, `quota_exceeded`, `unsupported_media_type`). Types: ./types.ts, held to docs/openapi.yaml.
 */
import type {
  CancelResult,
  CheckRequest,
  CheckResult,
  ClosedStatus,
  ErrorBody,
  RateLimitReason,
  SendResult,
  StartRequest,
  StatusResult,
} from './types.ts';

export * from './types.ts';

export interface OnetimeClientOptions {
  /** `http://localhost:3000` in local mode; the stage URL (`https://{apiId}.execute-api.{region}.amazonaws.com/prod`) deployed. */
  baseUrl: string;
  /** Sent as `x-api-key`; required deployed, ignored by local mode. */
  apiKey?: string | undefined;
  /** Another `fetch` (a proxy-aware one, a test double); the global one by default. */
  fetch?: typeof fetch | undefined;
}

export interface StartOptions {
  /** Sent as `Idempotency-Key`: the same key and body within 10 minutes answer the first answer again, sending nothing. */
  idempotencyKey?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** What `start` answers: the document's `SendResult`, and how the service took the request. */
export type Started = SendResult & {
  /** `200`: the pending verification to this destination was re-delivered (same id, same code). */
  resent: boolean;
  /** The stored answer to an earlier request with this `Idempotency-Key` (nothing was sent). */
  replayed: boolean;
};

/** A refusal: any answer that is not 2xx, or a 2xx whose body is not JSON. */
export class OnetimeError extends Error {
  override readonly name = 'OnetimeError';
  /** The HTTP status. */
  readonly status: number;
  /** The document's `error.code` (`invalid_request`, `rate_limited`, `throttled`, …), or `http_<status>` for a body without one. */
  readonly code: string;
  readonly field: string | undefined;
  readonly reason: RateLimitReason | undefined;
  /** From `Retry-After`: wait this long before the same request (429, and a 409 of a running idempotent request). */
  readonly retryAfterSeconds: number | undefined;
  /** On `409 verification_closed`: why the verification is closed. */
  readonly verificationStatus: ClosedStatus | undefined;

  constructor(
    status: number,
    error: ErrorBody,
    extra: { retryAfterSeconds?: number; verificationStatus?: ClosedStatus } = {},
  ) {
    super(error.message);
    this.status = status;
    this.code = error.code;
    this.field = error.field;
    this.reason = error.reason;
    this.retryAfterSeconds = extra.retryAfterSeconds;
    this.verificationStatus = extra.verificationStatus;
  }
}

export class OnetimeClient {
  readonly #base: string;
  readonly #apiKey: string | undefined;
  readonly #fetch: typeof fetch;

  constructor(options: OnetimeClientOptions) {
    this.#base = options.baseUrl.replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** Sends a code (`201`), or re-delivers the pending one to the same `to` (`200`, `resent: true`). */
  async start(request: StartRequest, options: StartOptions = {}): Promise<Started> {
    const headers: Record<string, string> =
      options.idempotencyKey === undefined ? {} : { 'idempotency-key': options.idempotencyKey };
    const { status, body, response } = await this.#call<SendResult>('POST', '/v1/verifications', {
      body: request,
      headers,
      signal: options.signal,
    });
    return {
      ...body,
      resent: status === 200,
      replayed: response.headers.get('idempotent-replayed') === 'true',
    };
  }

  /** Checks what the person typed: `valid: true` exactly when this check approved the verification. */
  async check(
    id: string,
    request: CheckRequest,
    options: { signal?: AbortSignal } = {},
  ): Promise<CheckResult> {
    const path = `/v1/verifications/${encodeURIComponent(id)}/check`;
    return (await this.#call<CheckResult>('POST', path, { body: request, signal: options.signal })).body;
  }

  /** The verification as of now: status, masked destination, times, attempts left, delivery, cascade steps. */
  async get(id: string, options: { signal?: AbortSignal } = {}): Promise<StatusResult> {
    const path = `/v1/verifications/${encodeURIComponent(id)}`;
    return (await this.#call<StatusResult>('GET', path, { signal: options.signal })).body;
  }

  /** Cancels a pending verification; a closed one is `OnetimeError` 409 with its `verificationStatus`. */
  async cancel(id: string, options: { signal?: AbortSignal } = {}): Promise<CancelResult> {
    const path = `/v1/verifications/${encodeURIComponent(id)}`;
    return (await this.#call<CancelResult>('DELETE', path, { signal: options.signal })).body;
  }

  async #call<T>(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal | undefined },
  ): Promise<{ status: number; body: T; response: Response }> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (this.#apiKey !== undefined) headers['x-api-key'] = this.#apiKey;
    const response = await this.#fetch(`${this.#base}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (response.ok && typeof body === 'object' && body !== null) {
      return { status: response.status, body: body as T, response };
    }
    throw refusal(response, body, text);
  }
}

/** The error an answer stands for: the document's envelope, or API Gateway's bare `{"message"}`, or text. */
function refusal(response: Response, body: unknown, text: string): OnetimeError {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const error = record['error'];
  const envelope =
    typeof error === 'object' && error !== null && typeof (error as ErrorBody).code === 'string'
      ? (error as ErrorBody)
      : {
          code: response.ok ? 'invalid_response' : `http_${response.status}`,
          message:
            typeof record['message'] === 'string'
              ? record['message']
              : text.slice(0, 200) || response.statusText || `HTTP ${response.status}`,
        };
  const retryAfterSeconds = retryAfter(response.headers.get('retry-after'));
  const status = record['status'];
  return new OnetimeError(response.status, envelope, {
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    ...(typeof status === 'string' ? { verificationStatus: status as ClosedStatus } : {}),
  });
}

/** `Retry-After` as whole seconds: delta-seconds, or an HTTP date (rounded up, at least 0). */
function retryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
