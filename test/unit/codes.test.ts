import { randomInt } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALPHANUMERIC,
  codeShape,
  generateCode,
  isWellFormedCode,
  MAX_CODE_LENGTH,
  MIN_CODE_LENGTH,
  normaliseGuess,
} from '../../functions/core/codes.ts';

/** Upper critical value of chi-square with 9 degrees of freedom at p = 0.999. */
const CHI_SQUARE_9_DF_0_999 = 27.877;
const SAMPLE = 100_000;
const LENGTH = 6;

/** Pearson's chi-square of observed digit counts against a uniform expectation. */
function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
}

/** Digit counts per position (and overall) over `n` codes drawn from `generate`. */
function digitCounts(generate: () => string, n: number, length: number) {
  const perPosition = Array.from({ length }, () => new Array<number>(10).fill(0));
  const overall = new Array<number>(10).fill(0);
  for (let i = 0; i < n; i++) {
    const code = generate();
    for (let p = 0; p < length; p++) {
      const digit = code.charCodeAt(p) - 48;
      perPosition[p]![digit]!++;
      overall[digit]!++;
    }
  }
  return { perPosition, overall };
}

/** The worst statistic of the per-position and overall tests. */
function worstChiSquare(generate: () => string, n = SAMPLE, length = LENGTH): number {
  const { perPosition, overall } = digitCounts(generate, n, length);
  return Math.max(...perPosition.map(chiSquare), chiSquare(overall));
}

describe('code generation', () => {
  it('makes codes of exactly 4 to 10 ASCII digits', () => {
    for (let length = MIN_CODE_LENGTH; length <= MAX_CODE_LENGTH; length++) {
      for (let i = 0; i < 200; i++) {
        const code = generateCode(length);
        expect(code).toMatch(new RegExp(`^[0-9]{${length}}$`));
        expect(isWellFormedCode(code, length)).toBe(true);
      }
    }
  });

  it('refuses lengths outside 4..10 and non-integers', () => {
    for (const bad of [3, 11, 0, -6, 4.5, 6.000001, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => generateCode(bad), String(bad)).toThrow(RangeError);
    }
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ max: MIN_CODE_LENGTH - 1 }), fc.integer({ min: MAX_CODE_LENGTH + 1 })),
        (length) => {
          expect(() => generateCode(length)).toThrow(RangeError);
        },
      ),
    );
  });

  it('keeps leading zeros, and reaches every value from 0000 to 9999', () => {
    // 200,000 draws over 10,000 values: a value is missed with probability ~2e-9 each.
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i++) seen.add(generateCode(4));
    expect(seen.size).toBe(10_000);
    expect(seen.has('0000')).toBe(true);
    expect(seen.has('0007')).toBe(true);
    expect(seen.has('9999')).toBe(true);
  });

  it('draws digits uniformly: chi-square per position and overall under the 0.999 bound', {
    retry: 1, // 7 tests at p = 0.001 each: a rare honest failure is retried once; a biased generator fails twice
  }, () => {
    const { perPosition, overall } = digitCounts(() => generateCode(LENGTH), SAMPLE, LENGTH);
    for (const [position, counts] of perPosition.entries()) {
      expect(chiSquare(counts), `position ${position}: ${counts.join(',')}`).toBeLessThan(
        CHI_SQUARE_9_DF_0_999,
      );
    }
    expect(chiSquare(overall), `overall: ${overall.join(',')}`).toBeLessThan(CHI_SQUARE_9_DF_0_999);
  });

  it('draws every first digit, 0 and 9 included, about a tenth of the time', { retry: 1 }, () => {
    const { perPosition } = digitCounts(() => generateCode(LENGTH), SAMPLE, LENGTH);
    const first = perPosition[0]!;
    for (const [digit, count] of first.entries()) {
      // Expected 10,000, standard deviation ~95: 9,500..10,500 is more than 5 sigma either side.
      expect(count, `first digit ${digit}`).toBeGreaterThan(9_500);
      expect(count, `first digit ${digit}`).toBeLessThan(10_500);
    }
  });
});

