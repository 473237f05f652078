/**
 * The phone-number metadata deployed functions carry (infra/phone-metadata.ts: libphonenumber-js's
 * `min` set without its formatting rules) answers every number exactly as the full set that local mode
 * and these tests run: the same parse, country, calling code, national number, E.164 form, validity
 * and possibility. So a deploy refuses and accepts the same numbers, with the same error, whatever its
 * `allowedCountries` (`*` included): the deployed set does not depend on the list.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import fc from 'fast-check';
import type { MetadataJson } from 'libphonenumber-js/core';
import fullMetadata from 'libphonenumber-js/min/metadata';
import examples from 'libphonenumber-js/mobile/examples';
import { describe, expect, it } from 'vitest';
import { type PhoneNumber, phoneNumbersWith } from '../../functions/core/phone-numbers.ts';
import { esbuildOptions, handlerEntry } from '../../infra/otp-function.ts';
import {
  deployedPhoneMetadataFile,
  fileNamedByContent,
  PHONE_METADATA_IMPORT,
  withoutFormats,
} from '../../infra/phone-metadata.ts';

const deployedMetadata = JSON.parse(readFileSync(deployedPhoneMetadataFile(), 'utf8')) as MetadataJson;
const full = phoneNumbersWith(fullMetadata);
const deployed = phoneNumbersWith(deployedMetadata);

interface Plans {
  country_calling_codes: Record<string, string[]>;
  countries: Record<string, unknown[]>;
  nonGeographic: Record<string, unknown[]>;
}
const plans = fullMetadata as unknown as Plans;
const callingCodes = [...Object.keys(plans.country_calling_codes), ...Object.keys(plans.nonGeographic)];

/** Everything the service reads of a parsed number (destination, masking, the Cognito decoy). */
const answer = (phone: PhoneNumber | undefined) =>
  phone && {
    country: phone.country,
    callingCode: phone.countryCallingCode,
    nationalNumber: phone.nationalNumber,
    number: phone.number,
    ext: phone.ext,
    valid: phone.isValid(),
    possible: phone.isPossible(),
  };

/** Both sets' answers for `text`, as the service parses (`extract: false`) and as the masking does. */
function answers(text: string) {
  return {
    full: [answer(full.parsePhoneNumber(text, { extract: false })), answer(full.parsePhoneNumber(text))],
    deployed: [
      answer(deployed.parsePhoneNumber(text, { extract: false })),
      answer(deployed.parsePhoneNumber(text)),
    ],
  };
}

/** A country's example mobile number, and its near misses: a digit short or over, another first digit, a national prefix. */
function aroundExample(country: string): string[] {
  const national = (examples as Record<string, string>)[country]!;
  const code = full.getCountryCallingCode(country as never);
  return [
    national,
    national.slice(0, -1),
    `${national}0`,
    `${national}9`,
    `0${national}`,
    ...'0123456789'.split('').map((digit) => `${digit}${national.slice(1)}`),
  ].map((digits) => `+${code}${digits}`);
}

describe('the deployed phone metadata', () => {
  it('is the full set less every formatting rule, and what deployed bundles import', () => {
    expect(deployedMetadata).toEqual(withoutFormats(fullMetadata));
    expect(esbuildOptions(handlerEntry('start'), '/tmp/out/index.mjs').alias).toEqual({
      [PHONE_METADATA_IMPORT]: deployedPhoneMetadataFile(),
    });
    const deployedPlans = deployedMetadata as unknown as Plans;
    expect(deployedPlans.country_calling_codes).toEqual(plans.country_calling_codes);
    expect(Object.keys(deployedPlans.countries)).toEqual(Object.keys(plans.countries));
    for (const [country, plan] of Object.entries(plans.countries)) {
      expect(deployedPlans.countries[country]!.filter((_, i) => i !== 4)).toEqual(
        plan.filter((_, i) => i !== 4),
      );
    }
    // Formatting rules are most of the set: without them it is well under half.
    expect(JSON.stringify(deployedMetadata).length).toBeLessThan(0.45 * JSON.stringify(fullMetadata).length);
  });

  it('refuses metadata of another version rather than drop the wrong field', () => {
    expect(() => withoutFormats({ ...fullMetadata, version: 3 } as unknown as MetadataJson)).toThrow(
      /version 3/,
    );
  });

  it("answers like the full set for every country's example number and its near misses", () => {
    const countries = full.getCountries();
    expect(countries).toHaveLength(Object.keys(plans.countries).length);
    expect(deployed.getCountries()).toEqual(countries);
    let valid = 0;
    for (const country of countries) {
      expect(deployed.isSupportedCountry(country)).toBe(true);
      expect(deployed.getCountryCallingCode(country)).toBe(full.getCountryCallingCode(country));
      for (const text of aroundExample(country)) {
        const both = answers(text);
        expect(both.deployed, text).toEqual(both.full);
        if (both.full[0]?.valid) valid += 1;
      }
    }
    // Not a vacuous pass: most examples parse valid, into their own country, and near misses do not.
    expect(valid).toBeGreaterThan(countries.length);
  });

  it('answers like the full set for numbers of every length under every calling code, non-geographic ones too', () => {
    for (const code of callingCodes) {
      for (let length = 4; length <= 14; length += 1) {
        for (const lead of '1479') {
          const text = `+${code}${lead}${'5820371946283'.slice(0, length - 1)}`;
          const both = answers(text);
          expect(both.deployed, text).toEqual(both.full);
        }
      }
    }
  });

  it('answers like the full set for any E.164-shaped text, with spacing, extensions and junk', () => {
    const text = fc.oneof(
      fc.stringMatching(/^\+[1-9][0-9]{3,16}$/),
      fc.stringMatching(/^\+[1-9][0-9 ()-]{3,20}( ext\. ?[0-9]{1,5})?$/),
      fc.string({ maxLength: 24 }),
    );
    fc.assert(
      fc.property(text, (candidate) => {
        const both = answers(candidate);
        expect(both.deployed).toEqual(both.full);
      }),
      { numRuns: 2000 },
    );
  });

  it('is written where it can be: past a build cache that cannot be written (a read-only checkout), once per content', () => {
    const root = mkdtempSync(join(tmpdir(), 'onetime-metadata-'));
    const made: string[] = [];
    try {
      const cache = join(root, 'cache');
      const file = fileNamedByContent(cache, 'phone-metadata', '{"a":1}');
      expect(file.startsWith(cache)).toBe(true);
      expect(readFileSync(file, 'utf8')).toBe('{"a":1}');
      // Found again rather than rewritten; other content, another name; no partial file left behind.
      expect(fileNamedByContent(cache, 'phone-metadata', '{"a":1}')).toBe(file);
      expect(fileNamedByContent(cache, 'phone-metadata', '{"a":2}')).not.toBe(file);
      expect(readdirSync(cache).filter((f) => f.endsWith('.tmp'))).toEqual([]);

      // A cache folder that cannot be made (a file is in its way), as in a read-only node_modules:
      // a folder of the temporary one, this process's own (no one else may write there).
      writeFileSync(join(root, 'blocked'), '');
      const fallback = fileNamedByContent(join(root, 'blocked', 'cache'), 'phone-metadata', '{"a":1}');
      made.push(dirname(fallback));
      expect(dirname(dirname(fallback))).toBe(tmpdir());
      expect(basename(fallback)).toBe(basename(file));
      expect(readFileSync(fallback, 'utf8')).toBe('{"a":1}');
      expect(statSync(dirname(fallback)).mode & 0o077).toBe(0);
    } finally {
      for (const dir of [root, ...made]) rmSync(dir, { recursive: true, force: true });
    }
  });
});
