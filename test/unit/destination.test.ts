import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalDestination, parseDestination } from '../../functions/core/destination.ts';
import { EngineError } from '../../functions/core/errors.ts';

const ALL = ['*'];

/** The EngineError thrown by `parseDestination`, or a failure when it did not throw one. */
function refusal(run: () => unknown): EngineError {
  try {
    run();
  } catch (error) {
    if (error instanceof EngineError) return error;
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
      expect(parseDestination('sms', input, ALL), input).toEqual({
        to: '+14155550123',
        canonical: '+14155550123',
        country: 'US',
      });
    }
    expect(parseDestination('voice', '+44 20 7183 8750', ALL)).toEqual({
      to: '+442071838750',
      canonical: '+442071838750',
      country: 'GB',
    });
    expect(parseDestination('sms', '+33 6 12 34 56 78', ALL)).toEqual({
      to: '+33612345678',
      canonical: '+33612345678',
      country: 'FR',
    });
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
      expect(() => parseDestination('sms', input, ALL), JSON.stringify(input)).toThrow(EngineError);
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
          const { to, canonical } = parseDestination('sms', `+1${input}`, ALL);
          expect(to).toMatch(/^\+[1-9][0-9]{6,14}$/);
          expect(canonical).toBe(to);
        } catch (error) {
          expect(error).toBeInstanceOf(EngineError);
        }
      }),
    );
  });
});

describe('email addresses', () => {
  it('trims, and keeps the address as written for delivery; the canonical form keys it', () => {
    expect(parseDestination('email', 'Ana@Example.COM', ALL)).toEqual({
      to: 'Ana@Example.COM',
      canonical: 'ana@example.com',
    });
    expect(parseDestination('email', '  ana@example.com\t', ALL)).toEqual({
      to: 'ana@example.com',
      canonical: 'ana@example.com',
    });
    expect(parseDestination('email', 'ana.maria+otp@mail.example.co.uk', ALL)).toEqual({
      to: 'ana.maria+otp@mail.example.co.uk',
      canonical: 'ana.maria@mail.example.co.uk',
    });
  });

  it('ignores the country allow-list', () => {
    expect(parseDestination('email', 'ana@example.com', [])).toEqual({
      to: 'ana@example.com',
      canonical: 'ana@example.com',
    });
  });

  it('keys one mailbox once: case, +tags, and dots at Gmail (gmail.com and googlemail.com)', () => {
    const classes = {
      'anasmith@gmail.com': [
        'anasmith@gmail.com',
        'AnaSmith@Gmail.com',
        'ana.smith@gmail.com',
        'a.n.a.s.m.i.t.h@gmail.com',
        'Ana.Smith+x@GoogleMail.com',
        'anasmith+otp+more@googlemail.com',
        'ana.smith+with.dots@gmail.com',
        ' ANA.SMITH@GMAIL.COM ',
      ],
      // Dots matter elsewhere: ana.smith and anasmith are two mailboxes at most providers.
      'ana.smith@example.com': [
        'ana.smith@example.com',
        'Ana.Smith@Example.com',
        'ana.smith+news@example.com',
      ],
      'anasmith@example.com': ['anasmith@example.com', 'AnaSmith+x@EXAMPLE.COM'],
      // A leading + is the whole local part, not a tag.
      '+ana@example.com': ['+ana@example.com', '+Ana@example.com'],
      // NFC: é written as one code point or as e + combining acute is one address.
      'josé@example.com': ['josé@example.com', 'jose\u0301@example.com', 'JOSÉ+x@example.com'],
    };
    for (const [canonical, forms] of Object.entries(classes)) {
      for (const form of forms) {
        const destination = parseDestination('email', form, ALL);
        expect(destination.canonical, form).toBe(canonical);
        expect(destination.to, form).toBe(form.trim()); // delivery: as written
      }
    }
    // Google Workspace and other domains are not gmail.com: their dots stay.
    expect(parseDestination('email', 'ana.smith@gmail.co.uk', ALL).canonical).toBe('ana.smith@gmail.co.uk');
    expect(parseDestination('email', 'ana.smith@mail.gmail.com', ALL).canonical).toBe(
      'ana.smith@mail.gmail.com',
    );
  });

  it('refuses an address with an invisible or formatting character, with field "to" and the character named', () => {
    const invisible = {
      'U+200B': '\u200b', // zero-width space
      'U+200C': '\u200c', // zero-width non-joiner
      'U+200D': '\u200d', // zero-width joiner
      'U+00AD': '\u00ad', // soft hyphen
      'U+200E': '\u200e', // left-to-right mark
      'U+200F': '\u200f', // right-to-left mark
      'U+202A': '\u202a', // bidi embeddings and overrides
      'U+202B': '\u202b',
      'U+202C': '\u202c',
      'U+202D': '\u202d',
      'U+202E': '\u202e',
      'U+2066': '\u2066', // bidi isolates
      'U+2067': '\u2067',
      'U+2068': '\u2068',
      'U+2069': '\u2069',
      'U+2060': '\u2060', // word joiner
      'U+FEFF': '\ufeff', // BOM / zero-width no-break space
      'U+034F': '\u034f', // combining grapheme joiner
      'U+FE0F': '\ufe0f', // variation selector
      'U+3164': '\u3164', // Hangul filler
      'U+180E': '\u180e', // Mongolian vowel separator
      'U+E0041': '\u{e0041}', // tag letter A
    };
    for (const [name, char] of Object.entries(invisible)) {
      for (const input of [`ana${char}@example.com`, `${char}ana@example.com`, `ana@example.com${char}`]) {
        const error = refusal(() => parseDestination('email', input, ALL));
        expect(error.statusCode, `${name} in ${JSON.stringify(input)}`).toBe(400);
        expect(error.code).toBe('invalid_request');
        expect(error.options.field).toBe('to');
        expect(error.message).toBe(
          `\`to\` contains an invisible or formatting character (${name}); send the address without it.`,
        );
      }
    }
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

  it('property: RFC 5322 dot-atom addresses are accepted as written, and keyed in lower case', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        fc.pre(email.length <= 254);
        const destination = parseDestination('email', email, ALL);
        expect(destination.to).toBe(email);
        expect(destination.canonical).toBe(destination.canonical.toLowerCase());
        expect(parseDestination('email', email.toUpperCase(), ALL).canonical).toBe(destination.canonical);
      }),
      { numRuns: 500 },
    );
  });

  it('property: the canonical form is idempotent, drops any +tag, and parses as an address itself', () => {
    const tag = fc.stringMatching(/^[a-z0-9.+-]{0,10}$/);
    fc.assert(
      fc.property(fc.emailAddress(), tag, (email, suffix) => {
        const at = email.lastIndexOf('@');
        const local = email.slice(0, at);
        fc.pre(email.length <= 240 && local.length <= 52 && !local.startsWith('+'));
        const { canonical } = parseDestination('email', email, ALL);
        expect(canonicalDestination(canonical)).toBe(canonical);
        const tagged = `${local}+${suffix}${email.slice(at)}`;
        expect(parseDestination('email', tagged, ALL).canonical).toBe(canonical);
        if (!canonical.startsWith('@'))
          expect(parseDestination('email', canonical, ALL).canonical).toBe(canonical);
      }),
      { numRuns: 500 },
    );
  });
});