describe('the distribution test can fail', () => {
  const pad = (n: number) => n.toString().padStart(LENGTH, '0');

  it('rejects a generator that drops a digit (x % 9)', () => {
    const biased = () => Array.from({ length: LENGTH }, () => String(randomInt(0, 10 ** 9) % 9)).join('');
    expect(worstChiSquare(biased)).toBeGreaterThan(CHI_SQUARE_9_DF_0_999);
  });

  it('rejects randomInt(0, 9) per digit, the classic off-by-one', () => {
    const offByOne = () => Array.from({ length: LENGTH }, () => String(randomInt(0, 9))).join('');
    expect(worstChiSquare(offByOne)).toBeGreaterThan(CHI_SQUARE_9_DF_0_999);
  });

  it('rejects codes that never start with 0', () => {
    const noLeadingZero = () => pad(randomInt(10 ** (LENGTH - 1), 10 ** LENGTH));
    const { perPosition } = digitCounts(noLeadingZero, SAMPLE, LENGTH);
    expect(chiSquare(perPosition[0]!)).toBeGreaterThan(CHI_SQUARE_9_DF_0_999);
    expect(perPosition[0]![0]).toBe(0);
  });

  it('rejects a modulo fold (randomInt(0, 1.4M) % 10^6 doubles the low 40% of values)', () => {
    const folded = () => pad(randomInt(0, 1_400_000) % 10 ** LENGTH);
    expect(worstChiSquare(folded)).toBeGreaterThan(CHI_SQUARE_9_DF_0_999);
  });
});

describe('isWellFormedCode', () => {
  it('accepts exactly `length` ASCII digits', () => {
    expect(isWellFormedCode('012345', 6)).toBe(true);
    expect(isWellFormedCode('0000', 4)).toBe(true);
    expect(isWellFormedCode('9999999999', 10)).toBe(true);
  });

  it('refuses other lengths, non-digits and non-strings', () => {
    for (const bad of [
      '12345',
      '1234567',
      '',
      '12345a',
      ' 12345',
      '12345 ',
      '12 345',
      '-12345',
      '+12345',
      '1.2345',
      '１２３４５６', // full-width digits
      '١٢٣٤٥٦', // Arabic-Indic digits
      '12345\n',
      '12345\0',
    ]) {
      expect(isWellFormedCode(bad, 6), JSON.stringify(bad)).toBe(false);
    }
    for (const bad of [123456, 123_456n, null, undefined, ['123456'], { code: '123456' }, true]) {
      expect(isWellFormedCode(bad, 6), String(bad)).toBe(false);
    }
  });

  it('property: true exactly for strings matching ^[0-9]{length}$', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 12 }), fc.stringMatching(/^[0-9]{3,11}$/)),
        fc.integer({ min: MIN_CODE_LENGTH, max: MAX_CODE_LENGTH }),
        (candidate, length) => {
          const expected = new RegExp(`^[0-9]{${length}}$`).test(candidate);
          expect(isWellFormedCode(candidate, length)).toBe(expected);
        },
      ),
    );
  });
});

