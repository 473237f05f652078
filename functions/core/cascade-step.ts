import { nextStep } from './cascade.ts';
import type { SendDeps } from './deps.ts';
import { DeliveryError } from './errors.ts';
import { feedbackMessageIdOf } from './feedback.ts';
import { sendLimits } from './limits.ts';
import { verificationMessage } from './messages.ts';
import { effectiveStatus, type VerificationRecord } from './verification.ts';

/** What the workflow does after a task: end, or wait this many seconds and run the task again. */
export type CascadeProgress = { done: true } | { done: false; waitSeconds: number };

export type CascadeStepDeps = Pick<SendDeps, 'sealer' | 'settings' | 'clock' | 'log' | 'senders'> & {
  store: Pick<SendDeps['store'], 'get' | 'claimStep' | 'finishStep' | 'skipStep'>;
};

/**
 * The cascade workflow's task: places every step of the verification that is due now, and says how
 * long until the next one. A step is placed only while the verification is pending and unexpired,
 * and is claimed by a conditional write first, so a retried or duplicated execution never sends it
 * twice. The claim counts it under every limit like any send; a full one skips it (recorded, with the
 * limit), and a channel that refuses it fails it (recorded): either way the next step is due at once.
 */
export async function placeDueSteps(deps: CascadeStepDeps, verificationId: string): Promise<CascadeProgress> {
  const { store, settings, clock, log } = deps;
  let record = await store.get(verificationId);
  // Each round places one step or learns that another execution did; a few rounds cover every step.
  for (let round = 0; record !== undefined && round < 2 * (record.cascade?.length ?? 0) + 1; round++) {
    const now = clock();
    if (effectiveStatus(record, now) !== 'pending' || record.cascade === undefined) break;
    const next = nextStep(record, now);
    if (next.kind === 'done') break;
    if (next.kind === 'wait') return { done: false, waitSeconds: next.seconds };

    const { index } = next;
    const step = record.cascade[index]!;
    const claim = await store.claimStep(
      record,
      index,
      sendLimits(settings, step.channel, record.deviceIpKey),
      now,
    );
    if (claim.kind === 'taken') {
      record = await store.get(verificationId); // closed, replaced, or claimed by another execution
      continue;
    }
    if (claim.kind === 'refused') {
      await store.skipStep(verificationId, index, claim.rejection.kind, now);
      log.warn('cascade step refused by a limit', {
        verificationId,
        step: index,
        reason: claim.rejection.kind,
      });
      record = withStep(record, index, { state: 'skipped', at: now, reason: claim.rejection.kind });
      continue;
    }
    let result: StepResult;
    try {
      result = await sendStep(deps, record, index, now);
    } catch (error) {
      // Not the channel's refusal but a fault of ours: recorded, then the execution's retry or alarm.
      await store.finishStep(verificationId, index, 'failed', clock());
      throw error;
    }
    const { outcome, feedbackMessageId } = result;
    const at = clock();
    // The step's feedback id rides on this write (functions/core/feedback.ts): no write of its own.
    await store.finishStep(verificationId, index, outcome, at, feedbackMessageId);
    // Later steps wait from the claim (when the message left), as `nextStep` reads it.
    record = withStep(record, index, { state: outcome, at: outcome === 'sent' ? now : at });
  }
  return { done: true };
}

/** How a step's send ended: `failed` when its channel refused it (DeliveryError). */
type StepResult = { outcome: 'sent' | 'failed'; feedbackMessageId?: string };

/** Sends step `index` of a claimed verification. */
async function sendStep(
  deps: CascadeStepDeps,
  record: VerificationRecord,
  index: number,
  now: number,
): Promise<StepResult> {
  const { sealer, settings, log } = deps;
  const step = record.cascade![index]!;
  const sender = deps.senders[step.channel];
  const maskedTo = step.destination?.maskedTo ?? record.maskedTo;
  const fields = { verificationId: record.id, step: index, channel: step.channel, to: maskedTo };
  if (!sender) {
    log.error('cascade step has no sender for its channel', fields);
    return { outcome: 'failed' };
  }
  const message = verificationMessage(
    record,
    settings,
    {
      channel: step.channel,
      to: sealer.openDestination(record.id, step.destination?.sealedTo ?? record.sealedTo),
      maskedTo,
      code: sealer.open(record.id, record.sealedCode),
    },
    now,
  );
  let sent: Awaited<ReturnType<typeof sender.send>>;
  try {
    sent = await sender.send(message);
  } catch (error) {
    if (!(error instanceof DeliveryError)) throw error;
    log.warn('cascade step failed', { ...fields, retryable: error.retryable });
    return { outcome: 'failed' };
  }
  log.info('cascade step sent', fields);
  const feedbackMessageId = feedbackMessageIdOf(sent);
  return feedbackMessageId === undefined ? { outcome: 'sent' } : { outcome: 'sent', feedbackMessageId };
}

function withStep(
  record: VerificationRecord,
  index: number,
  change: Partial<NonNullable<VerificationRecord['cascade']>[number]>,
): VerificationRecord {
  const cascade = record.cascade!.map((step, i) => (i === index ? { ...step, ...change } : step));
  return { ...record, cascade };
}
