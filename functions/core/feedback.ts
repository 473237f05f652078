/**
 * Conversion feedback: telling AWS End User Messaging which messages reached a person, so its
 * SMS-pumping filter learns from them (`MessageFeedbackEnabled` on the send, `PutMessageFeedback`
 * later; an unreported message counts as FAILED an hour after it was sent).
 *
 * Which message converted: the **latest** message of the verification, when that message asked for
 * feedback. The code approves once, from one message; a resend or a cascade step goes out because the
 * earlier message had not led to an approval in time, so the latest is the one the person most likely
 * read. The earlier ones are left to AWS's default (FAILED after an hour), which is what "not converted"
 * means. A message sent through a provider without feedback (SNS, SES, WhatsApp, push) removes the
 * earlier id: an approval after an email step says nothing about the SMS before it.
 *
 * Off the hot path, both ways:
 * - the id is known only once the provider answered, after the send's one transaction: a first send
 *   or a resend records it with one more conditional write (only for providers that asked for
 *   feedback; best effort, bounded, never failing the send); a cascade step records it in the write
 *   that finishes the step, which it makes anyway;
 * - the check writes nothing more: the activity stream (functions/activity/) sees the approval and
 *   reports the recorded id.
 */
import type { Log, SendStore, SentMessage } from './ports.ts';
import type { VerificationRecord } from './verification.ts';

/** The id to record for a message the provider accepted: only when the send asked for feedback. */
export function feedbackMessageIdOf(sent: SentMessage | undefined): string | undefined {
  return sent?.feedback && sent.providerMessageId ? sent.providerMessageId : undefined;
}

/**
 * The messages to report as received for one write of a verification (the stream's old and new
 * image): its recorded message, on the write that approved it. Any other write reports nothing, so a
 * replayed stream record reports the same id again (PutMessageFeedback sets a status: idempotent) and
 * an id recorded after the approval (a step whose send was still in flight) is not reported: that
 * message came too late to be the one the code was read from.
 */
export function convertedMessages(
  before: VerificationRecord | undefined,
  after: VerificationRecord | undefined,
): string[] {
  if (after?.status !== 'approved' || after.feedbackMessageId === undefined) return [];
  const approvedBefore = before?.id === after.id && before.status === 'approved';
  return approvedBefore ? [] : [after.feedbackMessageId];
}

/**
 * Records the feedback id of a first send or resend sent at `sentAt`, when the provider asked for
 * feedback. Never throws: a lost id only means that message is not reported (AWS counts it FAILED),
 * which must not turn a delivered code into an error. Logs the masked destination, never the code.
 */
export async function recordFeedbackMessage(
  deps: { store: Pick<SendStore, 'recordFeedbackMessage'>; log: Log },
  record: Pick<VerificationRecord, 'id' | 'maskedTo'> & { channel: string },
  sentAt: number,
  sent: SentMessage | undefined,
): Promise<void> {
  const messageId = feedbackMessageIdOf(sent);
  if (messageId === undefined) return;
  try {
    await deps.store.recordFeedbackMessage(record.id, sentAt, messageId);
  } catch (error) {
    deps.log.warn('feedback message id not recorded', {
      verificationId: record.id,
      channel: record.channel,
      to: record.maskedTo,
      error: error instanceof Error ? error.name : String(error),
    });
  }
}
