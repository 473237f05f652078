import type { DeliveryReceipt } from '../core/delivery.ts';

/** What a parser read from one event: the receipts, and how many entries it could not read. */
export interface ParsedReceipts {
  receipts: DeliveryReceipt[];
  unreadable: number;
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A JSON document, or undefined when the text is not one. */
export function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Epoch ms of an ISO 8601 string or an epoch-ms number; NaN otherwise. */
export function epochMs(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Date.parse(value);
  return Number.NaN;
}
