import type { CheckOutcome, CheckStore } from '../../ports.ts';
import { type Table, updateLive } from './table.ts';

/**
 * The check's writes: a right code is one conditional UpdateItem that matches the MAC and approves
 * in the same request; a wrong one then uses an attempt, also conditionally.
 */
export class DynamoCheckStore implements CheckStore {
  constructor(private readonly table: Table) {}

  approve(id: string, macs: readonly string[], now: number) {
    // One MAC per accepted key (one, unless a key rotation is under way): `IN` keeps it one write.
    const names = macs.map((_, i) => `:mac${i}`);
    return updateLive<CheckOutcome>(this.table, id, now, {
      extraCondition: names.length === 1 ? `#codeMac = ${names[0]}` : `#codeMac IN (${names.join(', ')})`,
      update: 'SET #status = :approved, #approvedAt = :now',
      names: { '#codeMac': 'codeMac', '#approvedAt': 'approvedAt' },
      values: {
        ...Object.fromEntries(macs.map((mac, i) => [`:mac${i}`, { S: mac }])),
        ':approved': { S: 'approved' },
      },
      whenDone: (record) => ({ kind: 'approved', record }),
      // The MAC is the only part of the condition left when the verification is live.
      whenLive: (record) => ({ kind: 'wrong_code', record }),
    });
  }

  recordWrongCode(id: string, now: number) {
    return updateLive<CheckOutcome>(this.table, id, now, {
      update: 'SET #attempts = #attempts + :one',
      values: { ':one': { N: '1' } },
      whenDone: (record) => ({ kind: 'wrong_code', record }),
      whenLive: (record) => ({ kind: 'closed', record }),
    });
  }
}
