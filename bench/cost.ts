/**
 * What 1M verifications cost in infrastructure (issue 17), derived from the synthesized template and
 * from sizes measured by running the deployed bundles. Two stacks are synthesized in-process as
 * `cdk synth` builds them (test/support/synth.ts): the default one (SMS, no fallback) and one with
 * voice on, whose default cascade calls after `voiceFallbackWait` (shortened here to 1 s, so the
 * run does not wait a minute per call; nothing billed depends on the wait). Each is run on this
 * machine (test/support/deployed-stack.ts: the bundles esbuild builds for CDK, the template's
 * environment, DynamoDB Local behind a proxy that asks for ConsumedCapacity, recording endpoints
 * for every other AWS API) and driven through whole verifications: start, check, the table's stream
 * into the activity function, the delivery receipts, the cascade's starter and step.
 *
 * The measuring lives in bench/cost-measure.ts and bench/cost-capacity.ts, the prices in bench/prices.ts.
 *
 * From the template: each function's memory, architecture and tracing; the API type; the alarms
 * (and the metrics each evaluates), dashboards, metric filters, secrets, KMS keys, the state machine's
 * states. Measured: DynamoDB write and read units per operation (DynamoDB Local's ConsumedCapacity;
 * for a transaction, two units per KB of each item, as DynamoDB bills it), each function's
 * log bytes per invocation (its stdout), CPU time (the process's schedstat) and wall time.
 *
 * The model (stated again in the output): duration at the deployed memory = measured CPU ×
 * max(1, 1,769 MB ÷ memory) (Lambda gives one vCPU at 1,769 MB; this machine's core is taken as one
 * vCPU; the median of the warm calls) + the least wait measured (wall − CPU, against DynamoDB Local
 * and the recording endpoints on a shared machine: still above in-region latencies). Lambda's own START/END/REPORT lines are added per
 * invocation in the documented text format. Run alone: `node --import tsx bench/cost.ts`.
 */
import { Duration } from 'aws-cdk-lib';
import { ACTIVITY_METRICS } from '../functions/core/activity.ts';
import type { RateLimitReason } from '../functions/core/errors.ts';
import { DEFAULT_ALLOWED_COUNTRIES } from '../functions/core/settings.ts';
import type { HandlerName } from '../infra/otp-function.ts';
import { synthesize } from '../test/support/synth.ts';
import { type Billed, type Invocation, type Measured, measureStack } from './cost-measure.ts';
import { BYTES_PER_GB, PRICES, pricesMarkdown, tiered } from './prices.ts';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const SECONDS_PER_MONTH = 730 * 3600;
const VOLUMES = [1_000_000, 100_000_000] as const;

/** Lambda's own lines per invocation in the text format (platform events at the INFO system level). */
const REQUEST_ID = '8f5a1c2e-3b4d-4e6f-9a0b-1c2d3e4f5a6b';
const platformBytes = (memoryMb: number, traced: boolean) =>
  [
    `START RequestId: ${REQUEST_ID} Version: $LATEST`,
    `END RequestId: ${REQUEST_ID}`,
    `REPORT RequestId: ${REQUEST_ID}\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: ${memoryMb} MB\tMax Memory Used: 96 MB\t${
      traced
        ? '\nXRAY TraceId: 1-6750a1b2-3c4d5e6f7a8b9c0d1e2f3a4b\tSegmentId: 1a2b3c4d5e6f7a8b\tSampled: true\t'
        : ''
    }`,
  ].reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
const PLATFORM_EVENTS = 3;
/** CloudWatch Logs counts 26 bytes of overhead per event on top of its message. */
const EVENT_OVERHEAD = 26;
/** Step Functions' vended log events per one-step execution at level ALL (no execution data), ~350 B each. */
const STATE_MACHINE_EVENTS = 11;
const STATE_MACHINE_EVENT_BYTES = 350;
/** Lambda's SQS pollers long-poll an empty queue: 5 pollers × one 20-second poll each. */
const IDLE_SQS_POLLS_PER_MONTH = 5 * (SECONDS_PER_MONTH / 20);
/** Refused-send reasons the RateLimited metric filter splits by (its `reason` dimension). */
const RATE_LIMIT_REASONS = {
  cooldown: true,
  destination_limit: true,
  ip_limit: true,
  spend_limit: true,
} satisfies Record<RateLimitReason, true>;

interface Scenario {
  name: string;
  stack: { billed: Billed; measured: Measured };
  /** Share of verifications still pending when the first cascade step is due (0 without fallback). */
  pending: number;
  fallback: boolean;
  /** Channels the activity counts by, and those of them with a country dimension. */
  channels: number;
  phoneChannels: number;
}

