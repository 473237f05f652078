import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { childrenNamed } from './processes.ts';
import type { Section } from './stats.ts';

/**
 * `npm run bench`: DynamoDB round trips per operation, throughput and latency through local mode
 * beside DynamoDB Local's raw rate, (when bench/bundles.ts exists) bundle sizes, cold starts beside
 * the peer, and the cost per 1M verifications. Writes
 * bench/results.md and prints it. A failed target is reported, not an error: the exit code is 0
 * unless the benchmark itself could not run. Every DynamoDB Local (Java) started here is stopped
 * before exit, on error and on SIGINT/SIGTERM too.
 */
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const benchStarted = Date.now();
const step = (what: string) =>
  console.error(`bench: ${what} (at ${((Date.now() - benchStarted) / 1000).toFixed(0)} s)`);

const resultsFile = fileURLToPath(new URL('./results.md', import.meta.url));
const bundlesFile = fileURLToPath(new URL('./bundles.ts', import.meta.url));

/** Stops for whatever is running, so an error or a signal still ends every child process. */
const running = new Set<() => Promise<void>>();
function track(stop: () => Promise<void>): () => Promise<void> {
  const once = async () => {
    running.delete(once);
    await stop();
  };
  running.add(once);
  return once;
}
const stopAll = () => Promise.allSettled([...running].map((stop) => stop()));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`bench: ${signal}, stopping…`);
    void stopAll().finally(() => process.exit(130));
  });
}

async function bundlesSection(): Promise<Section | undefined> {
  if (!existsSync(bundlesFile)) return undefined;
  step('bundles (bench/bundles.ts)…');
  return markdownSection('Bundles', 'bench/bundles.ts', async () => {
    const { benchBundles } = (await import('./bundles.ts' as string)) as { benchBundles(): Promise<string> };
    return benchBundles();
  });
}

/** Cold starts beside the peer (bench/peer.ts). */
async function peerSection(): Promise<Section> {
  step('cold starts beside the peer (bench/peer.ts)…');
  return markdownSection('Cold starts beside the peer', 'bench/peer.ts', async () =>
    (await import('./peer.ts')).benchPeer(),
  );
}

/** What 1M verifications cost, from the synthesized templates and the deployed bundles (bench/cost.ts). */
async function costSection(): Promise<Section> {
  step('cost per 1M verifications (bench/cost.ts)…');
  return markdownSection('Cost per 1M verifications', 'bench/cost.ts', async () =>
    (await import('./cost.ts')).benchCost(track),
  );
}

/** A section whose markdown a module writes; its targets are the lines that say PASS or FAIL. */
async function markdownSection(title: string, file: string, write: () => Promise<string>): Promise<Section> {
  let markdown: string;
  try {
    markdown = await write();
  } catch (error) {
    console.error(`bench: ${file} failed:`, error);
    const message = error instanceof Error ? error.message : String(error);
    return {
      markdown: `## ${title}\n\nFAIL: ${file} threw: ${message}`,
      targets: [{ name: `${file} ran`, pass: false }],
    };
  }
  // Its targets are the lines that say PASS or FAIL.
  const targets = markdown
    .split('\n')
    .filter((line) => /\b(PASS|FAIL)\b/.test(line))
    .map((line) => {
      const text = line
        .replace(/\*\*/g, '')
        .replace(/^[\s\-*|]+/, '')
        .replace(/^(PASS|FAIL)\b:?\s*/, '');
      return { name: text.length > 90 ? `${text.slice(0, 89)}…` : text, pass: !/\bFAIL\b/.test(line) };
    });
  return { markdown, targets };
}

async function main(): Promise<void> {
  const started = Date.now();
  const sections: Section[] = [];

  const loadAtStart = loadavg();
  // A DynamoDB Local for the round trips and the raw rate; local mode (a child process) starts its own.
  const dynamodb = await startDynamoDbLocal();
  const stopDynamoDb = track(dynamodb.stop);
  const enginePid = childrenNamed(process.pid, 'java')[0];
  const { benchRoundTrips } = await import('./round-trips.ts');
  const { benchThroughput } = await import('./throughput.ts');
  step('round trips…');
  sections.push(await benchRoundTrips(dynamodb.endpoint));
  step('throughput (raw DynamoDB Local beside send and check through local mode)…');
  sections.push(await benchThroughput(dynamodb.endpoint, enginePid, track));
  await stopDynamoDb();

  const bundles = await bundlesSection();
  if (bundles) sections.push(bundles);
  sections.push(await peerSection());
  sections.push(await costSection());
  step('done');

  const cpu = cpus();
  const header = [
    '# Benchmark results',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${process.platform}/${process.arch}`,
    `- Node ${process.version}`,
    `- Load average (1/5/15 min) at start: ${loadAtStart.map((n) => n.toFixed(2)).join(' / ')}; at end: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' / ')}`,
    '- Reproduce: `npm run bench` (writes this file)',
    `- Run time: ${((Date.now() - started) / 1000).toFixed(0)} s`,
  ].join('\n');
  const targets = sections.flatMap((section) => section.targets);
  const failed = targets.filter((target) => !target.pass);
  const summary = `${targets.length - failed.length} of ${targets.length} targets passed${
    failed.length ? `; FAIL: ${failed.map((target) => target.name).join('; ')}` : ''
  }`;
  const document = `${[header, `**Summary:** ${summary}`, ...sections.map((s) => s.markdown)].join('\n\n')}\n`;
  await writeFile(resultsFile, document);
  console.log(document);
  console.log(`bench: ${summary}`);
}

try {
  await main();
  await stopAll();
  process.exit(0);
} catch (error) {
  console.error('bench failed:', error);
  await stopAll();
  process.exit(1);
}
