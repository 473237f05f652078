import type { CancelOutcome, CancelStore } from '../../core/ports.ts';
import { type Table, updateLive } from './table.ts';

/** Cancelling a verification: one conditional UpdateItem on a live one, stamping when it closed. */
export class DynamoCancelStore implements CancelStore {
  constructor(private readonly table: Table) {}

  cancel(id: string, now: number) {
    return updateLive<CancelOutcome>(this.table, id, now, {
      update: 'SET #status = :canceled, #closedAt = :now',
      names: { '#closedAt': 'closedAt' },
      values: { ':canceled': { S: 'canceled' } },
      whenDone: (record) => ({ kind: 'canceled', record }),
      whenLive: (record) => ({ kind: 'closed', record }),
    });
  }
}