/**
 * Which part of the bill a line is: what each verification adds, or what the stack costs a month for
 * being deployed at all (alarms, dashboard, metrics, the secret, keys, idle polls, the hourly watch).
 */
type Part = 'verification' | 'fixed';
type Line = [driver: string, dollars: number, note: string, part: Part];

/** Billed milliseconds at `memoryMb`: CPU scaled to the memory's share of a vCPU, plus the waits. */
function billedMs(sample: Invocation, memoryMb: number): number {
  const cpu = sample.cpuMs * Math.max(1, PRICES.lambda.oneVcpuMb / memoryMb);
  return Math.ceil(cpu + Math.max(0, sample.wallMs - sample.cpuMs));
}

function addInvocation(a: Invocation, b: Invocation, times: number): Invocation {
  return {
    cpuMs: a.cpuMs + b.cpuMs * times,
    wallMs: a.wallMs + b.wallMs * times,
    logBytes: a.logBytes + b.logBytes * times,
    logLines: a.logLines + b.logLines * times,
  };
}

/** The month's bill per 1M verifications for `scenario` at `volume` verifications a month. */
function bill(
  scenario: Scenario,
  volume: number,
  overrides: { tracing?: 'all'; systemLogWarn?: boolean } = {},
) {
  const { billed, measured } = scenario.stack;
  const { meter, units } = measured;
  const perMillion = 1_000_000 / volume;
  const rate = (perMonth: number) => perMonth / SECONDS_PER_MONTH;
  const unitsOf = (step: string, fn: string) =>
    units.get(step)?.get(fn) ?? { requests: 0, write: 0, read: 0 };
  const stepName = (prefix: string) => [...units.keys()].find((key) => key.startsWith(prefix)) ?? prefix;

  // Invocations a month, and the sample each one costs.
  type Run = { handler: HandlerName; invocations: number; sample: Invocation };
  const runs: Run[] = [
    { handler: 'start', invocations: volume, sample: meter.typical('start') },
    { handler: 'check', invocations: volume, sample: meter.typical('check') },
  ];
  const batched = (handler: HandlerName, recordsPerMonth: number, cap: number) => {
    const fit = measured.batch.get(handler)!;
    const size = Math.min(cap, 1 + rate(recordsPerMonth));
    runs.push({
      handler,
      invocations: recordsPerMonth / size,
      sample: addInvocation(fit.perInvocation, fit.perRecord, size),
    });
  };
  batched('activity', volume * measured.batch.get('activity')!.recordsPerVerification, 100);
  batched('delivery-receipts', volume, 100);
  const executions = scenario.fallback ? volume * scenario.pending : 0;
  if (scenario.fallback) {
    runs.push({ handler: 'cascade-start', invocations: volume, sample: meter.typical('cascade-start') });
    runs.push({ handler: 'cascade-step', invocations: executions, sample: meter.typical('cascade-step') });
    if (measured.voiceReceipt) {
      runs.push({ handler: 'delivery-receipts', invocations: executions * 4, sample: measured.voiceReceipt });
    }
  }

  // Lambda.
  let gbSeconds = 0;
  let requests = 0;
  let functionLogBytes = 0;
  let platformLogBytes = 0;
  for (const run of runs) {
    const fn = billed.functions.get(run.handler)!;
    requests += run.invocations;
    gbSeconds += run.invocations * (fn.memoryMb / 1024) * (billedMs(run.sample, fn.memoryMb) / 1000);
    functionLogBytes += run.invocations * (run.sample.logBytes + run.sample.logLines * EVENT_OVERHEAD);
    const traced = (overrides.tracing ?? fn.tracing) === 'Active' || overrides.tracing === 'all';
    const platform =
      overrides.systemLogWarn || fn.systemLogLevel === 'WARN' ? 0 : platformBytes(fn.memoryMb, traced);
    platformLogBytes += run.invocations * (platform + (platform ? PLATFORM_EVENTS * EVENT_OVERHEAD : 0));
  }
  const lambda = requests * PRICES.lambda.perRequest + tiered(gbSeconds, PRICES.lambda.arm64GbSecond);

  // API Gateway: start and check.
  const apiRequests = 2 * volume;
  const api = tiered(apiRequests, PRICES.apiGateway.restRequests);
  const accessLogBytes = apiRequests * (accessLogLineBytes(billed.accessLogFormat) + EVENT_OVERHEAD);

  // DynamoDB, per verification from the measured steps.
  const start = unitsOf(stepName('start'), 'start');
  const check = unitsOf(stepName('check'), 'check');
  const receipts = unitsOf(stepName('delivery-receipts (10'), 'delivery-receipts');
  let writes = volume * (start.write + check.write + receipts.write / 10);
  let reads = volume * (start.read + check.read + receipts.read / 10);
  if (scenario.fallback) {
    const verified = unitsOf(stepName('cascade-start (verified'), 'cascade-start');
    const pendingStart = unitsOf(stepName('cascade-start (still'), 'cascade-start');
    const step = unitsOf(stepName('cascade-step'), 'cascade-step');
    const voice = unitsOf(stepName('delivery-receipts (4 voice'), 'delivery-receipts');
    const notPending = volume - executions;
    reads += notPending * verified.read + executions * (pendingStart.read + step.read + voice.read);
    writes += notPending * verified.write + executions * (pendingStart.write + step.write + voice.write);
  }
  const dynamodb = writes * PRICES.dynamodb.perWriteUnit + reads * PRICES.dynamodb.perReadUnit;

  // Logs: the functions' own lines, Lambda's, the access log, SNS's SMS delivery status, the workflow's.
  const smsStatusBytes = volume * (measured.smsLogLineBytes + EVENT_OVERHEAD);
  const workflowLogBytes = executions * STATE_MACHINE_EVENTS * (STATE_MACHINE_EVENT_BYTES + EVENT_OVERHEAD);
  const logBytes = functionLogBytes + platformLogBytes + accessLogBytes + smsStatusBytes + workflowLogBytes;
  const logsGb = logBytes / BYTES_PER_GB;
  const logs =
    tiered(logsGb, PRICES.cloudWatch.logsIngestedPerGb) + logsGb * PRICES.cloudWatch.logsStoredGbMonth;

  // X-Ray: traces recorded a month.
  const xr = PRICES.xray;
  const defaultRule = (perMonth: number) => {
    const perSecond = rate(perMonth);
    return (
      SECONDS_PER_MONTH *
      (Math.min(perSecond, xr.defaultReservoirPerSecond) +
        xr.defaultFixedRate * Math.max(0, perSecond - xr.defaultReservoirPerSecond))
    );
  };
  const allActive =
    overrides.tracing === 'all' || [...billed.functions.values()].every((fn) => fn.tracing === 'Active');
  let traces = 0;
  if (allActive) {
    // Every entry point samples under the default rule, whose reservoir they share.
    const entries =
      apiRequests +
      runs
        .filter((run) => !['start', 'check', 'cascade-step'].includes(run.handler))
        .reduce((sum, run) => sum + run.invocations, 0) +
      executions;
    traces = defaultRule(entries);
  } else {
    if (billed.stageTraced) traces += apiRequests * (billed.samplingRate ?? 1);
    if (billed.stateMachineTraced) traces += defaultRule(executions);
  }
  const xray = Math.max(0, traces - xr.freeTracesRecorded) * xr.perTraceRecorded;

  // Fixed a month: metrics, alarms, dashboards, the secret, idle polling.
  // A custom metric is billed by the hour for the hours it receives data: the ones this flow publishes
  // (measured from the activity function's EMF lines) every hour; the upper bound, every metric of every
  // channel and allowed country and every log filter each hour, is stated beside it.
  const countries = DEFAULT_ALLOWED_COUNTRIES.length;
  // The watch publishes one metric of its own (ConversionCollapsedCountries), every hour.
  const emfUpperBound =
    ACTIVITY_METRICS.length * scenario.channels +
    scenario.phoneChannels * countries +
    (measured.watch ? 1 : 0);
  const filterUpperBound = billed.metricFilters.reduce(
    (sum, filter) => sum + (filter.dimensions ? Object.keys(RATE_LIMIT_REASONS).length : 1),
    0,
  );
  const emfMetrics = measured.emfMetrics.length;
  const filterMetrics = measured.filteredLines ? filterUpperBound : 0;
  const metrics = tiered(emfMetrics + filterMetrics, PRICES.cloudWatch.metricMonth);
  const metricsUpperBound = tiered(emfUpperBound + filterUpperBound, PRICES.cloudWatch.metricMonth);
  const alarms = billed.alarmMetrics * PRICES.cloudWatch.alarmMetricMonth;
  const dashboards = billed.dashboards * PRICES.cloudWatch.dashboardMonth;
  // Each function holding the secret reads it once per 5 minutes per warm environment.
  const secretHolders = runs.filter((run) =>
    ['start', 'check', 'cascade-step', 'delivery-receipts'].includes(run.handler),
  );
  const environments = secretHolders.reduce((sum, run) => {
    const concurrency = rate(run.invocations) * (run.sample.wallMs / 1000);
    return sum + Math.max(1, Math.ceil(concurrency * 2));
  }, 0);
  const secretCalls = environments * 12 * 730;
  const secrets =
    billed.secrets * PRICES.secretsManager.secretMonth +
    (secretCalls / 10_000) * PRICES.secretsManager.per10kCalls;
  const keys = billed.kmsKeys * PRICES.kms.keyMonth;

  const cascadeQueue = billed.transitionsPerOneStepCascade > 0;
  const sqs = (scenario.fallback ? volume * 3 : 0) * PRICES.sqs.perRequest;
  const idlePolls = (cascadeQueue ? IDLE_SQS_POLLS_PER_MONTH : 0) * PRICES.sqs.perRequest;

  // The hourly conversion watch: its invocations (measured here), its log lines and Lambda's, and its
  // GetMetricData call (Sent and Approved of each watched country).
  const watch = watchCost(scenario);
  const stepFunctions = executions * billed.transitionsPerOneStepCascade * PRICES.stepFunctions.perTransition;
  const events = volume * measured.eventsPerVerification * PRICES.eventBridge.perEvent;

  const lines: Line[] = [
    [
      'API Gateway REST (start + check)',
      api,
      '2 requests; REST is fixed by the contract (`x-api-key` API keys)',
      'verification',
    ],
    [
      'Lambda (requests + GB-s)',
      lambda,
      runs
        .filter((run, i, all) => all.findIndex((other) => other.handler === run.handler) === i)
        .map(
          (run) => `${run.handler} ${billedMs(run.sample, billed.functions.get(run.handler)!.memoryMb)} ms`,
        )
        .join(', '),
      'verification',
    ],
    [
      'DynamoDB on-demand',
      dynamodb,
      `${fmt(writes / volume, 1)} write + ${fmt(reads / volume, 1)} read units per verification`,
      'verification',
    ],
    [
      'CloudWatch Logs (ingest + 1 month stored)',
      logs,
      `${fmt(logBytes / volume / 1024, 2)} KB per verification: functions ${fmt(functionLogBytes / volume, 0)} B, Lambda START/END/REPORT ${fmt(platformLogBytes / volume, 0)} B, access log ${fmt(accessLogBytes / volume, 0)} B, SNS SMS status ${fmt(smsStatusBytes / volume, 0)} B${executions ? `, workflow ${fmt(workflowLogBytes / volume, 0)} B` : ''}`,
      'verification',
    ],
    ['X-Ray', xray, `${fmt(traces / 1000, 0)}k traces a month (100k free)`, 'verification'],
    [
      'EventBridge events',
      events,
      `${fmt(measured.eventsPerVerification, 1)} event per verification`,
      'verification',
    ],
    ...(scenario.fallback
      ? [
          ['SQS (delayed messages)', sqs, '3 requests per delayed message', 'verification'] as Line,
          [
            'Step Functions Standard',
            stepFunctions,
            `${billed.transitionsPerOneStepCascade} transitions × ${fmt(scenario.pending * 100, 0)} % started`,
            'verification',
          ] as Line,
        ]
      : []),
    ['Alarms', alarms, `${billed.alarms} alarms evaluating ${billed.alarmMetrics} metrics`, 'fixed'],
    ['Dashboard', dashboards, `${billed.dashboards} dashboard`, 'fixed'],
    [
      'Custom metrics',
      metrics,
      `${emfMetrics} published by this flow (${measured.emfMetrics.join(', ')}); at most ${emfUpperBound} EMF (${ACTIVITY_METRICS.length} per channel, Sent × ${countries} countries per phone channel${measured.watch ? ', the watch’s 1' : ''}) + ${filterUpperBound} from log filters, $${fmt(metricsUpperBound)} a month, if every one had data every hour`,
      'fixed',
    ],
    ['Secrets Manager', secrets, `${billed.secrets} secret, ~${fmt(secretCalls / 1000, 0)}k reads`, 'fixed'],
    ...(keys ? [['KMS keys', keys, `${billed.kmsKeys} key(s)`, 'fixed'] as Line] : []),
    ...(cascadeQueue
      ? [
          [
            'SQS idle long polls',
            idlePolls,
            'of the cascade queue: 5 pollers × one 20 s poll each',
            'fixed',
          ] as Line,
        ]
      : []),
    ...(watch ? [['Conversion watch', watch.dollars, watch.note, 'fixed'] as Line] : []),
  ];
  const sumOf = (part?: Part) =>
    lines
      .filter((line) => part === undefined || line[3] === part)
      .reduce((sum, [, dollars]) => sum + dollars, 0);
  return {
    lines: lines.map(([d, dollars, n, part]) => [d, dollars * perMillion, n, part] as Line),
    total: sumOf() * perMillion,
    /** What each 1M verifications adds, and what the month costs for being deployed at all. */
    perVerification: sumOf('verification') * perMillion,
    fixedPerMonth: sumOf('fixed'),
    fixed: sumOf('fixed') * perMillion,
    platformLogBytes,
    logsGb,
  };
}

