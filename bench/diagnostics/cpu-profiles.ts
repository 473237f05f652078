/**
 * Where a cold start's CPU goes, summed up from the V8 profiles `BENCH_CPU_PROF=<dir>` makes
 * (bench/bundles.ts `timeImport`; bench/peer.ts keeps its bundles in bench/.build then, so each
 * sample's position can be read back through the bundle's source map). Per bundle, the mean
 * milliseconds per process by origin: an npm package, one of onetime's source files, or a Node
 * internal function (module compilation, source-map caching, file reads).
 *
 *   BENCH_CPU_PROF=/tmp/prof PEER_ROUNDS=6 node --import tsx bench/peer.ts
 *   node --import tsx bench/diagnostics/cpu-profiles.ts /tmp/prof cognito-create send-floor-secret
 */
import { readdirSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Profile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  }>;
  samples: number[];
  timeDeltas: number[];
}

const [folder, ...bundles] = process.argv.slice(2);
if (!folder || bundles.length === 0) {
  throw new Error('usage: cpu-profiles.ts <profile folder> <bundle> [<bundle> …]');
}

const maps = new Map<string, SourceMap | undefined>();
function sourceMapOf(url: string): SourceMap | undefined {
  if (!maps.has(url)) {
    try {
      maps.set(url, new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, 'utf8'))));
    } catch {
      maps.set(url, undefined);
    }
  }
  return maps.get(url);
}

/** What a sample is charged to: the npm package or source file it maps to, else the Node function. */
function originOf({ functionName, url, lineNumber, columnNumber }: Profile['nodes'][number]['callFrame']) {
  if (!url.startsWith('file:')) return url === '' ? functionName : `${url} ${functionName}`;
  const entry = sourceMapOf(url)?.findEntry(lineNumber, columnNumber);
  const source = (entry && 'originalSource' in entry ? entry.originalSource : undefined) ?? url;
  return (
    source.match(/node_modules\/((@[^/]+\/)?[^/]+)/)?.[1] ?? source.replace(/^.*?(functions|bench)\//, '$1/')
  );
}

const columns = bundles.map((bundle) => {
  const files = readdirSync(folder).filter((name) => name.startsWith(`${bundle}.`));
  const totals = new Map<string, number>();
  for (const name of files) {
    const profile = JSON.parse(readFileSync(join(folder, name), 'utf8')) as Profile;
    const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
    profile.samples.forEach((id, index) => {
      const origin = originOf(frames.get(id)!);
      totals.set(origin, (totals.get(origin) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000 / files.length);
    });
  }
  return { bundle, processes: files.length, totals };
});

const origins = [...new Set(columns.flatMap((column) => [...column.totals.keys()]))];
const at = (column: (typeof columns)[number], origin: string) => column.totals.get(origin) ?? 0;
origins.sort((a, b) => at(columns[0]!, b) - at(columns[0]!, a));
const cell = (value: number) => value.toFixed(2).padStart(8);
console.log(`${'ms per process'.padEnd(64)}${columns.map((c) => `${c.bundle} (${c.processes})`).join('  ')}`);
for (const origin of origins) {
  const values = columns.map((column) => at(column, origin));
  if (Math.max(...values) >= 0.25)
    console.log(`${origin.slice(0, 63).padEnd(64)}${values.map(cell).join('')}`);
}
const sums = columns.map((column) => [...column.totals.values()].reduce((a, b) => a + b, 0));
console.log(`${'all'.padEnd(64)}${sums.map(cell).join('')}`);
