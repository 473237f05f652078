import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { BatchWriteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { type Item, toItem } from '../functions/adapters/dynamodb/items.ts';
import { DynamoVerificationStore } from '../functions/adapters/dynamodb/verification-store.ts';
import { generateCode } from '../functions/core/codes.ts';
import { newVerificationId } from '../functions/core/ids.ts';
import { maskDestination } from '../functions/core/masking.ts';
import { Sealer } from '../functions/core/sealing.ts';
import type { VerificationRecord } from '../functions/core/verification.ts';
import { createVerificationTable, localDynamoDbClient } from '../local/dynamodb-local.ts';
import { cpuSnapshot, type LocalServer, startLocalServer } from './processes.ts';
import { fixed, type LoadResult, pool, quantile, runLoad, type Section, table, verdict } from './stats.ts';

/**
 * Throughput and latency of send and check through local mode's HTTP server (real HTTP on loopback,
 * keep-alive), beside the raw rate of DynamoDB Local for one conditional UpdateItem: the engine's
 * limit, since a successful check is exactly one such update.
 *
 * The machine's cores are shared by this driver, local mode's server and the JVMs (and by whatever
 * else runs), so raw and check cells run back to back over several rounds and are pooled: drift in
 * outside load hits both sides of the ratio alike.
 */
export const CONCURRENCIES = [1, 16] as const;
/** Send cells: stop at this many operations or seconds, whichever comes first. */
const SEND_CELL = { ops: 250, maxSeconds: 3 };
/** Per round and cell, by concurrency: checks and approves (each of a distinct verification), raw updates. */
const CHECK_OPS: Record<number, number> = { 1: 60, 16: 200 };
const RAW_OPS: Record<number, number> = { 1: 200, 16: 400 };
const ROUNDS = 5;
const CELL_MAX_SECONDS = 5;
const WARMUP = { raw: 3000, approves: 1000, sends: 50, checks: 150 };

/** Limits raised so that none of them refuses a benchmark send; every country allowed. */
export const BENCH_ENV: Record<string, string> = {
  OTP_MAX_SENDS_PER_HOUR: '10000',
  OTP_PHONE_SENDS_PER_MINUTE: '10000000',
  OTP_PHONE_SENDS_PER_DAY: '1000000000',
  OTP_MAX_SENDS_PER_DEVICE_IP_PER_HOUR: '1000000',
  OTP_ALLOWED_COUNTRIES: '*',
  // Fallback workflows still start for every SMS, as deployed, but call only after the run.
  OTP_VOICE_FALLBACK_SECONDS: '3600',
};

/**
 * The raw engine: one conditional UpdateItem on one counter item, with the client settings local
 * mode uses; and, for diagnosis, the check's own conditional update (`store.guess`: the liveness
 * and MAC condition, ALL_NEW returned) on verification items written straight into the table
 * (built here as `startVerification` builds them, so they track the record's shape).
 */
async function rawEngine(endpoint: string) {
  const client = localDynamoDbClient(endpoint);
  const tableName = `bench-raw-${randomUUID()}`;
  await createVerificationTable(client, tableName);
  await client.send(
    new PutItemCommand({ TableName: tableName, Item: { pk: { S: 'counter' }, n: { N: '0' } } }),
  );
  const update = new UpdateItemCommand({
    TableName: tableName,
    Key: { pk: { S: 'counter' } },
    UpdateExpression: 'SET n = n + :one',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: { ':one': { N: '1' } },
  });

  const store = new DynamoVerificationStore(client, tableName);
  const sealer = new Sealer(randomBytes(32));
  let written = 0;
  /** Writes `count` pending verifications (BatchWriteItem, untimed) and returns [id, mac of the code]. */
  async function seed(count: number): Promise<Array<readonly [string, string]>> {
    const now = Date.now();
    const pairs: Array<readonly [string, string]> = [];
    const items: Item[] = [];
    for (let i = 0; i < count; i++) {
      const to = `raw-${written++}@example.com`;
      const destinationKey = sealer.destinationKey(to);
      const id = newVerificationId(destinationKey);
      const code = generateCode(6);
      const record: VerificationRecord = {
        id,
        destinationKey,
        sealedTo: sealer.sealDestination(id, to),
        maskedTo: maskDestination(to),
        channel: 'email',
        status: 'pending',
        codeMac: sealer.mac(id, code),
        sealedCode: sealer.seal(id, code),
        codeLength: 6,
        locale: 'en',
        createdAt: now,
        expiresAt: now + 300_000,
        lastSentAt: now,
        attempts: 0,
        maxAttempts: 5,
        sends: 1,
      };
      items.push(toItem(record));
      pairs.push([id, record.codeMac]);
    }
    for (let i = 0; i < items.length; i += 25) {
      const batch = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      const { UnprocessedItems } = await client.send(
        new BatchWriteItemCommand({ RequestItems: { [tableName]: batch } }),
      );
      if (Object.keys(UnprocessedItems ?? {}).length > 0) throw new Error('BatchWriteItem left items');
    }
    return pairs;
  }
  const approves = (pairs: ReadonlyArray<readonly [string, string]>) => async (index: number) => {
    const [id, mac] = pairs[index]!;
    const outcome = await store.guess(id, [mac], Date.now());
    if (outcome.kind !== 'approved') throw new Error(`guess answered ${outcome.kind}`);
  };

  return {
    update: async () => {
      await client.send(update);
    },
    seed,
    approves,
    close: () => client.destroy(),
  };
}

/** A JSON client over node:http with a keep-alive agent, one socket per request in flight. */
function httpClient(baseUrl: string, maxSockets: number) {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const url = new URL(baseUrl);
  function call(method: string, path: string, body?: unknown) {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method,
          path,
          headers: payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            try {
              const text = Buffer.concat(chunks).toString('utf8');
              resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
            } catch (error) {
              reject(error);
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }
  return { call, close: () => agent.destroy() };
}

/** A cell's load result with the CPU seconds each process spent during it. */
interface Run {
  result: LoadResult;
  cpu: Record<string, number | undefined>;
}

async function measured(
  pids: Record<string, number | undefined>,
  load: () => Promise<LoadResult>,
): Promise<Run> {
  const before = cpuSnapshot(pids);
  const result = await load();
  const after = cpuSnapshot(pids);
  const cpu = Object.fromEntries(
    Object.keys(pids).map((label) => {
      const [b, a] = [before[label], after[label]];
      return [label, a === undefined || b === undefined ? undefined : a - b];
    }),
  );
  return { result, cpu };
}

export interface Cell {
  name: string;
  concurrency: number;
  result: LoadResult;
  /** CPU ms per completed operation, by process (driver, server, engine). */
  cpuMsPerOp: Record<string, number | undefined>;
}

function cell(name: string, concurrency: number, runs: Run[]): Cell {
  const result = pool(runs.map((run) => run.result));
  const labels = Object.keys(runs[0]?.cpu ?? {});
  const cpuMsPerOp = Object.fromEntries(
    labels.map((label) => {
      const parts = runs.map((run) => run.cpu[label]);
      if (parts.some((part) => part === undefined)) return [label, undefined];
      const total = parts.reduce<number>((sum, part) => sum + part!, 0);
      return [label, (total * 1000) / result.ops];
    }),
  );
  return { name, concurrency, result, cpuMsPerOp };
}

const median = (values: number[]) =>
  quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

/**
 * Every cell: the raw engine on the DynamoDB Local at `rawEndpoint` (pid `rawEnginePid`), started like
 * local mode's own (which local mode does not expose), and send and check through local mode run in
 * a child process. `track` registers the child's stop so the caller can end it on a signal.
 */
export async function benchThroughput(
  rawEndpoint: string,
  rawEnginePid: number | undefined,
  track: (stop: () => Promise<void>) => unknown = () => {},
): Promise<Section> {
  const started = performance.now();
  const progress = (what: string) =>
    console.error(`bench:   ${what} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  const raw = await rawEngine(rawEndpoint);
  let server: LocalServer | undefined;
  let http: ReturnType<typeof httpClient> | undefined;
  try {
    server = await startLocalServer(BENCH_ENV);
    track(server.stop);
    const client = httpClient(server.url, Math.max(...CONCURRENCIES));
    http = client;
    const rawPids = { driver: process.pid, server: undefined, engine: rawEnginePid };
    const localPids = { driver: process.pid, server: server.pid, engine: server.enginePid };

    let phones = 0;
    let emails = 0;
    const sendSms = async () => {
      if (phones > 9999) throw new Error('out of benchmark phone numbers');
      const to = `+1415555${String(phones++).padStart(4, '0')}`;
      const response = await client.call('POST', '/v1/verifications', { to, channel: 'sms' });
      if (response.status !== 201)
        throw new Error(`send answered ${response.status}: ${JSON.stringify(response.body)}`);
    };
    /** Sends `count` verifications by email (untimed; fewer counters) and pairs each id with its code. */
    const prepare = async (count: number) => {
      const ids: string[] = [];
      const result = await runLoad(
        async () => {
          const to = `bench-${emails++}@example.com`;
          const response = await client.call('POST', '/v1/verifications', { to, channel: 'email' });
          if (response.status !== 201) throw new Error(`send answered ${response.status}`);
          ids.push(String(response.body['id']));
        },
        { ops: count, concurrency: 16, maxSeconds: 120 },
      );
      if (result.errors) throw new Error(`preparing verifications failed: ${result.firstError}`);
      const outbox = await client.call('GET', '/_local/outbox');
      const codes = new Map<string, string>();
      for (const message of outbox.body['messages'] as Array<{ verificationId: string; body: string }>) {
        const code = message.body.match(/\b(\d{4,10})\b/)?.[1];
        if (code) codes.set(message.verificationId, code);
      }
      await client.call('DELETE', '/_local/outbox');
      return ids.map((id) => [id, codes.get(id)!] as const);
    };
    const checks = (pairs: ReadonlyArray<readonly [string, string]>) => async (index: number) => {
      const [id, code] = pairs[index]!;
      const response = await client.call('POST', `/v1/verifications/${encodeURIComponent(id)}/check`, {
        code,
      });
      if (response.status !== 200 || response.body['valid'] !== true) {
        throw new Error(`check answered ${response.status}: ${JSON.stringify(response.body)}`);
      }
    };

    // The verifications every round will check or approve, made up front (untimed) so that the heavy
    // transactions of the sends, and the JVM's garbage collection after them, stay out of the cells.
    type Pairs = ReadonlyArray<readonly [string, string]>;
    const prepared = { approve: new Map<string, Pairs>(), check: new Map<string, Pairs>() };
    const preparedKey = (round: number, concurrency: number) => `${round}@${concurrency}`;
    const take = (side: 'approve' | 'check', round: number, concurrency: number) => {
      const pairs = prepared[side].get(preparedKey(round, concurrency));
      if (!pairs) throw new Error(`nothing prepared for ${side} in round ${round} at ${concurrency}`);
      return pairs;
    };

    const sides: Record<Side, (round: number, concurrency: number) => Promise<Run>> = {
      raw: (_round, concurrency) =>
        measured(rawPids, () =>
          runLoad(raw.update, { ops: RAW_OPS[concurrency]!, concurrency, maxSeconds: CELL_MAX_SECONDS }),
        ),
      approve: (round, concurrency) => {
        const pairs = take('approve', round, concurrency);
        return measured(rawPids, () =>
          runLoad(raw.approves(pairs), { ops: pairs.length, concurrency, maxSeconds: CELL_MAX_SECONDS }),
        );
      },
      check: (round, concurrency) => {
        const pairs = take('check', round, concurrency);
        return measured(localPids, () =>
          runLoad(checks(pairs), { ops: pairs.length, concurrency, maxSeconds: CELL_MAX_SECONDS }),
        );
      },
    };

    // Warm-up, not reported: JIT of both JVMs, of the server and of this driver.
    await runLoad(raw.update, { ops: WARMUP.raw, concurrency: 16, maxSeconds: 30 });
    const warmRaw = await raw.seed(WARMUP.approves);
    await runLoad(raw.approves(warmRaw), { ops: warmRaw.length, concurrency: 16, maxSeconds: 30 });
    await runLoad(sendSms, { ops: WARMUP.sends, concurrency: 16, maxSeconds: 30 });
    const warm = await prepare(WARMUP.checks);
    await runLoad(checks(warm), { ops: warm.length, concurrency: 16, maxSeconds: 30 });

    progress('warm-up done');
    const sendCells: Cell[] = [];
    for (const concurrency of CONCURRENCIES) {
      const run = await measured(localPids, () => runLoad(sendSms, { ...SEND_CELL, concurrency }));
      sendCells.push(cell('send (sms, new, HTTP)', concurrency, [run]));
    }

    progress('send cells done');
    for (let round = 0; round < ROUNDS; round++) {
      for (const concurrency of CONCURRENCIES) {
        const key = preparedKey(round, concurrency);
        prepared.check.set(key, await prepare(CHECK_OPS[concurrency]!));
        prepared.approve.set(key, await raw.seed(CHECK_OPS[concurrency]!));
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    progress('verifications prepared');
    const runs = new Map<string, Run[]>();
    const runsOf = (side: Side, concurrency: number) => {
      const key = `${side}@${concurrency}`;
      if (!runs.has(key)) runs.set(key, []);
      return runs.get(key)!;
    };
    const order: Side[] = ['raw', 'approve', 'check'];
    for (let round = 0; round < ROUNDS; round++) {
      for (const concurrency of CONCURRENCIES) {
        // Rotate which side goes first, so none always follows another's load.
        for (let k = 0; k < order.length; k++) {
          const side = order[(round + k) % order.length]!;
          runsOf(side, concurrency).push(await sides[side](round, concurrency));
        }
      }
      progress(`round ${round + 1} of ${ROUNDS} done`);
    }
    const ratios = (side: Side) =>
      runsOf('check', 16).map((run, i) => run.result.opsPerSecond / runsOf(side, 16)[i]!.result.opsPerSecond);
    const cells = [
      ...CONCURRENCIES.map((c) => cell(NAMES.raw, c, runsOf('raw', c))),
      ...CONCURRENCIES.map((c) => cell(NAMES.approve, c, runsOf('approve', c))),
      ...sendCells,
      ...CONCURRENCIES.map((c) => cell(NAMES.check, c, runsOf('check', c))),
    ];
    return section(cells, ratios('raw'), ratios('approve'));
  } finally {
    http?.close();
    raw.close();
    await server?.stop();
  }
}

type Side = 'raw' | 'approve' | 'check';
const NAMES: Record<Side, string> = {
  raw: 'raw DynamoDB Local: one conditional UpdateItem (counter)',
  approve: "raw DynamoDB Local: the check's UpdateItem (`store.guess`), no HTTP",
  check: 'check (right code, HTTP)',
};

const cpuText = (cell: Cell) =>
  ['driver', 'server', 'engine']
    .map((label) => {
      const value = cell.cpuMsPerOp[label];
      return value === undefined ? '—' : fixed(value, 2);
    })
    .join(' / ');

/** Total CPU per operation at 16 in flight, and the ratio it alone predicts on saturated cores. */
function cpuNote(cells: Cell[]): string {
  const at16 = (name: string) => cells.find((c) => c.name === name && c.concurrency === 16)?.cpuMsPerOp;
  const total = (name: string) => {
    const parts = Object.values(at16(name) ?? {}).filter((v): v is number => v !== undefined);
    return parts.length ? parts.reduce((a, b) => a + b, 0) : undefined;
  };
  const [check, raw, approve] = [total(NAMES.check), total(NAMES.raw), total(NAMES.approve)];
  if (check === undefined || raw === undefined || approve === undefined) return '';
  const engine = (name: string) => at16(name)?.engine;
  const [checkEngine, approveEngine] = [engine(NAMES.check), engine(NAMES.approve)];
  return [
    `CPU per operation at 16 in flight, all processes together: check ${fixed(check, 2)} ms, the check's UpdateItem without HTTP ${fixed(approve, 2)} ms, raw counter update ${fixed(raw, 2)} ms. When the cores are saturated, throughput goes as 1 / CPU per operation, so CPU alone predicts check ÷ raw ≈ ${fixed(raw / check, 2)}.`,
    '',
    `What bounds it here: to reach 0.8 of the raw rate on saturated cores, a check may cost at most 1.25× the raw update's CPU. Its own UpdateItem, sent straight from the bench with nothing in front of it, already costs ${fixed(approve / raw, 2)}× (a bigger item, the five-part condition that makes a check one round trip, ALL_NEW for the answer), and local mode's HTTP hop and second Node process add ${fixed((check - approve) / raw, 2)}× more (${fixed(check - approve, 2)} ms per check): ${fixed(check / raw, 2)}× in all.` +
      (checkEngine !== undefined && approveEngine !== undefined
        ? ` Of the addition, ${fixed(checkEngine - approveEngine, 2)} ms is DynamoDB Local's own: the local table has a stream (local mode reads it for the activity events), the bench's tables none.`
        : ''),
  ].join('\n');
}

const ratioText = (numerator: number, denominator: number, rounds: number[]) =>
  `${fixed(numerator, 0)} / ${fixed(denominator, 0)} = **${fixed(numerator / denominator, 2)}** (rounds: ${rounds
    .map((r) => fixed(r, 2))
    .join(', ')}; median ${fixed(median(rounds), 2)})`;

/**
 * The table and the target: check throughput at 16 in flight ≥ 0.8 × the raw rate at 16, both pooled
 * over the rounds (each round's cells ran back to back, so drift in outside load hits both sides).
 */
function section(cells: Cell[], rawRatios: number[], approveRatios: number[]): Section {
  const rate = (name: string) =>
    cells.find((c) => c.name === name && c.concurrency === 16)!.result.opsPerSecond;
  const ratio = rate(NAMES.check) / rate(NAMES.raw);
  const pass = ratio >= 0.8;

  const rows = cells.map((c) => [
    c.name,
    c.concurrency,
    c.result.ops,
    c.result.errors ? `${c.result.errors} (${c.result.firstError})` : 0,
    fixed(c.result.opsPerSecond, 0),
    fixed(c.result.p50Ms, 2),
    fixed(c.result.p99Ms, 2),
    cpuText(c),
  ]);
  const markdown = [
    '## Throughput and latency',
    '',
    `Local mode (\`startLocalMode\`: the real handlers behind its node:http server, API-Gateway-shaped events, DynamoDB Local in memory) in a child process of its own, driven from the bench process over loopback HTTP/1.1 with keep-alive (node:http Agent, one socket per request in flight). Send: up to ${SEND_CELL.ops} operations or ${SEND_CELL.maxSeconds} s per cell, each a new verification to a distinct number (+1 415 555 xxxx); the OTP_* limits are raised by environment variables so none refuses a send. Check: the right code of a distinct verification each time, all prepared after the send cells and before the first round (by email, untimed; codes read from \`GET /_local/outbox\`).`,
    '',
    `Raw (the engine's limit): one conditional UpdateItem (\`SET n = n + :one\`, \`attribute_exists(pk)\`) on one counter item, sent from the bench process with the client local mode uses (\`localDynamoDbClient\`: SDK defaults, keep-alive), on a second DynamoDB Local started the same way (same jar, in memory; local mode does not expose its own). For diagnosis, the same engine also runs the check's own update (\`DynamoVerificationStore.approve\`: liveness + MAC condition, ALL_NEW returned) on verification items written straight into the table (BatchWriteItem, also before the first round). Counter, approve and check cells run back to back in ${ROUNDS} rounds (rotating which goes first); the table and the target pool the rounds (ops/s = all operations over all cell time; p50/p99 over every latency); per-round ratios are shown to make the noise visible. Everything is warmed up first (not reported). CPU ms/op: CPU time (from /proc) of the bench driver, the local-mode server process and the DynamoDB Local JVM during the cells, per operation.`,
    '',
    `**Caveat:** the bench driver, local mode's Node server and both DynamoDB Local JVMs share the same ${cpus().length} CPU cores (and with anything else running on the machine: see the load average above), so throughput here is mostly a CPU budget: every number includes contention with the others. A check costs CPU in three processes (driver → server → JVM), the raw update in two (driver → JVM).`,
    '',
    table(
      [
        'operation',
        'in flight',
        'ops',
        'errors',
        'ops/s',
        'p50 ms',
        'p99 ms',
        'CPU ms/op: driver / server / engine',
      ],
      rows,
    ),
    '',
    table(
      ['target', 'measured at 16 in flight (pooled; per round)', 'result'],
      [
        [
          'check throughput at 16 in flight ≥ 0.8 × raw counter UpdateItem rate at 16',
          ratioText(rate(NAMES.check), rate(NAMES.raw), rawRatios),
          verdict(pass),
        ],
        [
          "check throughput ÷ the check's own UpdateItem without HTTP (the service's overhead)",
          ratioText(rate(NAMES.check), rate(NAMES.approve), approveRatios),
          'measured',
        ],
      ],
    ),
    '',
    cpuNote(cells),
  ].join('\n');
  return { markdown, targets: [{ name: `local check at 16 ≥ 0.8 × raw (${fixed(ratio, 2)})`, pass }] };
}