/** Runs of the hourly conversion watch a month: one an hour. */
const WATCH_RUNS_PER_MONTH = 730;

/**
 * The hourly conversion watch a month: 730 invocations at its measured duration and log output, with
 * Lambda's own lines, and its GetMetricData call (two metrics requested per watched country).
 */
function watchCost(scenario: Scenario): { dollars: number; note: string } | undefined {
  const { billed, measured } = scenario.stack;
  const fn = billed.functions.get('conversion-watch');
  if (!measured.watch || !fn) return undefined;
  const sample = measured.meter.typical('conversion-watch');
  const ms = billedMs(sample, fn.memoryMb);
  const lambda =
    WATCH_RUNS_PER_MONTH *
    (PRICES.lambda.perRequest + (fn.memoryMb / 1024) * (ms / 1000) * PRICES.lambda.arm64GbSecond[0]![1]);
  const traced = fn.tracing === 'Active';
  const platform =
    fn.systemLogLevel === 'WARN' ? 0 : platformBytes(fn.memoryMb, traced) + PLATFORM_EVENTS * EVENT_OVERHEAD;
  const logBytes = WATCH_RUNS_PER_MONTH * (sample.logBytes + sample.logLines * EVENT_OVERHEAD + platform);
  const logs =
    (logBytes / BYTES_PER_GB) *
    (PRICES.cloudWatch.logsIngestedPerGb[0]![1] + PRICES.cloudWatch.logsStoredGbMonth);
  const metricsRequested = WATCH_RUNS_PER_MONTH * 2 * measured.watch.countries;
  const reads = metricsRequested * PRICES.cloudWatch.getMetricDataPerMetric;
  return {
    dollars: lambda + logs + reads,
    note: `${WATCH_RUNS_PER_MONTH} runs at ${ms} ms (measured, ${fn.memoryMb} MB) $${fmt(lambda, 4)}, logs $${fmt(logs, 4)}, GetMetricData ${fmt(metricsRequested / 1000, 1)}k metrics requested (2 × ${measured.watch.countries} countries an hour) $${fmt(reads)}; its alarm is counted under Alarms`,
  };
}

