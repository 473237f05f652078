/**
 * The one door to libphonenumber-js: every module that reads phone numbers calls these, bound to one
 * metadata set, so the engine, the masking and the Cognito triggers never disagree about a number.
 *
 * Here (local mode, tests) the set is the package's own `min` metadata, what `libphonenumber-js`
 * itself uses. A deployed bundle gets the same set without its formatting rules, which nothing here
 * reads (numbers are answered in E.164): infra/phone-metadata.ts points this import at it.
 */
import {
  type CountryCode,
  getCountryCallingCode as callingCodeIn,
  getCountries as countriesIn,
  type MetadataJson,
  type PhoneNumber,
  parsePhoneNumberFromString as parseWith,
  isSupportedCountry as supportedIn,
} from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/min/metadata';

export type { CountryCode, PhoneNumber };

/** A number, or undefined for text that is not one; `extract: false` takes the whole text as the number. */
export function parsePhoneNumber(text: string, options?: { extract?: boolean }): PhoneNumber | undefined {
  return parseIn(text, options, metadata);
}

export const getCountryCallingCode = (country: CountryCode): string => callingCodeIn(country, metadata);

export const isSupportedCountry = (country: string): country is CountryCode =>
  supportedIn(country as CountryCode, metadata);

export const getCountries = (): CountryCode[] => countriesIn(metadata);

/**
 * The same functions bound to another metadata set (the tests compare the deployed set with this one).
 * Plain functions above, not this bound to `metadata`: a call at the top level would keep the library
 * in bundles that never read a phone number (esbuild cannot drop it).
 */
export function phoneNumbersWith(phoneMetadata: MetadataJson) {
  return {
    parsePhoneNumber: (text: string, options?: { extract?: boolean }) =>
      parseIn(text, options, phoneMetadata),
    getCountryCallingCode: (country: CountryCode) => callingCodeIn(country, phoneMetadata),
    isSupportedCountry: (country: string) => supportedIn(country as CountryCode, phoneMetadata),
    getCountries: () => countriesIn(phoneMetadata),
  };
}

/** `parsePhoneNumberFromString`, called as `libphonenumber-js` calls it: without options when given none. */
function parseIn(text: string, options: { extract?: boolean } | undefined, phoneMetadata: MetadataJson) {
  return options === undefined ? parseWith(text, phoneMetadata) : parseWith(text, options, phoneMetadata);
}
