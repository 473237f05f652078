import { randomBytes } from 'node:crypto';

/**
 * A verification id is `<destination key>.<random>`: the keyed hash of its destination (16 bytes,
 * base64url) and 10 random bytes. The store keeps one live verification per destination, so reading
 * the destination key out of the id is what lets a check find its verification in a single DynamoDB
 * request; the dot lets the workflow split it out with a plain intrinsic function.
 */
const ID_PATTERN = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{14})$/;

export function newVerificationId(destinationKey: string): string {
  if (Buffer.from(destinationKey, 'base64url').length !== 16 || destinationKey.length !== 22) {
    throw new RangeError('destination key must be 16 bytes of base64url');
  }
  return `${destinationKey}.${randomBytes(10).toString('base64url')}`;
}

/** The destination key inside an id, or undefined when the string is not a well-formed id. */
export function destinationKeyOf(id: string): string | undefined {
  return ID_PATTERN.exec(id)?.[1];
}
