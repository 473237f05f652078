import { timingSafeEqual } from 'node:crypto';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { CheckOutcome, CheckStore } from '../../core/ports.ts';
import type { VerificationRecord } from '../../core/verification.ts';
import { codeMarkerName, hasCodeMarker } from './items.ts';
import { classifyFailure, keyOf, type Table, updateLive } from './table.ts';

/**
 * The check is one conditional UpdateItem that counts the guess and compares it in the same write:
 * under "live" (pending, unexpired, `attempts < maxAttempts`) it sets `attempts + 1` and
 * `status = if_not_exists(<marker of the guess>, :pending)`. The item holds one attribute named after
 * the code's MAC (items.ts, `codeMarkerName`), so only the right guess finds its marker and sets
 * `approved`; a wrong one leaves `pending`. A guess is therefore compared only once it is counted, at
 * most `maxAttempts` guesses are ever compared however many race, and once `approved` is written the
 * live condition refuses every later check: a code approves exactly once.
 * Why this shape, and what the alternatives cost: docs/storage.md, "The check".
 */
export class DynamoCheckStore implements CheckStore {
  constructor(private readonly table: Table) {}

  async guess(id: string, macs: readonly string[], now: number): Promise<CheckOutcome> {
    // One marker per accepted key (one, unless a key rotation is under way): nested, the first found wins.
    const markers = Object.fromEntries(macs.map((mac, i) => [`#m${i}`, codeMarkerName(mac)]));
    const status = Object.keys(markers).reduceRight(
      (otherwise, marker) => `if_not_exists(${marker}, ${otherwise})`,
      ':pending',
    );
    let unmarked = false;
    const outcome = await updateLive<CheckOutcome>(this.table, id, now, {
      update: `SET #attempts = #attempts + :one, #lastGuessAt = :now, #status = ${status}`,
      names: { ...markers, '#lastGuessAt': 'lastGuessAt' },
      values: { ':one': { N: '1' } },
      whenDone: (record, item) => {
        unmarked = !hasCodeMarker(item);
        return { kind: record.status === 'approved' ? 'approved' : 'wrong_code', record };
      },
      // "Live" is the whole condition: a failure means closed, replaced or unknown.
      whenLive: (record) => ({ kind: 'closed', record }),
    });
    if (
      outcome.kind === 'wrong_code' &&
      unmarked &&
      macs.some((mac) => sameMac(mac, outcome.record.codeMac))
    ) {
      return this.#approveUnmarked(outcome.record, now);
    }
    return outcome;
  }

  /**
   * A verification started before the code marker existed (by a previous version, within the last
   * code's validity) has no marker, so the counted guess above could not approve it: compare its
   * stored MAC instead, the guess already counted. Remove once no such item can be live.
   */
  async #approveUnmarked(record: VerificationRecord, now: number): Promise<CheckOutcome> {
    try {
      await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
          Key: keyOf(record.id),
          ConditionExpression: '#id = :id AND #status = :pending AND #expiresAt > :now AND #codeMac = :mac',
          UpdateExpression: 'SET #status = :approved, #approvedAt = :now',
          ExpressionAttributeNames: {
            '#id': 'id',
            '#status': 'status',
            '#expiresAt': 'expiresAt',
            '#codeMac': 'codeMac',
            '#approvedAt': 'approvedAt',
          },
          ExpressionAttributeValues: {
            ':id': { S: record.id },
            ':pending': { S: 'pending' },
            ':approved': { S: 'approved' },
            ':now': { N: String(now) },
            ':mac': { S: record.codeMac },
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      // As items.ts reads it: the approving guess is not a wrong attempt.
      const approved = {
        ...record,
        status: 'approved' as const,
        approvedAt: now,
        attempts: record.attempts - 1,
      };
      return { kind: 'approved', record: approved };
    } catch (error) {
      // Approved by a racing check, expired or replaced meanwhile.
      return classifyFailure<CheckOutcome>(error, record.id, now, (current) => ({
        kind: 'closed',
        record: current,
      }));
    }
  }
}

/** Compares two MACs in constant time. */
function sameMac(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
