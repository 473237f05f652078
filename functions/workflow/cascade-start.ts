/**
 * The cascade's starter: the consumer of the delayed message the start function sends when a
 * verification has a cascade. When the first step is due, it reads the verification and starts the
 * workflow only if it is still pending with a step to place; most codes are verified before, and
 * then no execution is ever started (the cost table in docs/cascade.md). The Lambda entry
 * (functions/handlers/cascade-start.ts) and local mode both run this.
 */
import { nextStep } from '../core/cascade.ts';
import type { Clock, Log, ReadStore, WorkflowStarter } from '../core/ports.ts';
import { effectiveStatus } from '../core/verification.ts';
import { verificationIdOf } from './cascade-task.ts';

export interface CascadeStartDeps {
  store: Pick<ReadStore, 'get'>;
  workflow: WorkflowStarter;
  clock: Clock;
  log: Log;
}

export type CascadeStartOutcome = 'started' | 'not_needed' | 'invalid';

/** Handles one message body; throws when the workflow could not be started (the message is retried). */
export async function startCascadeIfPending(
  deps: CascadeStartDeps,
  body: string,
): Promise<CascadeStartOutcome> {
  let verificationId: string | undefined;
  try {
    verificationId = verificationIdOf(JSON.parse(body));
  } catch {
    verificationId = undefined;
  }
  if (verificationId === undefined) {
    deps.log.error('cascade message is not {"verificationId": "<id>"}', {});
    return 'invalid';
  }
  const record = await deps.store.get(verificationId);
  const now = deps.clock();
  if (
    record === undefined ||
    record.cascade === undefined ||
    effectiveStatus(record, now) !== 'pending' ||
    nextStep(record, now).kind === 'done'
  ) {
    return 'not_needed';
  }
  await deps.workflow.startCascade(verificationId);
  deps.log.info('cascade workflow started', { verificationId });
  return 'started';
}