describe('alphanumeric codes', () => {
  /** Upper critical value of chi-square with 30 degrees of freedom (31 symbols) at p = 0.999. */
  const CHI_SQUARE_30_DF_0_999 = 59.703;
  const symbolCounts = (generate: () => string, n: number, length: number) => {
    const perPosition = Array.from({ length }, () => new Array<number>(ALPHANUMERIC.length).fill(0));
    const overall = new Array<number>(ALPHANUMERIC.length).fill(0);
    for (let i = 0; i < n; i++) {
      const code = generate();
      for (let p = 0; p < length; p++) {
        const index = ALPHANUMERIC.indexOf(code[p]!);
        perPosition[p]![index]!++;
        overall[index]!++;
      }
    }
    return { perPosition, overall };
  };

  it('uses 31 upper-case symbols without the look-alikes 0/O and 1/I/L', () => {
    expect(ALPHANUMERIC).toHaveLength(31);
    expect(new Set(ALPHANUMERIC).size).toBe(31);
    expect(ALPHANUMERIC).toMatch(/^[2-9A-Z]+$/);
    for (const lookAlike of '0O1IL') expect(ALPHANUMERIC).not.toContain(lookAlike);
  });

  it('makes codes of exactly 4 to 10 symbols of the alphabet, and says so in a 400', () => {
    for (let length = MIN_CODE_LENGTH; length <= MAX_CODE_LENGTH; length++) {
      for (let i = 0; i < 200; i++) {
        const code = generateCode(length, 'alphanumeric');
        expect(code).toMatch(new RegExp(`^[${ALPHANUMERIC}]{${length}}$`));
        expect(isWellFormedCode(code, length, 'alphanumeric')).toBe(true);
      }
    }
    expect(codeShape(6, 'alphanumeric')).toBe('6 letters and digits');
    expect(codeShape(6, 'digits')).toBe('6 digits');
    expect(() => generateCode(3, 'alphanumeric')).toThrow(RangeError);
  });

  it('draws symbols uniformly: chi-square per position and overall under the 0.999 bound', {
    retry: 1,
  }, () => {
    const { perPosition, overall } = symbolCounts(() => generateCode(LENGTH, 'alphanumeric'), 62_000, LENGTH);
    for (const [position, counts] of [...perPosition, overall].entries()) {
      expect(chiSquare(counts), `position ${position}: ${counts.join(',')}`).toBeLessThan(
        CHI_SQUARE_30_DF_0_999,
      );
    }
  });

  it('the test catches a modulo-biased draw (byte % 31 without rejection)', () => {
    const biased = () => Array.from({ length: LENGTH }, () => ALPHANUMERIC[randomInt(0, 256) % 31]!).join('');
    const { overall } = symbolCounts(biased, 62_000, LENGTH);
    expect(chiSquare(overall)).toBeGreaterThan(CHI_SQUARE_30_DF_0_999);
  });

  it('property: rejection sampling keeps exactly the bytes under 248, in order, as byte % 31', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 200, maxLength: 400 }),
        fc.integer({ min: MIN_CODE_LENGTH, max: MAX_CODE_LENGTH }),
        (bytes, length) => {
          const kept = bytes.filter((byte) => byte < 248);
          fc.pre(kept.length >= length);
          let offset = 0;
          const source = (size: number) => {
            const chunk = Uint8Array.from(bytes.slice(offset, offset + size));
            offset += size;
            return chunk;
          };
          const expected = kept
            .slice(0, length)
            .map((byte) => ALPHANUMERIC[byte % 31])
            .join('');
          expect(generateCode(length, 'alphanumeric', source)).toBe(expected);
        },
      ),
      { seed: 1313, numRuns: 300 },
    );
  });

  it('property: a guess matches whatever its case, spaces and dashes', () => {
    const code = fc
      .integer({ min: MIN_CODE_LENGTH, max: MAX_CODE_LENGTH })
      .chain((length) =>
        fc.string({ unit: fc.constantFrom(...ALPHANUMERIC), minLength: length, maxLength: length }),
      );
    fc.assert(
      fc.property(
        code,
        fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
        fc.array(fc.constantFrom('', ' ', '-', ' - ', '\u2013', '  '), { minLength: 11, maxLength: 11 }),
        (generated, lower, separators) => {
          const typed =
            separators[0] +
            [...generated]
              .map((symbol, i) => (lower[i] ? symbol.toLowerCase() : symbol) + separators[i + 1])
              .join('');
          const guess = normaliseGuess(typed, 'alphanumeric');
          expect(guess).toBe(generated);
          expect(isWellFormedCode(guess, generated.length, 'alphanumeric')).toBe(true);
        },
      ),
      { seed: 1313, numRuns: 500 },
    );
  });

  it('refuses look-alikes and other symbols, and leaves digit guesses as typed', () => {
    for (const bad of ['X7K9P0', 'X7K9PO', 'X7K9P1', 'X7K9PI', 'X7K9PL', 'X7K9P_', 'X7K9PÉ', 'X7K9P']) {
      expect(isWellFormedCode(normaliseGuess(bad, 'alphanumeric'), 6, 'alphanumeric'), bad).toBe(false);
    }
    expect(isWellFormedCode('x7k9pq', 6, 'alphanumeric')).toBe(false); // only after normalising
    expect(normaliseGuess('12 345-6', 'digits')).toBe('12 345-6');
    expect(normaliseGuess(123456, 'alphanumeric')).toBe(123456);
  });
});
