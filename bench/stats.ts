/** Small helpers shared by the benchmark sections: percentiles, a bounded load driver, tables. */

/** A target a section checks, reported as PASS or FAIL. */
export interface Target {
  name: string;
  pass: boolean;
}

/** One section of bench/results.md. */
export interface Section {
  markdown: string;
  targets: Target[];
}

export const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');

/** The value at quantile `q` (0..1) of already sorted samples, nearest-rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

export interface LoadResult {
  ops: number;
  errors: number;
  seconds: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Every latency in ms, sorted. */
  latencies: number[];
  firstError?: string;
}

/**
 * Runs `op(i)` for i = 0..ops-1 with `concurrency` in flight, stopping early once `maxSeconds` have
 * passed. Latency is measured per operation; throughput is completed operations over wall time.
 */
export async function runLoad(
  op: (index: number) => Promise<unknown>,
  options: { ops: number; concurrency: number; maxSeconds: number },
): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + options.maxSeconds * 1000;

  async function worker() {
    while (next < options.ops && performance.now() < deadline) {
      const index = next++;
      const t0 = performance.now();
      try {
        await op(index);
        latencies.push(performance.now() - t0);
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return summarise(latencies, errors, (performance.now() - started) / 1000, firstError);
}

/** Throughput and percentiles of a set of latencies (sorted here) measured over `seconds`. */
function summarise(latencies: number[], errors: number, seconds: number, firstError?: string): LoadResult {
  latencies.sort((a, b) => a - b);
  return {
    ops: latencies.length,
    errors,
    seconds,
    opsPerSecond: latencies.length / seconds,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    latencies,
    ...(firstError === undefined ? {} : { firstError }),
  };
}

/** Several runs of one cell as one: operations over summed time, percentiles over every latency. */
export function pool(results: readonly LoadResult[]): LoadResult {
  return summarise(
    results.flatMap((r) => r.latencies),
    results.reduce((sum, r) => sum + r.errors, 0),
    results.reduce((sum, r) => sum + r.seconds, 0),
    results.find((r) => r.firstError !== undefined)?.firstError,
  );
}

/** A markdown table from a header row and body rows. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
