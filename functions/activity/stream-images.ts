import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { fromItem, type Item } from '../adapters/dynamodb/items.ts';
import type { VerificationRecord } from '../core/verification.ts';

type Image = Record<string, AttributeValue>;

/**
 * A stream image (JSON: binary values as base64 strings, typed from aws-lambda) as the SDK's
 * AttributeValue map that `fromItem` reads.
 */
export function itemOfImage(image: Image): Item {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toSdk(value)]));
}

function toSdk(value: AttributeValue): SdkAttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.B !== undefined) return { B: Buffer.from(value.B, 'base64') };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b, 'base64')) };
  if (value.L !== undefined) return { L: value.L.map(toSdk) };
  if (value.M !== undefined) return { M: itemOfImage(value.M) };
  throw new Error('stream image holds an attribute of no known type');
}

/** True when the record is about a verification item (`v#…`); counters and idempotency keys are not. */
export function isVerificationRecord(record: DynamoDBRecord): boolean {
  const pk = (record.dynamodb?.Keys ?? record.dynamodb?.NewImage ?? record.dynamodb?.OldImage)?.['pk']?.S;
  return pk?.startsWith('v#') ?? false;
}

/** The verification before and after the write the record describes (absent on insert / removal). */
export function verificationsOf(record: DynamoDBRecord): {
  before: VerificationRecord | undefined;
  after: VerificationRecord | undefined;
} {
  const { OldImage, NewImage } = record.dynamodb ?? {};
  return {
    before: OldImage ? fromItem(itemOfImage(OldImage)) : undefined,
    after: NewImage ? fromItem(itemOfImage(NewImage)) : undefined,
  };
}
