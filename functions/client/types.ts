/**
 * The HTTP API's bodies as TypeScript types, from docs/openapi.yaml; where the engine already names a
 * body's type or enum (the channels, statuses, a start request), the client takes the engine's, so
 * nothing is written twice. Each object type has a `…_FIELDS` record that the compiler holds to the
 * type (every member named, required or optional as the type says), and
 * test/unit/client-types.test.ts holds those records and the enums to the document's schemas: the
 * types cannot drift from the document without a failing test.
 */
import type { RateLimitReason } from '../core/errors.ts';
import type { StartRequest } from '../core/start.ts';
import type { Transaction } from '../core/transaction.ts';
import type { CascadeStepRequest, Channel, Delivery, Status } from '../core/verification.ts';

export { CHANNELS, DELIVERY_STATES, STATUSES } from '../core/verification.ts';
export type { CascadeStepRequest, Channel, Delivery, RateLimitReason, StartRequest, Status, Transaction };
export type ClosedStatus = Exclude<Status, 'pending'>;
export const RATE_LIMIT_REASONS = [
  'cooldown',
  'destination_limit',
  'ip_limit',
  'spend_limit',
] as const satisfies readonly RateLimitReason[];
export const STEP_STATUSES = ['scheduled', 'sending', 'sent', 'failed', 'unknown', 'skipped'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** `'required'` or `'optional'` for every member of `T`, as its type says: the compiler checks both. */
export type Fields<T> = { readonly [K in keyof T]-?: undefined extends T[K] ? 'optional' : 'required' };

export const TRANSACTION_FIELDS: Fields<Transaction> = {
  amount: 'required',
  currency: 'required',
  payee: 'required',
};

export const CASCADE_STEP_REQUEST_FIELDS: Fields<CascadeStepRequest> = {
  channel: 'required',
  to: 'optional',
  afterSeconds: 'required',
};

export const START_REQUEST_FIELDS: Fields<StartRequest> = {
  to: 'required',
  channel: 'required',
  locale: 'optional',
  voiceFallback: 'optional',
  cascade: 'optional',
  deviceIp: 'optional',
  transaction: 'optional',
};

export interface CheckRequest {
  code: string;
  transaction?: Transaction | undefined;
}
export const CHECK_REQUEST_FIELDS: Fields<CheckRequest> = { code: 'required', transaction: 'optional' };

export interface SendResult {
  id: string;
  /** Masked: `+1********23`, `a***@example.com`. */
  to: string;
  channel: Channel;
  status: 'pending';
  expiresAt: string;
  attemptsRemaining: number;
  resendAvailableAt: string;
  delivery?: 'failed' | undefined;
  transaction?: Transaction | undefined;
}
export const SEND_RESULT_FIELDS: Fields<SendResult> = {
  id: 'required',
  to: 'required',
  channel: 'required',
  status: 'required',
  expiresAt: 'required',
  attemptsRemaining: 'required',
  resendAvailableAt: 'required',
  delivery: 'optional',
  transaction: 'optional',
};

export interface CheckResult {
  id: string;
  status: 'approved' | 'pending' | 'max_attempts_reached';
  /** True exactly when this check approved the verification. */
  valid: boolean;
  attemptsRemaining: number;
  transaction?: Transaction | undefined;
}
export const CHECK_RESULT_FIELDS: Fields<CheckResult> = {
  id: 'required',
  status: 'required',
  valid: 'required',
  attemptsRemaining: 'required',
  transaction: 'optional',
};

export interface CascadeStep {
  channel: Channel;
  /** Masked. */
  to: string;
  afterSeconds: number;
  status: StepStatus;
  at?: string | undefined;
  reason?: string | undefined;
}
export const CASCADE_STEP_FIELDS: Fields<CascadeStep> = {
  channel: 'required',
  to: 'required',
  afterSeconds: 'required',
  status: 'required',
  at: 'optional',
  reason: 'optional',
};

export interface StatusResult {
  id: string;
  to: string;
  channel: Channel;
  status: Status;
  createdAt: string;
  expiresAt: string;
  attemptsRemaining: number;
  delivery: Delivery;
  transaction?: Transaction | undefined;
  cascade?: CascadeStep[] | undefined;
}
export const STATUS_RESULT_FIELDS: Fields<StatusResult> = {
  id: 'required',
  to: 'required',
  channel: 'required',
  status: 'required',
  createdAt: 'required',
  expiresAt: 'required',
  attemptsRemaining: 'required',
  delivery: 'required',
  transaction: 'optional',
  cascade: 'optional',
};

export interface CancelResult {
  id: string;
  status: 'canceled';
}
export const CANCEL_RESULT_FIELDS: Fields<CancelResult> = { id: 'required', status: 'required' };

/** `{"error": {…}}`: the service's errors and the gateway's own (`invalid_api_key`, `throttled`, …). */
export interface ErrorBody {
  code: string;
  message: string;
  field?: string | undefined;
  reason?: RateLimitReason | undefined;
}
export const ERROR_BODY_FIELDS: Fields<ErrorBody> = {
  code: 'required',
  message: 'required',
  field: 'optional',
  reason: 'optional',
};