/** The access log line for a request, its format filled with values of the usual length. */
function accessLogLineBytes(format: string): number {
  const sample: Record<string, string> = {
    requestId: REQUEST_ID,
    requestTime: '03/Dec/2026:15:00:00 +0000',
    'identity.sourceIp': '198.51.100.7',
    'identity.apiKeyId': 'a1b2c3d4e5',
    httpMethod: 'POST',
    resourcePath: '/v1/verifications/{id}/check',
    status: '200',
    responseLength: '180',
    responseLatency: '45',
    integrationLatency: '41',
    'error.responseType': '-',
    xrayTraceId: '-',
  };
  return Buffer.byteLength(
    format.replace(/\$context\.([a-zA-Z.]+)/g, (_, key: string) => sample[key] ?? '-'),
  );
}

/**
 * The conversion-collapse alarms as they were (metric math, five countries an alarm, every metric read
 * billed) beside the hourly watch and its two alarms (the count, and the watch's failed runs), at the
 * default stack's countries.
 */
function conversionWatchLever(stack: Scenario['stack'], lines: readonly Line[]): string[] {
  const countries = stack.measured.watch?.countries;
  const watch = lines.find(([driver]) => driver === 'Conversion watch')?.[1];
  if (countries === undefined || watch === undefined) return [];
  const before = 2 * countries * PRICES.cloudWatch.alarmMetricMonth;
  const alarms = 2 * PRICES.cloudWatch.alarmMetricMonth;
  const after = alarms + watch;
  const metric = PRICES.cloudWatch.metricMonth[0]![1];
  return [
    `- **Conversion watch** (taken): the metric-math alarms of ${countries} countries read ${2 * countries} alarm metrics, ${usd(before)} a month; one hourly function (GetMetricData for the last full hour and the hour before) and two alarms cost ${usd(after + metric)} a month (the alarms ${usd(alarms)}: the count's and the failed runs', the watch ${usd(watch)}, its count as a custom metric ${usd(metric)}), and compare each country with its earlier hour, which metric math cannot.`,
  ];
}

