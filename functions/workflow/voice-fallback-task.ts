/**
 * The voice-fallback workflow's call task, as the state machine sees it: the input is the
 * verification id alone, the output says only whether a call was placed, and a failure leaves as an
 * error whose *name* the state machine's Retry and Catch match. The Lambda entry
 * (functions/handlers/voice-fallback.ts) and local mode (local/local-workflow.ts) both run this.
 */
import { isThrottling } from '../adapters/deliver-with-retry.ts';
import { DeliveryError } from '../core/errors.ts';
import { destinationKeyOf } from '../core/ids.ts';
import { placeVoiceFallbackCall } from '../core/voice-fallback.ts';

/** The provider throttled or faulted after the sender's own retries: the workflow retries with backoff. */
export const VOICE_CALL_RETRYABLE = 'VoiceCallRetryable';
/** The provider refused the call (opted out, unreachable, not allowed): retrying would not help. */
export const VOICE_CALL_REFUSED = 'VoiceCallRefused';
/** The task's input was not `{"verificationId": "<id>"}`. */
export const VOICE_TASK_INVALID_INPUT = 'VoiceTaskInvalidInput';

export interface VoiceFallbackTaskOutput {
  verificationId: string;
  called: boolean;
}

/** An error Step Functions reports by `name`; the message names the verification, never the code or number. */
export class VoiceTaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Exactly what the engine's call needs (the store part that claims and records the call, the sealer, …). */
export type VoiceFallbackDeps = Parameters<typeof placeVoiceFallbackCall>[0];

export function voiceFallbackTask(deps: VoiceFallbackDeps) {
  return async (input: unknown): Promise<VoiceFallbackTaskOutput> => {
    const verificationId = (input as { verificationId?: unknown } | null)?.verificationId;
    if (typeof verificationId !== 'string' || destinationKeyOf(verificationId) === undefined) {
      throw new VoiceTaskError(VOICE_TASK_INVALID_INPUT, 'expected {"verificationId": "<id>"}');
    }
    try {
      const result = await placeVoiceFallbackCall(deps, verificationId);
      return { verificationId, called: result.called };
    } catch (error) {
      throw classify(error, verificationId);
    }
  };
}

function classify(error: unknown, verificationId: string): VoiceTaskError {
  if (error instanceof DeliveryError) {
    return new VoiceTaskError(
      error.retryable ? VOICE_CALL_RETRYABLE : VOICE_CALL_REFUSED,
      `voice fallback call for ${verificationId} failed${error.retryable ? ' (retryable)' : ''}`,
    );
  }
  // DynamoDB throttling that outlasted the SDK's retries passes later, like a provider's.
  if (isThrottling(error)) {
    return new VoiceTaskError(VOICE_CALL_RETRYABLE, `voice fallback for ${verificationId} was throttled`);
  }
  const name = error instanceof Error && /^[A-Za-z0-9_.]{1,64}$/.test(error.name) ? error.name : 'Error';
  return new VoiceTaskError(name, `voice fallback for ${verificationId} failed: ${name}`);
}
