import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RateLimitReason } from '../../core/errors.ts';
import type { NewVerification, VerificationStore } from '../../core/ports.ts';
import type { SendLimits, VerificationRecord } from '../../core/verification.ts';
import { DynamoCancelStore } from './cancel-store.ts';
import { DynamoCascadeStore } from './cascade-store.ts';
import { DynamoCheckStore } from './check-store.ts';
import type { RetryOptions } from './counted-write.ts';
import { DynamoReadStore } from './read-store.ts';
import { DynamoSendStore } from './send-store.ts';

/**
 * The whole verification store on one DynamoDB table (layout and access patterns: docs/storage.md),
 * for the doors that use every part (local mode, tests). A Lambda that needs one part builds only
 * that part (the check function: DynamoCheckStore).
 *
 * One item per destination holds its current verification, keyed by a keyed hash of the destination;
 * the verification id embeds that hash. So:
 * - a check is one UpdateItem that counts the guess and compares it in the same conditional write;
 * - a send is one TransactWriteItems: create the verification unless one is live, and increment every
 *   limit counter under its condition. When one is live, the cancellation reason returns it (ALL_OLD)
 *   and a second transaction records the resend.
 */
export class DynamoVerificationStore implements VerificationStore {
  readonly #check: DynamoCheckStore;
  readonly #read: DynamoReadStore;
  readonly #cancel: DynamoCancelStore;
  readonly #send: DynamoSendStore;
  readonly #cascade: DynamoCascadeStore;

  constructor(client: DynamoDBClient, tableName: string, options: RetryOptions = {}) {
    const table = { client, tableName };
    this.#check = new DynamoCheckStore(table);
    this.#read = new DynamoReadStore(table);
    this.#cancel = new DynamoCancelStore(table);
    this.#send = new DynamoSendStore(table, options);
    this.#cascade = new DynamoCascadeStore(table, options);
  }

  guess(id: string, macs: readonly string[], now: number) {
    return this.#check.guess(id, macs, now);
  }
  approveCounted(id: string, macs: readonly string[], now: number) {
    return this.#check.approveCounted(id, macs, now);
  }
  get(id: string) {
    return this.#read.get(id);
  }
  findPending(destinationKey: string, now: number): Promise<VerificationRecord | undefined> {
    return this.#read.findPending(destinationKey, now);
  }
  cancel(id: string, now: number) {
    return this.#cancel.cancel(id, now);
  }
  startOrResend(input: NewVerification, now: number) {
    return this.#send.startOrResend(input, now);
  }
  markDeliveryFailed(id: string, now: number) {
    return this.#send.markDeliveryFailed(id, now);
  }
  recordFailedFirstSend(id: string, now: number) {
    return this.#send.recordFailedFirstSend(id, now);
  }
  recordFeedbackMessage(id: string, sentAt: number, messageId: string) {
    return this.#send.recordFeedbackMessage(id, sentAt, messageId);
  }
  claimStep(record: VerificationRecord, index: number, limits: SendLimits, now: number) {
    return this.#cascade.claimStep(record, index, limits, now);
  }
  finishStep(id: string, index: number, outcome: 'sent' | 'failed', now: number, feedbackMessageId?: string) {
    return this.#cascade.finishStep(id, index, outcome, now, feedbackMessageId);
  }
  skipStep(id: string, index: number, reason: RateLimitReason, now: number) {
    return this.#cascade.skipStep(id, index, reason, now);
  }
}
