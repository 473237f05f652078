import { timingSafeEqual } from 'node:crypto';
import { ConditionalCheckFailedException, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { CheckOutcome, CheckStore } from '../../core/ports.ts';
import type { VerificationRecord } from '../../core/verification.ts';
import { codeMarkerName, fromItemWithoutCascade, hasCodeMarker, type Item, liveValues } from './items.ts';
import { keyOf, type Table, updateLive } from './table.ts';

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
    // One marker per accepted key: nested, the first found wins.
    const markers = markerNames(macs);
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
    // A verification started before the code marker existed (by a previous version, within the last
    // code's validity) has no marker, so the counted guess could not approve it: compare its stored
    // MAC instead, the guess already counted. (One a racing check approved first answers as the
    // counted guess did.) Remove once no such item can be live.
    if (
      outcome.kind === 'wrong_code' &&
      unmarked &&
      macs.some((mac) => sameMac(mac, outcome.record.codeMac))
    ) {
      const mac = { ':mac': { S: outcome.record.codeMac } };
      const approved = await this.#approve(id, now, '#codeMac = :mac', { '#codeMac': 'codeMac' }, mac);
      if (approved) return { kind: 'approved', record: approved };
    }
    return outcome;
  }

  /**
   * The second write of a check that named no transaction on a verification bound to one (see
   * functions/core/check.ts): the first write counted the guess; this one approves when the guess,
   * bound to the stored transaction, names the code marker. No attempt condition: the counted guess
   * may have been the last one, and it was counted. Costs one more round trip than presenting the
   * transaction does.
   */
  async approveCounted(
    id: string,
    macs: readonly string[],
    now: number,
  ): Promise<VerificationRecord | undefined> {
    const markers = markerNames(macs);
    const anyMarker = Object.keys(markers).map((marker) => `attribute_exists(${marker})`);
    return this.#approve(id, now, `(${anyMarker.join(' OR ')})`, markers, {});
  }

  /**
   * Approves a pending, unexpired verification whose guess was already counted, when `condition`
   * holds; answers the approved record (items.ts reads the approving guess as no wrong attempt), or
   * undefined when the condition failed: a wrong guess, or approved, canceled, expired or replaced
   * meanwhile, and the counted guess stands.
   */
  async #approve(
    id: string,
    now: number,
    condition: string,
    names: Record<string, string>,
    values: Item,
  ): Promise<VerificationRecord | undefined> {
    const { Attributes } = await this.table.client
      .send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
          Key: keyOf(id),
          ConditionExpression: `#id = :id AND #status = :pending AND #expiresAt > :now AND ${condition}`,
          UpdateExpression: 'SET #status = :approved, #approvedAt = :now',
          ExpressionAttributeNames: {
            ...names,
            '#id': 'id',
            '#status': 'status',
            '#expiresAt': 'expiresAt',
            '#approvedAt': 'approvedAt',
          },
          ExpressionAttributeValues: { ...liveValues(id, now), ...values, ':approved': { S: 'approved' } },
          ReturnValues: 'ALL_NEW',
        }),
      )
      .catch((error: unknown) => {
        if (error instanceof ConditionalCheckFailedException) return {} as { Attributes?: Item };
        throw error;
      });
    return Attributes && fromItemWithoutCascade(Attributes);
  }
}

/** One name per accepted key's MAC (one, unless a key rotation is under way), for the code markers. */
const markerNames = (macs: readonly string[]) =>
  Object.fromEntries(macs.map((mac, i) => [`#m${i}`, codeMarkerName(mac)]));

/** Compares two MACs in constant time. */
function sameMac(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