const fmt = (n: number, digits = 2) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const usd = (n: number) => `$${fmt(n)}`;

const GOALS = { withoutFallback: 10, withFallback: 15 };

/**
 * What the default stack would cost with every lever pulled at once, those this issue declined
 * included: an HTTP API (its $1.00 per million instead of REST's $3.50: a contract change), the send's
 * items written outside a transaction (1 WCU each instead of 2: the storage invariants given up),
 * Lambda's system log level WARN and the cheapest memory. It shows how far the goal is from what
 * the contract and the invariants leave.
 */
function everyLever(
  results: readonly { scenario: { fallback: boolean }; volume: number; total: number; fixed: number }[],
  sendCounters: number,
  logSaving: number,
  memorySaving: number,
): string {
  const apiSaving = (volume: number) =>
    (tiered(2 * volume, PRICES.apiGateway.restRequests) -
      tiered(2 * volume, PRICES.apiGateway.httpRequests)) *
    (1e6 / volume);
  const writeSaving = (1 + sendCounters) * PRICES.dynamodb.perWriteUnit * 1e6;
  const plain = results.filter((r) => !r.scenario.fallback);
  const cells = plain.map((r) => {
    const rest = r.total - apiSaving(r.volume) - writeSaving - logSaving - memorySaving;
    const verdict = rest <= GOALS.withoutFallback ? 'within' : 'above';
    return `${usd(rest)} at ${r.volume / 1e6}M a month (${verdict} the goal; ${usd(r.fixed)} of it the fixed part)`;
  });
  return `- **Every lever at once** (an HTTP API, the send's writes outside a transaction, system log level WARN, the cheapest memory; the first two give up the contract's API keys and the atomic counting docs/storage.md holds): ${cells.join(', ')}.`;
}

