import { randomBytes } from 'node:crypto';

/**
 * A verification id carries the keyed hash of its destination (16 bytes) and 10 random bytes. The
 * store keeps one live verification per destination, so reading the destination key out of the id
 * is what lets a check find its verification in a single DynamoDB request.
 */
const DESTINATION_KEY_BYTES = 16;
const RANDOM_BYTES = 10;
const ID_PATTERN = /^[A-Za-z0-9_-]{35}$/;

export function newVerificationId(destinationKey: string): string {
  const key = Buffer.from(destinationKey, 'base64url');
  if (key.length !== DESTINATION_KEY_BYTES) throw new RangeError('destination key must be 16 bytes');
  return Buffer.concat([key, randomBytes(RANDOM_BYTES)]).toString('base64url');
}

/** The destination key inside an id, or undefined when the string is not a well-formed id. */
export function destinationKeyOf(id: string): string | undefined {
  if (!ID_PATTERN.test(id)) return undefined;
  const raw = Buffer.from(id, 'base64url');
  if (raw.length !== DESTINATION_KEY_BYTES + RANDOM_BYTES) return undefined;
  return raw.subarray(0, DESTINATION_KEY_BYTES).toString('base64url');
}
