/**
 * The cascade workflow's step task, as the state machine sees it: the input is the verification id
 * alone; the output is the id and either `done` or the seconds to wait before the next step (never a
 * code, a channel or a destination); a failure leaves as an error whose *name* the state machine's
 * Retry and Catch match. The Lambda entry (functions/handlers/cascade-step.ts) and local mode
 * (local/local-workflow.ts) both run this.
 */
import { isThrottling } from '../adapters/deliver-with-retry.ts';
import { type CascadeStepDeps, placeDueSteps } from '../core/cascade-step.ts';
import { destinationKeyOf } from '../core/ids.ts';

/** DynamoDB throttled past the SDK's own retries: the workflow retries with backoff. */
export const CASCADE_STEP_RETRYABLE = 'CascadeStepRetryable';
/** The task's input was not `{"verificationId": "<id>"}`. */
export const CASCADE_TASK_INVALID_INPUT = 'CascadeTaskInvalidInput';

export interface CascadeTaskOutput {
  verificationId: string;
  done: boolean;
  /** Present when not done: the Wait state's `SecondsPath`. */
  waitSeconds?: number;
}

/** An error Step Functions reports by `name`; the message names the verification, never the code or number. */
export class CascadeTaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export function cascadeTask(deps: CascadeStepDeps) {
  return async (input: unknown): Promise<CascadeTaskOutput> => {
    const verificationId = verificationIdOf(input);
    if (verificationId === undefined) {
      throw new CascadeTaskError(CASCADE_TASK_INVALID_INPUT, 'expected {"verificationId": "<id>"}');
    }
    try {
      const progress = await placeDueSteps(deps, verificationId);
      return progress.done
        ? { verificationId, done: true }
        : { verificationId, done: false, waitSeconds: progress.waitSeconds };
    } catch (error) {
      throw classify(error, verificationId);
    }
  };
}

/** The id in `{"verificationId": "<id>"}`, when it is one. Shared with the cascade's starter. */
export function verificationIdOf(input: unknown): string | undefined {
  const id = (input as { verificationId?: unknown } | null)?.verificationId;
  return typeof id === 'string' && destinationKeyOf(id) !== undefined ? id : undefined;
}

function classify(error: unknown, verificationId: string): CascadeTaskError {
  if (isThrottling(error)) {
    return new CascadeTaskError(CASCADE_STEP_RETRYABLE, `cascade of ${verificationId} was throttled`);
  }
  const name = error instanceof Error && /^[A-Za-z0-9_.]{1,64}$/.test(error.name) ? error.name : 'Error';
  return new CascadeTaskError(name, `cascade of ${verificationId} failed: ${name}`);
}
