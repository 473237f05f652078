import type { CheckOutcome, CheckStore } from '../../ports.ts';
import { type Table, updateLive } from './table.ts';

/**
 * The check's writes: a right code is one conditional UpdateItem that matches the MAC and approves
 * in the same request; a wrong one then uses an attempt, also conditionally.
 */
export class DynamoCheckStore implements CheckStore {
  constructor(private readonly table: Table) {}

  approve(id: string, mac: string, now: number) {
    return updateLive<CheckOutcome>(this.table, id, now, {
      extraCondition: '#codeMac = :mac',
      update: 'SET #status = :approved, #approvedAt = :now',
      names: { '#codeMac': 'codeMac', '#approvedAt': 'approvedAt' },
      values: { ':mac': { S: mac }, ':approved': { S: 'approved' } },
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