/**
 * The fallback's workflow as Express rather than Standard, priced at 1 s and 64 MB an execution (a
 * one-step run is the step function's tens of milliseconds and Step Functions' own; 1 s bounds it), beside
 * what Standard's transitions cost in each fallback scenario at 1M a month.
 */
function expressLever(results: readonly { scenario: Scenario; volume: number; lines: Line[] }[]): string {
  const perExecution =
    PRICES.stepFunctions.expressPerExecution + (64 / 1024) * 1 * PRICES.stepFunctions.expressPerGbSecond;
  const cells = results
    .filter((r) => r.scenario.fallback && r.volume === VOLUMES[0])
    .map((r) => {
      const standard = r.lines.find(([driver]) => driver.startsWith('Step Functions'))?.[1] ?? 0;
      const express = r.scenario.pending * 1e6 * perExecution;
      return `${usd(standard)} → ${usd(express)} with ${fmt(r.scenario.pending * 100, 0)} % of codes pending when the call is due`;
    });
  return (
    `- **Express workflows** (not taken): the fallback's workflow as Express, at 1 s and 64 MB an execution: ${cells.join(', ')} per 1M. ` +
    'Express caps an execution at 5 minutes, where a cascade may wait up to an hour between steps within a code valid up to a day; it runs ' +
    "at least once, where Standard's execution name (the verification id) makes a second start of the same cascade a no-op; and it keeps " +
    'no execution history but its logs. Even with the workflow free, the goals with the fallback are not met (the FAIL lines below).'
  );
}

