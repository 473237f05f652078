/**
 * What libphonenumber-js's metadata costs a cold start, alone: a bundle that parses one number, built
 * with the construct's esbuild options and each metadata set, imported and called in fresh Node
 * processes with source maps on, interleaved over the rounds; an empty bundle beside them is the
 * process's own cost. Sets: the package's full `min` set (local mode, the tests); the deployed one,
 * without formatting rules (infra/phone-metadata.ts); and, for the record, that set cut to the calling
 * codes of the default allowed countries (not deployed: a number of a country left out could no longer
 * be told valid or not). Not part of `npm run bench`; issue 17's measurement of this one piece.
 *
 *   node --import tsx bench/phone-metadata.ts        (ROUNDS=41 by default)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import fullMetadata from 'libphonenumber-js/min/metadata';
import { DEFAULT_ALLOWED_COUNTRIES } from '../functions/core/settings.ts';
import { esbuildOptions } from '../infra/otp-function.ts';
import { PHONE_METADATA_IMPORT, withoutFormats } from '../infra/phone-metadata.ts';
import { median, timeImport, totalBytes } from './bundles.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.env['ROUNDS'] ?? 41);
const PHONE_NUMBERS = join(ROOT, 'functions', 'core', 'phone-numbers.ts');

type Plans = Record<string, unknown[]>;

/** The deployed set cut to the countries that share a calling code with one of `countries`. */
function cutTo(countries: readonly string[]): unknown {
  const metadata = withoutFormats(fullMetadata) as unknown as {
    country_calling_codes: Record<string, string[]>;
    countries: Plans;
  };
  const codes = new Set(countries.map((country) => metadata.countries[country]![0]));
  const kept = new Set(
    Object.entries(metadata.country_calling_codes)
      .filter(([code]) => codes.has(code))
      .flatMap(([, members]) => members),
  );
  return {
    ...metadata,
    countries: Object.fromEntries(
      Object.entries(metadata.countries).filter(([country]) => kept.has(country)),
    ),
  };
}

export async function benchPhoneMetadata(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'onetime-phone-metadata-'));
  try {
    const entry = join(dir, 'parse.mjs');
    writeFileSync(
      entry,
      `import { parsePhoneNumber } from ${JSON.stringify(PHONE_NUMBERS)};\nexport const handler = async () => parsePhoneNumber('+14155550123')?.isValid();\n`,
    );
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export const handler = async () => true;\n');
    const cut = join(dir, 'cut.json');
    writeFileSync(cut, JSON.stringify(cutTo(DEFAULT_ALLOWED_COUNTRIES)));

    const cases: Array<[string, string, Record<string, string> | undefined]> = [
      ['empty bundle (the process)', empty, undefined],
      ['full `min` set (local mode, tests)', entry, {}],
      ['deployed: without formatting rules', entry, undefined],
      ['not deployed: also cut to the default countries', entry, { [PHONE_METADATA_IMPORT]: cut }],
    ];
    const files: string[] = [];
    const bytes: number[] = [];
    for (const [index, [, source, alias]] of cases.entries()) {
      const file = join(dir, String(index), 'index.mjs');
      mkdirSync(join(dir, String(index)), { recursive: true });
      const options = esbuildOptions(source, file);
      const { metafile } = await build({ ...options, ...(alias ? { alias } : {}), absWorkingDir: ROOT });
      files.push(file);
      bytes.push(totalBytes(metafile!));
    }
    const cpu: number[][] = cases.map(() => []);
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [index, file] of files.entries()) {
        const timing = await timeImport(file, {}, true);
        cpu[index]!.push(timing.cpu);
      }
    }
    const full = cpu[1]!;
    const rows = cases.map(([name], index) => {
      const own = cpu[index]!;
      const aboveEmpty = median(own.map((value, round) => value - cpu[0]![round]!));
      const belowFull = median(full.map((value, round) => value - own[round]!));
      return `| ${name} | ${(bytes[index]! / 1024).toFixed(1)} KB | ${median([...own]).toFixed(2)} ms | ${aboveEmpty.toFixed(2)} ms | ${index === 0 ? '—' : `${belowFull.toFixed(2)} ms`} |`;
    });
    return [
      `Node ${process.version}, ${ROUNDS} interleaved rounds, load ${loadavg()
        .map((load) => load.toFixed(2))
        .join(
          ' / ',
        )}; CPU (user + system) of the import, source maps on; differences are medians of per-round pairs.`,
      '',
      '| bundle | size | import CPU, median | above the empty bundle | below the full set |',
      '| --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchPhoneMetadata());
