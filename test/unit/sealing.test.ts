import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newVerificationId } from '../../functions/core/ids.ts';
import { Sealer } from '../../functions/core/sealing.ts';

const SECRET = Buffer.alloc(32, 7);
const sealer = new Sealer(SECRET);
const other = new Sealer(Buffer.alloc(32, 8));
const ID = newVerificationId(sealer.destinationKey('+14155550123'));
const ID2 = newVerificationId(sealer.destinationKey('+14155550123'));
const CODE = '482913';

const codes = fc.stringMatching(/^[0-9]{4,10}$/);
const ids = fc
  .uint8Array({ minLength: 26, maxLength: 26 })
  .map((bytes) => Buffer.from(bytes).toString('base64url'));
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('Sealer: keys', () => {
  it('refuses a secret shorter than 32 bytes', () => {
    expect(() => new Sealer(Buffer.alloc(31))).toThrow(RangeError);
    expect(() => new Sealer(new Uint8Array(0))).toThrow(RangeError);
    expect(() => new Sealer(Buffer.alloc(32))).not.toThrow();
    expect(() => new Sealer(randomBytes(64))).not.toThrow();
  });
});

describe('Sealer: code MAC', () => {
  it('is deterministic per (id, code) and bound to both', () => {
    expect(sealer.mac(ID, CODE)).toBe(sealer.mac(ID, CODE));
    expect(new Sealer(Buffer.from(SECRET)).mac(ID, CODE)).toBe(sealer.mac(ID, CODE));
    expect(sealer.mac(ID2, CODE)).not.toBe(sealer.mac(ID, CODE));
    expect(sealer.mac(ID, '482914')).not.toBe(sealer.mac(ID, CODE));
    expect(other.mac(ID, CODE)).not.toBe(sealer.mac(ID, CODE));
    expect(sealer.mac(ID, CODE)).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 bytes, base64url
    expect(sealer.mac(ID, CODE)).not.toContain(CODE);
  });

  it('property: different (id, code) pairs never share a MAC', () => {
    fc.assert(
      fc.property(ids, codes, ids, codes, (id1, code1, id2, code2) => {
        fc.pre(id1 !== id2 || code1 !== code2);
        expect(sealer.mac(id1, code1)).not.toBe(sealer.mac(id2, code2));
      }),
    );
  });

  it('macMatches accepts the right code only', () => {
    const stored = sealer.mac(ID, CODE);
    expect(sealer.macMatches(ID, CODE, stored)).toBe(true);
    expect(sealer.macMatches(ID, '482914', stored)).toBe(false);
    expect(sealer.macMatches(ID2, CODE, stored)).toBe(false);
    expect(sealer.macMatches(ID, CODE, '')).toBe(false);
    expect(sealer.macMatches(ID, CODE, stored.slice(1))).toBe(false);
  });
});