/** The section's markdown: the measurements, one table per scenario, the levers, PASS/FAIL lines. */
export async function benchCost(
  track: (stop: () => Promise<void>) => () => Promise<void> = (stop) => stop,
): Promise<string> {
  const voice = { originationIdentity: 'phone-0123456789abcdef' };
  const plain = await measureStack('cost-default', synthesize({}), false, track);
  const withVoice = await measureStack(
    'cost-fallback',
    synthesize({ voice, voiceFallbackWait: Duration.seconds(1) }),
    true,
    track,
  );
  const scenarios: Scenario[] = [
    {
      name: 'No fallback (the default stack: SMS)',
      stack: plain,
      pending: 0,
      fallback: false,
      channels: 1,
      phoneChannels: 1,
    },
    {
      name: 'Voice fallback on, 95 % verified before the call',
      stack: withVoice,
      pending: 0.05,
      fallback: true,
      channels: 2,
      phoneChannels: 2,
    },
    {
      name: 'Voice fallback on, 80 % verified before the call',
      stack: withVoice,
      pending: 0.2,
      fallback: true,
      channels: 2,
      phoneChannels: 2,
    },
  ];

  const out: string[] = ['## Cost per 1M verifications', '', pricesMarkdown(), ''];
  out.push(
    "Derived by `bench/cost.ts` from the synthesized templates (memory, architecture, tracing, API type, alarms and their metrics, dashboards, metric filters, secrets, keys, the workflow's states) and from the deployed bundles run here on DynamoDB Local (write/read units per operation, log bytes, CPU and wall time). A verification is one SMS start and one right check; the activity stream and the SMS delivery receipt it causes are counted, carrier charges are not. Model: billed duration = CPU × max(1, 1,769 MB ÷ memory) + the least wait measured (wall − CPU, on local endpoints: above in-region latencies); Lambda's START/END/REPORT lines in the documented text format; stream and log-subscription batches as records arriving within 1 s; SQS at one message a batch.",
    '',
  );

  // Measurements per function.
  const measuredRows = new Map<string, string>();
  for (const stack of [plain, withVoice]) {
    for (const [handler] of stack.measured.meter.samples) {
      if (measuredRows.has(handler)) continue;
      const fn = stack.billed.functions.get(handler)!;
      const m =
        handler === 'activity' || handler === 'delivery-receipts'
          ? addInvocation(
              stack.measured.batch.get(handler)!.perInvocation,
              stack.measured.batch.get(handler)!.perRecord,
              1,
            )
          : stack.measured.meter.typical(handler);
      const costAt = (mb: number) => (mb / 1024) * (billedMs(m, mb) / 1000) * 0.0000133334 * 1e6 + 0.2;
      measuredRows.set(
        handler,
        `| ${handler} | ${fn.memoryMb} MB ${fn.arch}, ${fn.tracing} | ${fmt(m.cpuMs)} | ${fmt(Math.max(0, m.wallMs - m.cpuMs))} | ${billedMs(m, fn.memoryMb)} | ${fmt(m.logBytes, 0)} B / ${fmt(m.logLines, 0)} | ${[256, 512, 1024, 1769].map((mb) => `${usd(costAt(mb))}`).join(' / ')} |`,
      );
    }
  }
  out.push(
    '| function (1 record for stream/log batches) | deployed | CPU ms | waits ms | billed ms | log bytes / lines | $ per 1M invocations at 256 / 512 / 1,024 / 1,769 MB |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...measuredRows.values(),
    '',
  );
  const u = plain.measured.units;
  out.push(
    `DynamoDB units measured: ${[...u]
      .map(
        ([step, byFn]) =>
          `${step}: ${[...byFn]
            .filter(([fn]) => fn !== 'bench')
            .map(([fn, x]) => `${fn} ${x.requests} req, ${x.write} WCU, ${x.read} RCU`)
            .join('; ')}`,
      )
      .join(
        ' · ',
      )}. The send's transaction writes ${plain.measured.sendItems.length} items (${plain.measured.sendItems.join(', ')}), 2 WCU each (transactions bill double).`,
    '',
  );

  const results: Array<{
    scenario: Scenario;
    volume: number;
    total: number;
    fixed: number;
    lines: Line[];
  }> = [];
  for (const scenario of scenarios) {
    const bills = VOLUMES.map((volume) => bill(scenario, volume));
    const [low, high] = bills as [(typeof bills)[0], (typeof bills)[0]];
    out.push(
      `### ${scenario.name}`,
      '',
      `Being deployed at all costs ${usd(low.fixedPerMonth)} a month (the fixed part below, whatever the volume); each 1M verifications adds ${usd(low.perVerification)} at 1M a month, ${usd(high.perVerification)} at 100M.`,
      '',
      `| driver | per 1M at 1M a month | per 1M at 100M a month | what |`,
      '| --- | --- | --- | --- |',
    );
    for (const [part, title] of [
      ['verification', 'Per verification'],
      ['fixed', 'Fixed a month, for being deployed (spread over the month’s verifications)'],
    ] as const) {
      out.push(`| *${title}* | | | |`);
      low.lines.forEach(([driver, dollars, note, linePart], i) => {
        if (linePart === part)
          out.push(`| ${driver} | ${usd(dollars)} | ${usd(high.lines[i]![1])} | ${note} |`);
      });
      out.push(
        part === 'verification'
          ? `| **per verification, subtotal** | **${usd(low.perVerification)}** | **${usd(high.perVerification)}** | |`
          : `| **fixed, subtotal** | **${usd(low.fixed)}** | **${usd(high.fixed)}** | ${usd(low.fixedPerMonth)} a month at 1M, ${usd(high.fixedPerMonth)} at 100M (the secret's reads and the metrics with data grow a little with traffic) |`,
      );
    }
    out.push(`| **total per 1M verifications** | **${usd(low.total)}** | **${usd(high.total)}** | |`, '');
    VOLUMES.forEach((volume, i) => {
      results.push({
        scenario,
        volume,
        total: bills[i]!.total,
        fixed: bills[i]!.fixed,
        lines: bills[i]!.lines,
      });
    });
  }

  // The levers, at 1M a month without fallback.
  const base = bill(scenarios[0]!, VOLUMES[0]);
  const allTraced = bill(scenarios[0]!, VOLUMES[0], { tracing: 'all' });
  const warn = bill(scenarios[0]!, VOLUMES[0], { systemLogWarn: true });
  const sendCounters = plain.measured.sendItems.length - 1;
  // What start and check would save a month at 1M at their cheapest size, warm (cold starts aside).
  const memorySaving = (['start', 'check'] as const).reduce((sum, handler) => {
    const sample = plain.measured.meter.typical(handler);
    const deployed = plain.billed.functions.get(handler)!.memoryMb;
    const gbs = (mb: number) => (mb / 1024) * (billedMs(sample, mb) / 1000);
    const cheapest = Math.min(...[128, 256, 512, 1024, 1769].map(gbs));
    return sum + (gbs(deployed) - cheapest) * 1e6 * PRICES.lambda.arm64GbSecond[0]![1];
  }, 0);
  out.push(
    '### Levers (1M a month, no fallback)',
    '',
    `- **Tracing** (taken: \`tracing: 'sampled'\` is the default, 1 % of the API's requests by this stage's own sampling rule): \`'all'\` (Active on every function under the default rule, as before) costs ${usd(allTraced.total - base.total)} more per 1M.`,
    `- **Lambda's system log level WARN** (not taken): would drop the START/END/REPORT lines, ${usd(base.total - warn.total)} per 1M; the runbook reads REPORT lines (Init Duration, \`Task timed out\`), so they stay.`,
    `- **Memory** (not changed: 1,024 MB): the table above prices each function's measured CPU and waits at four sizes; start and check at their cheapest size would save ${usd(memorySaving)} per 1M warm, while a cold start, CPU-bound, runs 2–4× longer at 256–512 MB (the functions' own cold-start budget is issue 17's other goal).`,
    `- **Write units per send** (storage not redesigned): the send's transaction writes the verification and ${sendCounters} counters (destination, spend-brake minute and day shards), 2 WCU each: each counter costs ${usd(2 * PRICES.dynamodb.perWriteUnit * 1e6)} per 1M; writing them outside a transaction would save half of that, at the price of the invariants docs/storage.md holds.`,
    ...conversionWatchLever(plain, base.lines),
    `- **REST API** ${usd(tiered(2e6, PRICES.apiGateway.restRequests))} per 1M (start + check at $3.50 per million) is fixed by the contract: \`x-api-key\` API keys and usage plans exist only on REST APIs, and only REST's gateway responses answer the errors API Gateway raises itself (a throttled, oversized or keyless request) in the contract's \`{"error": {…}}\` envelope; an HTTP API answers them \`{"message": …}\`, whoever checks the key.`,
    everyLever(results, sendCounters, base.total - warn.total, memorySaving),
    expressLever(results),
    '',
  );
  for (const { scenario, volume, total, fixed, lines } of results) {
    const goal = scenario.fallback ? GOALS.withFallback : GOALS.withoutFallback;
    const cost = (prefix: string) => lines.find(([driver]) => driver.startsWith(prefix))?.[1] ?? 0;
    // What no lever of this issue moves: the REST API (the contract), the table's writes (storage is
    // not redesigned here) and, with the fallback, the workflow's transitions.
    const floor = cost('API Gateway') + cost('DynamoDB') + cost('Step Functions');
    const why =
      total <= goal
        ? ''
        : floor > goal
          ? `; not reachable by the levers: REST ${usd(cost('API Gateway'))} + DynamoDB ${usd(cost('DynamoDB'))}${scenario.fallback ? ` + Step Functions ${usd(cost('Step Functions'))}` : ''} alone are ${usd(floor)}${scenario.fallback ? `, and with the workflow free the total would still be ${usd(total - cost('Step Functions'))}` : ''}`
          : `; REST, DynamoDB${scenario.fallback ? ' and Step Functions' : ''} are ${usd(floor)}, the rest ${usd(total - floor)} (Lambda ${usd(cost('Lambda'))}, logs ${usd(cost('CloudWatch Logs'))}, the fixed part ${usd(fixed)})`;
    out.push(
      `- ${total <= goal ? 'PASS' : 'FAIL'}: ${scenario.name}, ${volume / 1e6}M a month: ${usd(total)} per 1M verifications (goal ≤ $${goal})${why}`,
    );
  }
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // Run alone, the section says when and under what load, since the file's header is another run's.
  const { loadavg } = await import('node:os');
  const load = () =>
    loadavg()
      .map((n) => n.toFixed(2))
      .join(' / ');
  const loadAtStart = load();
  const markdown = await benchCost();
  const [heading, ...rest] = markdown.split('\n');
  console.log(
    [
      heading,
      '',
      `Run alone (\`node --import tsx bench/cost.ts\`) on ${new Date().toISOString()}, load average (1/5/15 min) ${loadAtStart} at start, ${load()} at end; the other sections are from the run the header names.`,
      ...rest,
    ].join('\n'),
  );
}
