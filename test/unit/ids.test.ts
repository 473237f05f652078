import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { destinationKeyOf, newVerificationId } from '../../functions/core/ids.ts';
import { Sealer } from '../../functions/core/sealing.ts';

/** `<destination key: 16 bytes>.<random: 10 bytes>`, both base64url. */
const ID_SHAPE = /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{14}$/;
const sealer = new Sealer(Buffer.alloc(32, 1));
const destinationKeys = fc
  .uint8Array({ minLength: 16, maxLength: 16 })
  .map((bytes) => Buffer.from(bytes).toString('base64url'));

describe('verification ids', () => {
  it('are the destination key, a dot, and 10 random bytes, all URL-safe', () => {
    const key = sealer.destinationKey('ana@example.com');
    const id = newVerificationId(key);
    expect(id).toMatch(ID_SHAPE);
    expect(id).toHaveLength(37);
    expect(id.startsWith(`${key}.`)).toBe(true);
    expect(encodeURIComponent(id)).toBe(id);
    expect(Buffer.from(id.split('.')[1]!, 'base64url')).toHaveLength(10);
    expect(destinationKeyOf(id)).toBe(key);
  });

  it('property: destinationKeyOf(newVerificationId(key)) is key, for every 16-byte key', () => {
    fc.assert(
      fc.property(destinationKeys, (key) => {
        const id = newVerificationId(key);
        expect(id).toMatch(ID_SHAPE);
        expect(destinationKeyOf(id)).toBe(key);
      }),
    );
  });

  it('differ for every new verification to the same destination (80 random bits each)', () => {
    const key = sealer.destinationKey('+14155550123');
    const many = Array.from({ length: 5_000 }, () => newVerificationId(key));
    expect(new Set(many).size).toBe(many.length);
    expect(many.every((id) => destinationKeyOf(id) === key)).toBe(true);
  });

  it('refuse a destination key that is not 16 bytes of base64url', () => {
    expect(() => newVerificationId('')).toThrow(RangeError);
    expect(() => newVerificationId(Buffer.alloc(15).toString('base64url'))).toThrow(RangeError);
    expect(() => newVerificationId(Buffer.alloc(17).toString('base64url'))).toThrow(RangeError);
    expect(() => newVerificationId(Buffer.alloc(16).toString('base64'))).toThrow(RangeError); // '==' padding
  });
});

describe('destinationKeyOf: malformed ids', () => {
  const valid = newVerificationId(sealer.destinationKey('+14155550123'));
  const [key, random] = valid.split('.') as [string, string];

  it('answers undefined for ids of the wrong shape, length or alphabet', () => {
    for (const bad of [
      '',
      '.',
      key,
      `${key}.`,
      `.${random}`,
      `${key}${random}`,
      `${key}.${random}.`,
      valid.slice(1),
      valid.slice(0, -1),
      `${valid}A`,
      `${key}.${random.slice(0, 13)}+`,
      `${key}.${random.slice(0, 13)}/`,
      `${key}.${random.slice(0, 13)}=`,
      `${key.slice(0, 21)}+.${random}`,
      `${key}.${random.slice(0, 13)} `,
      `${key}.${random.slice(0, 13)}\0`,
      `${key}.${random.slice(0, 13)}é`,
      `${key}:${random}`,
      ` ${valid}`,
      `${valid}\n`,
      '../../etc/passwd',
      'not-an-id',
      '%00',
    ]) {
      expect(destinationKeyOf(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });

  it('property: never throws for any string, and answers a key exactly for well-shaped ids', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 80 }),
          fc.string({ unit: 'binary', maxLength: 40 }),
          fc.stringMatching(/^[A-Za-z0-9_-]{21,23}\.[A-Za-z0-9_-]{13,15}$/),
        ),
        (candidate) => {
          const found = destinationKeyOf(candidate);
          if (ID_SHAPE.test(candidate)) {
            expect(found).toBe(candidate.slice(0, 22));
          } else {
            expect(found).toBeUndefined();
          }
        },
      ),
    );
  });
});