describe('Sealer: sealed code', () => {
  it('opens what it sealed (property over codes and ids)', () => {
    fc.assert(
      fc.property(ids, codes, (id, code) => {
        const sealed = sealer.seal(id, code);
        expect(sealed.startsWith('v1.')).toBe(true);
        expect(sealer.open(id, sealed)).toBe(code);
      }),
    );
  });

  it('is randomized: sealing the same code twice gives different strings that both open', () => {
    const a = sealer.seal(ID, CODE);
    const b = sealer.seal(ID, CODE);
    expect(a).not.toBe(b);
    expect(sealer.open(ID, a)).toBe(CODE);
    expect(sealer.open(ID, b)).toBe(CODE);
    const many = new Set(Array.from({ length: 200 }, () => sealer.seal(ID, CODE)));
    expect(many.size).toBe(200);
  });

  it('never carries the code in clear, neither as text nor in base64url', () => {
    // The payload is AES-GCM ciphertext: its base64url never spells the plaintext's base64url.
    const sealed = sealer.seal(ID, CODE);
    expect(sealed).not.toContain(Buffer.from(CODE).toString('base64url'));
    expect(Buffer.from(sealed.slice(3), 'base64url').includes(Buffer.from(CODE))).toBe(false);
  });

  it('refuses a sealed code opened under another id (the id is associated data)', () => {
    const sealed = sealer.seal(ID, CODE);
    expect(() => sealer.open(ID2, sealed)).toThrow();
    expect(() => sealer.open('', sealed)).toThrow();
  });

  it('refuses a sealed code made with another secret', () => {
    expect(() => other.open(ID, sealer.seal(ID, CODE))).toThrow();
    expect(() => sealer.open(ID, other.seal(ID, CODE))).toThrow();
  });

  it('refuses a wrong prefix, a truncated payload, and junk', () => {
    const sealed = sealer.seal(ID, CODE);
    const payload = sealed.slice(3);
    expect(() => sealer.open(ID, `v2.${payload}`)).toThrow(/format/);
    expect(() => sealer.open(ID, payload)).toThrow(/format/);
    expect(() => sealer.open(ID, `V1.${payload}`)).toThrow(/format/);
    expect(() => sealer.open(ID, '')).toThrow();
    expect(() => sealer.open(ID, 'v1.')).toThrow();
    for (let length = 0; length < payload.length; length++) {
      expect(() => sealer.open(ID, `v1.${payload.slice(0, length)}`), `first ${length} chars`).toThrow();
    }
    // Dropping one whole byte (from the end of the raw bytes) must fail authentication too.
    const raw = Buffer.from(payload, 'base64url');
    expect(() => sealer.open(ID, `v1.${raw.subarray(0, raw.length - 1).toString('base64url')}`)).toThrow();
  });

  it('refuses any single flipped bit of the sealed bytes (iv, tag or ciphertext)', () => {
    const sealed = sealer.seal(ID, CODE);
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    for (let byte = 0; byte < raw.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const tampered = Buffer.from(raw);
        tampered[byte]! ^= 1 << bit;
        expect(
          () => sealer.open(ID, `v1.${tampered.toString('base64url')}`),
          `byte ${byte} bit ${bit}`,
        ).toThrow();
      }
    }
  });

  it('property: changing any character of the sealed string either fails or decodes to the same bytes', () => {
    // base64url's last character carries spare bits that decoding ignores, so a few edits of the text
    // leave the sealed bytes unchanged; every edit that changes them must be refused.
    const sealed = sealer.seal(ID, CODE);
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: sealed.length - 1 }),
        fc.constantFrom(...BASE64URL, '.', '=', '!', ' '),
        (position, replacement) => {
          fc.pre(sealed[position] !== replacement);
          const tampered = sealed.slice(0, position) + replacement + sealed.slice(position + 1);
          const decoded = tampered.startsWith('v1.')
            ? Buffer.from(tampered.slice(3), 'base64url')
            : undefined;
          if (decoded?.equals(raw)) {
            expect(sealer.open(ID, tampered)).toBe(CODE);
          } else {
            expect(() => sealer.open(ID, tampered)).toThrow();
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('Sealer: destination and device-IP keys', () => {
  it('are stable, 16 bytes in base64url, and differ by input, purpose and secret', () => {
    const key = sealer.destinationKey('+14155550123');
    expect(key).toBe(sealer.destinationKey('+14155550123'));
    expect(key).toBe(new Sealer(Buffer.from(SECRET)).destinationKey('+14155550123'));
    expect(key).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(key, 'base64url')).toHaveLength(16);
    expect(sealer.destinationKey('+14155550124')).not.toBe(key);
    expect(other.destinationKey('+14155550123')).not.toBe(key);

    const ipKey = sealer.deviceIpKey('203.0.113.7');
    expect(ipKey).toBe(sealer.deviceIpKey('203.0.113.7'));
    expect(ipKey).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(ipKey, 'base64url')).toHaveLength(16);
    expect(sealer.deviceIpKey('203.0.113.8')).not.toBe(ipKey);
    // Separate derived keys: the same string names a destination and an IP differently.
    expect(sealer.deviceIpKey('+14155550123')).not.toBe(key);
  });

  it('property: keys are stable 16-byte base64url for any input', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 3, maxLength: 64 }), (value) => {
        for (const key of [sealer.destinationKey(value), sealer.deviceIpKey(value)]) {
          expect(key).toMatch(/^[A-Za-z0-9_-]{22}$/);
          expect(Buffer.from(key, 'base64url')).toHaveLength(16);
        }
        expect(sealer.destinationKey(value)).toBe(sealer.destinationKey(value));
      }),
    );
  });
});
