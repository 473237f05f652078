import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDestination } from '../../functions/core/destination.ts';
import { ApiError } from '../../functions/core/errors.ts';

const ALL = ['*'];

/** The ApiError thrown by `parseDestination`, or a failure when it did not throw one. */
function refusal(run: () => unknown): ApiError {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('phone numbers (sms, voice)', () => {
  it('normalises human spacing and punctuation to E.164', () => {
    for (const input of [
      '+14155550123',
      '+1 415 555 0123',
      '+1 (415) 555-0123',
      '+1-415-555-0123',
      '+1.415.555.0123',
      ' +1 415 555 0123 ',
    ]) {
      expect(parseDestination('sms', input, ALL), input).toEqual({ to: '+14155550123', country: 'US' });
    }
    expect(parseDestination('voice', '+44 20 7183 8750', ALL)).toEqual({
      to: '+442071838750',
      country: 'GB',
    });
    expect(parseDestination('sms', '+33 6 12 34 56 78', ALL)).toEqual({ to: '+33612345678', country: 'FR' });
  });

  it('refuses national format (no leading +), with field "to"', () => {
    for (const input of ['4155550123', '(415) 555-0123', '415-555-0123', '001 415 555 0123', '07183 8750']) {
      const error = refusal(() => parseDestination('sms', input, ALL));
      expect(error.statusCode, input).toBe(400);
      expect(error.code).toBe('invalid_request');
      expect(error.options.field).toBe('to');
    }
  });

  it('refuses junk, impossible numbers and emails on phone channels', () => {
    for (const input of [
      '',
      '+',
      '++14155550123',
      '+1',
      '+999 1234567',
      '+1 415 555 01234',
      '+1-415-CALL-NOW',
      'tel:+14155550123',
      'ana@example.com',
      '+14155550123#',
      `+1${'5'.repeat(40)}`,
      '\0',
    ]) {
      const error = refusal(() => parseDestination('voice', input, ALL));
      expect(error.code, JSON.stringify(input)).toBe('invalid_request');
      expect(error.options.field).toBe('to');
    }
  });

  it('refuses a number followed by other text instead of picking the number out of it', () => {
    // Contract: "Anything else: 400 invalid_request with field: to". libphonenumber extracts a number
    // from surrounding text unless told not to, so these are accepted today.
    for (const input of [
      '+14155550123abc',
      '+14155550123 call me',
      '+1 415 555 0123 <script>',
      '+14155550123\0',
      '+14155550123!!!',
    ]) {
      expect(() => parseDestination('sms', input, ALL), JSON.stringify(input)).toThrow(ApiError);
    }
  });

  it('applies the country allow-list, with * allowing every country', () => {
    expect(parseDestination('sms', '+14155550123', ['US']).country).toBe('US');
    expect(parseDestination('sms', '+442071838750', ['US', 'GB']).country).toBe('GB');
    expect(parseDestination('sms', '+442071838750', ['*']).country).toBe('GB');
    expect(parseDestination('sms', '+442071838750', ['US', '*']).country).toBe('GB');
    const error = refusal(() => parseDestination('voice', '+442071838750', ['US']));
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('country_not_allowed');
    expect(error.options.field).toBe('to');
    expect(refusal(() => parseDestination('sms', '+14155550123', [])).code).toBe('country_not_allowed');
  });

  it('checks the format before the country: junk is invalid_request even under an allow-list', () => {
    expect(refusal(() => parseDestination('sms', '4155550123', ['GB'])).code).toBe('invalid_request');
  });

  it('property: any accepted input normalises to E.164 digits', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (input) => {
        try {
          const { to } = parseDestination('sms', `+1${input}`, ALL);
          expect(to).toMatch(/^\+[1-9][0-9]{6,14}$/);
        } catch (error) {
          expect(error).toBeInstanceOf(ApiError);
        }
      }),
    );
  });
});

describe('email addresses', () => {
  it('trims and lower-cases', () => {
    expect(parseDestination('email', 'Ana@Example.COM', ALL)).toEqual({ to: 'ana@example.com' });
    expect(parseDestination('email', '  ana@example.com\t', ALL)).toEqual({ to: 'ana@example.com' });
    expect(parseDestination('email', 'ana.maria+otp@mail.example.co.uk', ALL)).toEqual({
      to: 'ana.maria+otp@mail.example.co.uk',
    });
  });

  it('ignores the country allow-list', () => {
    expect(parseDestination('email', 'ana@example.com', [])).toEqual({ to: 'ana@example.com' });
  });

  it('refuses what is not an address, with field "to"', () => {
    for (const input of [
      '',
      'ana',
      '@example.com',
      'ana@',
      'ana@localhost',
      'a b@example.com',
      'a@b@example.com',
      'ana@-example.com',
      'ana@example-.com',
      'ana@example..com',
      'ana@exa_mple.com',
      'ana@example.com.',
      'ana\0@example.com',
      'ana\n@example.com',
      '+14155550123',
      `${'a'.repeat(65)}@example.com`,
      `ana@${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`, // > 254
    ]) {
      const error = refusal(() => parseDestination('email', input, ALL));
      expect(error.code, JSON.stringify(input)).toBe('invalid_request');
      expect(error.options.field).toBe('to');
    }
  });

  it('property: RFC 5322 dot-atom addresses are accepted and come back lower-cased', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        fc.pre(email.length <= 254);
        expect(parseDestination('email', email, ALL).to).toBe(email.toLowerCase());
      }),
      { numRuns: 500 },
    );
  });
});
