/**
 * Where an alarm sends whoever it wakes: a section of docs/operations.md. Imports nothing, so any
 * construct can name its runbook without pulling in the monitoring module (or a cycle through it).
 */
/** The sections of docs/operations.md, one per alarm: what it means and what to do. */
export type RunbookSection =
  | 'api-5xx'
  | 'api-latency'
  | 'function-throttles'
  | 'function-errors'
  | 'cascade-failures'
  | 'spend-brake'
  | 'conversion-collapse'
  | 'conversion-watch'
  | 'delivery-failures'
  | 'stream-behind'
  | 'failed-batches'
  | 'key-rotation';

/** Appended to an alarm's description, so whoever it wakes knows where to read on. */
export const runbook = (section: RunbookSection) => `Runbook: docs/operations.md#${section}`;
