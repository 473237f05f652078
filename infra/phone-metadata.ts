/**
 * The phone-number metadata deployed functions carry: libphonenumber-js's `min` set, the one local mode
 * and the tests use, without its formatting rules.
 *
 * Formatting rules (`formats`: how to print a number nationally or internationally, 60% of the set) are
 * read only by the library's formatters and `AsYouType`, which onetime never calls: it answers numbers
 * in E.164. Parsing, validation and the country of a number read everything else, kept whole for every
 * country, so every input answers exactly as with the full set (test/unit/phone-metadata.test.ts holds
 * the two to the same answers for every country's example numbers and their near misses). The set is
 * the same whatever `allowedCountries` says: keeping only the allowed countries' patterns would save
 * about 16 KB more, but a number of a country left out could no longer be told valid or not.
 *
 * Made from the installed package at bundling time, so it never lags behind a libphonenumber-js upgrade.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MetadataJson } from 'libphonenumber-js/core';
import fullMetadata from 'libphonenumber-js/min/metadata';

/** The import that carries the metadata (functions/core/phone-numbers.ts): bundles point it at the file. */
export const PHONE_METADATA_IMPORT = 'libphonenumber-js/min/metadata';

/** Where, in a numbering plan of metadata version 4, its formatting rules are. */
const FORMATS = 4;

type NumberingPlans = Record<string, unknown[]>;

/** `metadata` without any numbering plan's formatting rules (a 0 holds their place, as the set writes "none"). */
export function withoutFormats(metadata: MetadataJson): MetadataJson {
  const json = metadata as unknown as {
    version: number;
    countries: NumberingPlans;
    nonGeographic?: NumberingPlans;
  };
  // Another version numbers the fields otherwise: fail the build rather than drop the wrong one.
  if (json.version !== 4) throw new Error(`libphonenumber-js metadata version ${json.version}, expected 4`);
  const strip = (plans: NumberingPlans = {}) =>
    Object.fromEntries(
      Object.entries(plans).map(([key, plan]) => [key, plan.map((field, i) => (i === FORMATS ? 0 : field))]),
    );
  return {
    ...json,
    countries: strip(json.countries),
    nonGeographic: strip(json.nonGeographic),
  } as unknown as MetadataJson;
}

/** Where the file is written: the project's build cache. */
const CACHE = fileURLToPath(new URL('../node_modules/.cache/onetime/', import.meta.url));
let written: string | undefined;

/**
 * The deployed metadata as a JSON file, named by its content (written once per content, renamed into
 * place so a concurrent build never reads half of it). A bundle takes it through
 * `phoneMetadataAlias`.
 */
export function deployedPhoneMetadataFile(): string {
  written ??= fileNamedByContent(CACHE, 'phone-metadata', JSON.stringify(withoutFormats(fullMetadata)));
  return written;
}

/**
 * `text` in `dir`, in a file named by its hash, kept from an earlier build when there. When `dir`
 * cannot be written (a read-only checkout or node_modules, as some CI and sandboxed builds mount
 * them), in a folder of the system's temporary one made for this process alone: a shared, well-known
 * temporary path would let another user of the machine put their own numbering rules in the bundle.
 */
export function fileNamedByContent(dir: string, prefix: string, text: string): string {
  const name = `${prefix}-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.json`;
  const file = join(dir, name);
  if (existsSync(file)) return file;
  try {
    mkdirSync(dir, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, text);
    renameSync(partial, file);
    return file;
  } catch {
    const own = join(mkdtempSync(join(tmpdir(), 'onetime-build-')), name);
    writeFileSync(own, text);
    return own;
  }
}

/** esbuild's `alias` option that gives a bundle the deployed metadata. */
export const phoneMetadataAlias = (): Record<string, string> => ({
  [PHONE_METADATA_IMPORT]: deployedPhoneMetadataFile(),
});
