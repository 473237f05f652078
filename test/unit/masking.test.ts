import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskDestination, maskEmail, maskPhone } from '../../functions/core/masking.ts';

/** E.164 as the service stores it: '+', then 7 to 15 digits (the shortest real numbers have 7). */
const e164 = fc.stringMatching(/^\+[1-9][0-9]{6,14}$/);
// Without the mask character itself: `*@a.aa` masks to `****@a.aa`, which contains it by coincidence.
const emails = fc.emailAddress().filter((email) => !email.includes('*'));
const hasLoneSurrogate = (s: string) =>
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe('masking', () => {
  it('masks the contract examples', () => {
    expect(maskPhone('+14155550123')).toBe('+1415*****23');
    expect(maskEmail('ana@example.com')).toBe('a***@example.com');
    expect(maskDestination('+14155550123')).toBe('+1415*****23');
    expect(maskDestination('ana@example.com')).toBe('a***@example.com');
  });

  it('masks other real shapes: long and short numbers, one-letter and long local parts', () => {
    expect(maskPhone('+442071838750')).toBe('+4420******50');
    expect(maskPhone('+6834002')).toBe('+6834*02'); // Niue: 7 digits, the shortest E.164 in use
    expect(maskEmail('a@example.com')).toBe('a***@example.com');
    expect(maskEmail('anastasia.long@mail.example.org')).toBe('a***@mail.example.org');
    expect(maskEmail('not-an-email')).toBe('***');
  });

  it('property: a masked phone keeps its length, its first 4 characters, its last 2 digits, and nothing else', () => {
    fc.assert(
      fc.property(e164, (phone) => {
        const masked = maskPhone(phone);
        expect(masked).toHaveLength(phone.length);
        expect(masked.slice(0, 5)).toBe(phone.slice(0, 5));
        expect(masked.slice(-2)).toBe(phone.slice(-2));
        expect(masked.slice(5, -2)).toMatch(/^\*+$/);
        expect(masked).not.toContain(phone);
        expect(masked).not.toBe(phone);
        expect(maskDestination(phone)).toBe(masked);
      }),
    );
  });

  it('property: a masked email keeps the first character and the domain only', () => {
    fc.assert(
      fc.property(emails, (email) => {
        const at = email.lastIndexOf('@');
        const masked = maskEmail(email);
        expect(masked).toBe(`${email[0]}***${email.slice(at)}`);
        expect(masked).not.toContain(email);
        if (at > 1) expect(masked).not.toContain(email.slice(0, at));
        expect(maskDestination(email)).toBe(masked);
      }),
    );
  });

  it('property: never returns the full value, whatever the input', () => {
    const values = fc.string({ minLength: 3, maxLength: 60 }).filter((value) => !value.includes('*'));
    fc.assert(
      fc.property(values, (value) => {
        expect(maskDestination(value)).not.toContain(value);
      }),
    );
  });

  it('keeps a non-ASCII first character whole (no lone UTF-16 surrogate in the output)', () => {
    // Unicode local parts are accepted for email (destination.ts); email[0] cuts an emoji in half.
    const masked = maskEmail('😀x@example.com');
    expect(hasLoneSurrogate(masked)).toBe(false);
    expect(masked).toBe('😀***@example.com');
  });
});
