import fc from 'fast-check';
import {
  type CountryCode,
  getCountries,
  getExampleNumber,
  isValidPhoneNumber,
  Metadata,
  parsePhoneNumber,
} from 'libphonenumber-js/max';
import metadataJson from 'libphonenumber-js/max/metadata';
import examples from 'libphonenumber-js/mobile/examples';
import { describe, expect, it } from 'vitest';
import { maskDestination, maskEmail, maskPhone } from '../../functions/core/masking.ts';

/** E.164-shaped strings, valid or not: '+', then 6 to 15 digits. */
const e164 = fc.stringMatching(/^\+[1-9][0-9]{5,14}$/);
// Without the mask character itself: `*@a.aa` masks to `****@a.aa`, which contains it by coincidence.
const emails = fc.emailAddress().filter((email) => !email.includes('*'));
const hasLoneSurrogate = (s: string) =>
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe('masking', () => {
  it('masks the examples of the docs', () => {
    expect(maskPhone('+14155550123')).toBe('+1********23');
    expect(maskEmail('ana@example.com')).toBe('a***@example.com');
    expect(maskDestination('+14155550123')).toBe('+1********23');
    expect(maskDestination('ana@example.com')).toBe('a***@example.com');
  });

  it('shows at most the country code and the last two digits, never more than half of the digits', () => {
    expect(maskPhone('+442071838750')).toBe('+44********50'); // 12 digits: 4 shown
    expect(maskPhone('+33612345678')).toBe('+33*******78');
    expect(maskPhone('+80012345678')).toBe('+800******78'); // a non-geographic calling code
    // Short numbers: the last two digits, and the country code only when it fits in half.
    expect(maskPhone('+3522712')).toBe('+*****12'); // Luxembourg, 7 digits (was +3522*12)
    expect(maskPhone('+6834002')).toBe('+*****02'); // Niue, 7 digits
    expect(maskPhone('+431116')).toBe('+****16'); // Austria, 6 digits: the shortest valid numbers
    expect(maskPhone('+35299441')).toBe('+******41'); // 8 digits: 352 and 41 would be 5 of them
    expect(maskPhone('+43662059')).toBe('+43****59'); // 8 digits: 43 and 59 are half
    // Not a number of a known calling code: only the last digits show.
    expect(maskPhone('+9991234567')).toBe('+********67');
  });

  it('masks email addresses in lower case, whatever case the address was written in', () => {
    expect(maskEmail('Ana.Smith+x@GoogleMail.com')).toBe('a***@googlemail.com');
    expect(maskEmail('a@example.com')).toBe('a***@example.com');
    expect(maskEmail('anastasia.long@mail.example.org')).toBe('a***@mail.example.org');
    expect(maskEmail('not-an-email')).toBe('***');
  });

  it('property: a masked E.164-shaped string keeps its length and shows at most half of its digits', () => {
    fc.assert(
      fc.property(e164, (phone) => {
        const masked = maskPhone(phone);
        expectMaskRule(phone, masked, callingCodeOf(phone));
        expect(masked).not.toContain(phone);
        expect(maskDestination(phone)).toBe(masked);
      }),
    );
  });

  it('property: a masked email keeps the first character and the domain only', () => {
    fc.assert(
      fc.property(emails, (email) => {
        const at = email.lastIndexOf('@');
        const masked = maskEmail(email);
        expect(masked).toBe(`${email[0]!.toLowerCase()}***${email.slice(at).toLowerCase()}`);
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

// ---- Masking over libphonenumber's metadata: every valid length of every calling code -------------

/** The parts of libphonenumber-js's numbering plans the test reads (its typings declare fewer). */
interface NumberingPlan {
  callingCode(): string;
  type(name: string): { pattern(): string; possibleLengths(): number[] } | undefined;
}
const NUMBER_TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'TOLL_FREE',
  'PREMIUM_RATE',
  'PERSONAL_NUMBER',
  'VOICEMAIL',
  'UAN',
  'PAGER',
  'VOIP',
  'SHARED_COST',
];

/** One length of national number under one calling code, with the patterns of the types that have it. */
interface Shape {
  callingCode: string;
  length: number;
  patterns: string[];
}

/** Every (calling code, national number length) the full metadata declares valid, countries and non-geographic codes alike. */
function shapesOfTheMetadata(): Shape[] {
  const metadata = new Metadata();
  const shapes = new Map<string, Shape>();
  for (const plan of [...getCountries(), ...Object.keys(metadataJson.nonGeographic)]) {
    metadata.selectNumberingPlan(plan as CountryCode); // a calling code selects a non-geographic plan
    const numbering = metadata.numberingPlan as unknown as NumberingPlan;
    const callingCode = numbering.callingCode();
    for (const name of NUMBER_TYPES) {
      const type = numbering.type(name);
      // An empty pattern means "as FIXED_LINE" (e.g. US mobile numbers).
      if (!type?.pattern()) continue;
      for (const length of type.possibleLengths()) {
        const key = `${callingCode}:${length}`;
        const shape = shapes.get(key) ?? { callingCode, length, patterns: [] };
        shape.patterns.push(type.pattern());
        shapes.set(key, shape);
      }
    }
  }
  return [...shapes.values()];
}

/** Numbers under one shape's calling code with a national number drawn from one of its types' patterns. */
const candidatesOf = (shape: Shape) =>
  fc
    .constantFrom(...shape.patterns)
    .chain((pattern) => fc.stringMatching(new RegExp(`^(?:${pattern})$`)))
    .map((national) => `+${shape.callingCode}${national}`);
/** Is `number` a valid number of `shape`? */
const fits = (shape: Shape, number: string) =>
  number.length === 1 + shape.callingCode.length + shape.length && isValidPhoneNumber(number);

/** A valid number of `shape`: the first in seeded samples (the same every run), or undefined after 2,000. */
function firstNumberOf(shape: Shape): string | undefined {
  for (let round = 0; round < 100; round++) {
    const sample = fc.sample(candidatesOf(shape), { numRuns: 20, seed: 20261123 + round });
    const found = sample.find((candidate) => fits(shape, candidate));
    if (found !== undefined) return found;
  }
  return undefined;
}

const callingCodeOf = (e164: string) => {
  try {
    return parsePhoneNumber(e164).countryCallingCode;
  } catch {
    return undefined;
  }
};

/**
 * The rule: the same length; '+', then digits shown in place or '*'; at most half of the digits
 * shown, and only from the country calling code and the last two digits; the last two digits shown
 * (as long as that is at most half).
 */
function expectMaskRule(e164: string, masked: string, callingCode: string | undefined) {
  const digits = e164.length - 1;
  expect(masked, e164).toHaveLength(e164.length);
  expect(masked[0], e164).toBe('+');
  const visible = [...masked].flatMap((char, index) => (index > 0 && char !== '*' ? [index] : []));
  for (const index of visible) expect(masked[index], e164).toBe(e164[index]);
  expect(visible.length, `${e164} -> ${masked}`).toBeLessThanOrEqual(Math.floor(digits / 2));
  const allowed = (index: number) =>
    index > e164.length - 3 || (callingCode !== undefined && index <= callingCode.length);
  expect(
    visible.filter((index) => !allowed(index)),
    `${e164} -> ${masked}`,
  ).toEqual([]);
  const last = Math.min(2, Math.floor(digits / 2));
  expect(masked.slice(masked.length - last), e164).toBe(e164.slice(e164.length - last));
}

describe("masking every valid phone number length in libphonenumber's metadata", () => {
  const shapes = shapesOfTheMetadata();

  it('finds hundreds of shapes, from 6 digits to the longest numbers the metadata allows', () => {
    expect(shapes.length).toBeGreaterThan(500);
    const totals = shapes.map((shape) => shape.callingCode.length + shape.length);
    expect(Math.min(...totals)).toBeLessThanOrEqual(6);
    expect(Math.max(...totals)).toBeGreaterThanOrEqual(17);
  });

  it('every (calling code, length): a valid number of that shape, masked by the rule', () => {
    const missing: string[] = [];
    for (const shape of shapes) {
      const number = firstNumberOf(shape);
      if (number === undefined) {
        missing.push(`${shape.callingCode}:${shape.length}`);
        continue;
      }
      expect(callingCodeOf(number), number).toBe(shape.callingCode);
      expectMaskRule(number, maskPhone(number), shape.callingCode);
    }
    expect(missing).toEqual([]);
  });

  it("every country's example mobile number, masked by the rule", () => {
    let count = 0;
    for (const country of getCountries()) {
      const example = getExampleNumber(country, examples);
      if (!example) continue;
      expectMaskRule(example.number, maskPhone(example.number), example.countryCallingCode);
      count++;
    }
    expect(count).toBeGreaterThan(200);
  });

  it('property: valid numbers of any shape are masked by the rule', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...shapes).chain((shape) =>
          candidatesOf(shape)
            .filter((number) => fits(shape, number))
            .map((number) => ({ shape, number })),
        ),
        ({ shape, number }) => {
          expectMaskRule(number, maskPhone(number), shape.callingCode);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
