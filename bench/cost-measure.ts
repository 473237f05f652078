/**
 * The measuring half of the cost table (bench/cost.ts): a synthesized stack run as deployed
 * (test/support/deployed-stack.ts) behind the capacity proxy (bench/cost-capacity.ts), driven through
 * whole verifications, each function's CPU, wall time and log lines taken per invocation; and what
 * the template bills (`billedFrom`).
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { DynamoDBRecord } from 'aws-lambda';
import { HANDLERS, type HandlerName } from '../infra/otp-function.ts';
import { startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { StreamReader, StreamsApi } from '../local/dynamodb-streams.ts';
import { DeployedStack } from '../test/support/deployed-stack.ts';
import {
  cloudWatchLogsEvent,
  snsSmsLogLine,
  snsTime,
  voiceSnsEvent,
} from '../test/support/receipt-events.ts';
import { sqsEvent } from '../test/support/sqs-event.ts';
import { type Resource, resources, type Synthesized } from '../test/support/synth.ts';
import { capacityProxy, type Units } from './cost-capacity.ts';

/** Warm invocations measured per flow (after one warm-up round, which takes the cold start). */
const ROUNDS = 6;

/** What one invocation of a function cost, as measured here. */
export interface Invocation {
  cpuMs: number;
  wallMs: number;
  logBytes: number;
  logLines: number;
}

/** The CPU time a process has used, in ms (the first field of /proc/<pid>/schedstat is ns on CPU). */
function cpuMsOf(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
}

class Meter {
  readonly samples = new Map<HandlerName, Invocation[]>();
  /** Every line each function wrote during the run, warm-ups included. */
  readonly lines = new Map<HandlerName, string[]>();
  constructor(readonly stack: DeployedStack) {}

  invoke<T>(handler: HandlerName, event: unknown, keep = true): Promise<T> {
    return this.#timed(handler, () => this.stack.invoke<T>(handler, event), keep);
  }

  /** A request through the route's function, as API Gateway's proxy integration delivers it. */
  api(method: string, path: string, body?: unknown, keep = true) {
    const handler: HandlerName =
      method === 'GET'
        ? 'status'
        : method === 'DELETE'
          ? 'cancel'
          : path.endsWith('/check')
            ? 'check'
            : 'start';
    return this.#timed(handler, () => this.stack.api(method, path, body), keep);
  }

  async #timed<T>(handler: HandlerName, run: () => Promise<T>, keep: boolean): Promise<T> {
    // The first call starts the process (its cold start): its lines are kept, its times are not.
    if (!this.stack.processes.has(handler)) {
      const result = await run();
      const output = this.stack.processes.get(handler)?.output.join('') ?? '';
      this.lines.set(
        handler,
        output.split('\n').filter((line) => line.trim() !== ''),
      );
      return result;
    }
    const process = this.stack.processes.get(handler)!;
    const pid = (process as unknown as { child: ChildProcess }).child.pid!;
    const outputBefore = process.output.join('');
    const cpuBefore = cpuMsOf(pid);
    const started = performance.now();
    const result = await run();
    const wallMs = performance.now() - started;
    const cpuMs = cpuMsOf(pid) - cpuBefore;
    const lines = process.output
      .join('')
      .slice(outputBefore.length)
      .split('\n')
      .filter((line) => line.trim() !== '');
    this.lines.set(handler, [...(this.lines.get(handler) ?? []), ...lines]);
    if (keep) {
      const list = this.samples.get(handler) ?? [];
      list.push({ cpuMs, wallMs, logBytes: Buffer.byteLength(lines.join('\n')), logLines: lines.length });
      this.samples.set(handler, list);
    }
    return result;
  }

  /**
   * The median CPU time and log output over the kept invocations of `handler`, and its least wait
   * (wall − CPU): the waits here are on local endpoints sharing two busy cores, and the least one is
   * the nearest to an unshared machine's (still above in-region DynamoDB's few milliseconds).
   */
  typical(handler: HandlerName): Invocation {
    const list = this.samples.get(handler) ?? [];
    const mid = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)] ?? 0;
    };
    const cpuMs = mid(list.map((s) => s.cpuMs));
    const waitMs = Math.min(...list.map((s) => Math.max(0, s.wallMs - s.cpuMs)));
    return {
      cpuMs,
      wallMs: cpuMs + (Number.isFinite(waitMs) ? waitMs : 0),
      logBytes: mid(list.map((s) => s.logBytes)),
      logLines: mid(list.map((s) => s.logLines)),
    };
  }
}

export interface Billed {
  functions: Map<HandlerName, { memoryMb: number; arch: string; tracing: string; systemLogLevel: string }>;
  apiType: string;
  stageTraced: boolean;
  samplingRate: number | undefined;
  alarmMetrics: number;
  alarms: number;
  dashboards: number;
  metricFilters: Array<{ name: string; dimensions: number }>;
  secrets: number;
  kmsKeys: number;
  queues: number;
  /** States entered by an execution that places one step and ends. */
  transitionsPerOneStepCascade: number;
  stateMachineTraced: boolean;
  accessLogFormat: string;
}

export function billedFrom(synthesized: Synthesized, stack: DeployedStack): Billed {
  const { template } = synthesized;
  const lambdas = resources(template, 'AWS::Lambda::Function');
  const functions = new Map<
    HandlerName,
    { memoryMb: number; arch: string; tracing: string; systemLogLevel: string }
  >();
  for (const fn of stack.functions) {
    const resource = lambdas[fn.logicalId] as Resource;
    const props = resource.Properties;
    const logging = (props['LoggingConfig'] ?? {}) as { SystemLogLevel?: string };
    functions.set(fn.handler, {
      memoryMb: Number(props['MemorySize'] ?? 128),
      arch: ((props['Architectures'] as string[] | undefined) ?? ['x86_64'])[0]!,
      tracing: (props['TracingConfig'] as { Mode?: string } | undefined)?.Mode ?? 'PassThrough',
      systemLogLevel: logging.SystemLogLevel ?? 'INFO',
    });
  }
  const alarms = Object.values(resources(template, 'AWS::CloudWatch::Alarm'));
  const alarmMetrics = alarms.reduce((sum, alarm) => {
    const metrics = alarm.Properties['Metrics'] as Array<{ MetricStat?: unknown }> | undefined;
    return sum + (metrics ? metrics.filter((m) => m.MetricStat).length : 1);
  }, 0);
  const stage = Object.values(resources(template, 'AWS::ApiGateway::Stage'))[0]!;
  const rule = Object.values(resources(template, 'AWS::XRay::SamplingRule'))[0];
  const machine = Object.values(resources(template, 'AWS::StepFunctions::StateMachine'))[0];
  return {
    functions,
    apiType: Object.keys(resources(template, 'AWS::ApiGateway::RestApi')).length ? 'REST' : 'none',
    stageTraced: stage.Properties['TracingEnabled'] === true,
    samplingRate: rule
      ? Number((rule.Properties['SamplingRule'] as { FixedRate: number }).FixedRate)
      : undefined,
    alarms: alarms.length,
    alarmMetrics,
    dashboards: Object.keys(resources(template, 'AWS::CloudWatch::Dashboard')).length,
    metricFilters: Object.values(resources(template, 'AWS::Logs::MetricFilter')).map((filter) => {
      const transformation = (
        filter.Properties['MetricTransformations'] as Array<{
          MetricName: string;
          Dimensions?: unknown[];
        }>
      )[0]!;
      return { name: transformation.MetricName, dimensions: transformation.Dimensions?.length ?? 0 };
    }),
    secrets: Object.keys(resources(template, 'AWS::SecretsManager::Secret')).length,
    kmsKeys: Object.keys(resources(template, 'AWS::KMS::Key')).length,
    queues: Object.keys(resources(template, 'AWS::SQS::Queue')).length,
    transitionsPerOneStepCascade: machine ? oneStepTransitions(machine, synthesized) : 0,
    stateMachineTraced:
      (machine?.Properties['TracingConfiguration'] as { Enabled?: boolean } | undefined)?.Enabled === true,
    accessLogFormat: (stage.Properties['AccessLogSetting'] as { Format: string }).Format,
  };
}

/** The states an execution enters when its task answers `done` at once: Next, and a Choice's Default. */
function oneStepTransitions(machine: Resource, synthesized: Synthesized): number {
  const body = synthesized.stack.resolve(machine.Properties['DefinitionString']) as unknown;
  // The definition is a Fn::Join of strings and references: the references are ARNs, not states.
  const text = JSON.stringify(body).replace(/\{"Fn::GetAtt":[^}]*\}|\{"Ref":"[^"]*"\}/g, '"x"');
  const joined = (JSON.parse(text) as { 'Fn::Join': [string, string[]] })['Fn::Join'][1].join('');
  const definition = JSON.parse(joined) as {
    StartAt: string;
    States: Record<string, { Type: string; Next?: string; Default?: string; End?: boolean }>;
  };
  let name: string | undefined = definition.StartAt;
  let entered = 0;
  while (name && entered < 50) {
    entered += 1;
    const state: { Type: string; Next?: string; Default?: string } = definition.States[name]!;
    name = state.Type === 'Choice' ? state.Default : state.Next;
  }
  return entered;
}

export interface Measured {
  meter: Meter;
  units: Map<string, Map<string, Units>>;
  /** The start's transaction: the kinds of item it writes. */
  sendItems: string[];
  /** Activity and receipts, per invocation and per record (linear fit of a 1- and a 10-verification batch). */
  batch: Map<
    HandlerName,
    { perInvocation: Invocation; perRecord: Invocation; recordsPerVerification: number }
  >;
  eventsPerVerification: number;
  smsLogLineBytes: number;
  itemBytes: number;
  /** One voice event through the receipts function (a call sends four). */
  voiceReceipt?: Invocation;
  /** The distinct metrics (name and dimension values) the activity function's and the watch's EMF lines published. */
  emfMetrics: string[];
  /** The hourly conversion watch, when the stack has it: its countries (two metrics requested each a run). */
  watch?: { countries: number };
  /** The lines the start function's metric filters matched (none in a run of accepted sends). */
  filteredLines: number;
}

/** Each metric an EMF line publishes: its name with the values of each of its dimension sets. */
export function emfMetricsIn(lines: readonly string[]): string[] {
  const found = new Set<string>();
  for (const line of lines) {
    if (!line.includes('"_aws"')) continue;
    const emf = JSON.parse(line) as Record<string, unknown> & {
      _aws: { CloudWatchMetrics: Array<{ Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
    };
    for (const directive of emf._aws.CloudWatchMetrics) {
      for (const set of directive.Dimensions) {
        const dimensions = set.map((name) => `${name}=${String(emf[name])}`).join(',');
        for (const metric of directive.Metrics) found.add(`${metric.Name}{${dimensions}}`);
      }
    }
  }
  return [...found].sort();
}

const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)?.[1];

export async function measureStack(
  label: string,
  synthesized: Synthesized,
  fallback: boolean,
  /** Registers a stop with `npm run bench`, so a signal still ends DynamoDB Local (a Java child). */
  track: (stop: () => Promise<void>) => () => Promise<void> = (stop) => stop,
): Promise<{ billed: Billed; measured: Measured }> {
  const dynamodb = await startDynamoDbLocal();
  const stopDynamoDb = track(dynamodb.stop);
  // Every function of the stack but the Cognito triggers (not in it) and the scheduled key rotation.
  const proxy = await capacityProxy(
    dynamodb.endpoint,
    HANDLERS.filter((name) => !name.startsWith('cognito-') && name !== 'key-rotation'),
  );
  const stack = await DeployedStack.start(label, synthesized, proxy.endpoint);
  try {
    const billed = billedFrom(synthesized, stack);
    const meter = new Meter(stack);
    const units = new Map<string, Map<string, Units>>();
    const take = (what: string) => units.set(what, proxy.take());
    const reader = new StreamReader(new StreamsApi(stack.dynamodb), stack.streamArn);
    const verificationRecords = async () =>
      (await reader.read()).filter((record) => record.dynamodb?.Keys?.['pk']?.S?.startsWith('v#'));
    let phoneIndex = 0;
    const nextPhone = () => `+1415555${String(1000 + phoneIndex++).padStart(4, '0')}`;
    // The SMS of the first send (a cascade step re-delivers the same code).
    const codeSentTo = (phone: string) => {
      const sms = stack
        .callsOf('start', 'sns', 'Publish')
        .filter((call) => call.input['PhoneNumber'] === phone);
      const code = codeIn(String(sms.at(-1)?.input['Message'] ?? ''));
      if (!code) throw new Error(`no code sent to ${phone}`);
      return code;
    };

    /** One verification: start, (the cascade's start and step when `pending`), the right code. */
    async function verification(keep: boolean, pending: boolean) {
      const phone = nextPhone();
      proxy.take();
      const started = await meter.api('POST', '/v1/verifications', { to: phone, channel: 'sms' }, keep);
      if (started.statusCode !== 201)
        throw new Error(`start answered ${started.statusCode}: ${JSON.stringify(started.body)}`);
      const id = String(started.body['id']);
      if (keep) take(`start${fallback ? ' (cascade scheduled)' : ''}`);
      if (fallback && pending) {
        const message = stack
          .callsOf('start', 'sqs', 'SendMessage')
          .find((call) => String(call.input['MessageBody']).includes(id))!;
        await sleep(Number(message.input['DelaySeconds'] ?? 0) * 1000 + 50);
        await meter.invoke('cascade-start', sqsEvent(String(message.input['MessageBody'])), keep);
        if (keep) take('cascade-start (still pending: starts the workflow)');
        const execution = stack
          .callsOf('cascade-start', 'states', 'StartExecution')
          .find((call) => call.input['name'] === id);
        if (!execution) throw new Error('the starter started no execution');
        let input = JSON.parse(String(execution.input['input'])) as unknown;
        for (let round = 0; round < 5; round++) {
          const output = await meter.invoke<{ done: boolean; waitSeconds?: number }>(
            'cascade-step',
            input,
            keep,
          );
          if (output.done) break;
          await sleep((output.waitSeconds ?? 1) * 1000);
          input = output;
        }
        if (keep) take('cascade-step (the voice call)');
      }
      const checked = await meter.api(
        'POST',
        `/v1/verifications/${id}/check`,
        { code: codeSentTo(phone) },
        keep,
      );
      if (checked.body['status'] !== 'approved')
        throw new Error(`check answered ${JSON.stringify(checked.body)}`);
      if (keep) take('check (right code)');
      if (fallback && !pending) {
        const message = stack
          .callsOf('start', 'sqs', 'SendMessage')
          .find((call) => String(call.input['MessageBody']).includes(id))!;
        await meter.invoke('cascade-start', sqsEvent(String(message.input['MessageBody'])), keep);
        if (keep) take('cascade-start (verified: starts nothing)');
      }
      return { phone, id };
    }

    // Warm-up (cold starts), then the measured rounds.
    await verification(false, false);
    if (fallback) await verification(false, true);
    for (let round = 0; round < ROUNDS; round++) {
      await verification(true, false);
      if (fallback) await verification(true, true);
    }
    const sendInput = stack.callsOf('start', 'dynamodb', 'TransactWriteItems').at(-1)?.input as
      | {
          TransactItems: Array<Record<string, { Key?: { pk: { S: string } }; Item?: { pk: { S: string } } }>>;
        }
      | undefined;
    const sendItems = (sendInput?.TransactItems ?? []).map((entry) => {
      const [kind, op] = Object.entries(entry)[0]!;
      const pk = (op.Key ?? op.Item)?.pk.S ?? '?';
      return `${kind} ${pk.replace(/#.*$/, '#…')}`;
    });

    // The activity function: the stream's records of 1 verification, then of 10, in one batch each.
    // Warm-up: the first invocation is the cold start.
    await meter.invoke('activity', { Records: await verificationRecords() }, false);
    const batch: Measured['batch'] = new Map();
    const activityPoints: Array<{ records: number; sample: Invocation }> = [];
    let eventsPerVerification = 0;
    for (const verifications of [1, 10]) {
      for (let i = 0; i < verifications; i++) await verification(false, false);
      const records: DynamoDBRecord[] = await verificationRecords();
      const eventsBefore = stack.callsOf('activity', 'events', 'PutEvents').length;
      meter.samples.delete('activity');
      proxy.take();
      await meter.invoke('activity', { Records: records });
      activityPoints.push({ records: records.length, sample: meter.typical('activity') });
      const puts = stack.callsOf('activity', 'events', 'PutEvents').slice(eventsBefore);
      const entries = puts.reduce(
        (sum, call) => sum + ((call.input['Entries'] as unknown[]) ?? []).length,
        0,
      );
      if (verifications === 10) eventsPerVerification = entries / verifications;
    }
    batch.set('activity', {
      ...splitBatch(activityPoints),
      recordsPerVerification: activityPoints[1]!.records / 10,
    });

    // The receipts: SNS's SMS delivery-status lines through the subscription, 1 then 10 a batch.
    const receiptPoints: Array<{ records: number; sample: Invocation }> = [];
    let smsLogLineBytes = 0;
    const warm = (await verification(false, false)).phone;
    await meter.invoke(
      'delivery-receipts',
      cloudWatchLogsEvent([
        {
          message: snsSmsLogLine({ destination: warm, timestamp: snsTime(Date.now()), success: true }),
          timestamp: Date.now(),
        },
      ]),
      false,
    );
    for (const lines of [1, 10]) {
      const phones: string[] = [];
      for (let i = 0; i < lines; i++) phones.push((await verification(false, false)).phone);
      const now = Date.now();
      const logLines = phones.map((phone) => ({
        message: snsSmsLogLine({ destination: phone, timestamp: snsTime(now - 1000), success: true }),
        timestamp: now,
      }));
      smsLogLineBytes = Buffer.byteLength(logLines[0]!.message);
      meter.samples.delete('delivery-receipts');
      proxy.take();
      await meter.invoke('delivery-receipts', cloudWatchLogsEvent(logLines));
      receiptPoints.push({ records: lines, sample: meter.typical('delivery-receipts') });
      if (lines === 10) take('delivery-receipts (10 SMS delivery-status lines)');
    }
    batch.set('delivery-receipts', { ...splitBatch(receiptPoints), recordsPerVerification: 1 });
    let voiceReceipt: Invocation | undefined;
    if (fallback) {
      const { phone } = await verification(false, true);
      meter.samples.delete('delivery-receipts');
      proxy.take();
      for (const eventType of ['VOICE_INITIATED', 'VOICE_RINGING', 'VOICE_ANSWERED', 'VOICE_COMPLETED']) {
        await meter.invoke(
          'delivery-receipts',
          voiceSnsEvent([{ eventType, destination: phone, requestedAt: Date.now() - 1000, at: Date.now() }]),
        );
      }
      voiceReceipt = meter.typical('delivery-receipts');
      take('delivery-receipts (4 voice events of one call)');
    }

    // The hourly conversion watch: a warm-up (its cold start), then the measured runs (CloudWatch's
    // recording endpoint answers with no datapoints: nothing collapsed, the metric is 0).
    let watch: Measured['watch'];
    if (stack.has('conversion-watch')) {
      const tick = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };
      await meter.invoke('conversion-watch', tick, false);
      for (let round = 0; round < ROUNDS; round++) await meter.invoke('conversion-watch', tick);
      const countries = stack.environmentOf('conversion-watch')['CONVERSION_WATCH_COUNTRIES'] ?? '';
      watch = { countries: countries.split(',').length };
    }

    const item =
      (
        await stack.dynamodb.send(
          new (
            await import('@aws-sdk/client-dynamodb')
          ).ScanCommand({ TableName: stack.tableName, Limit: 20 }),
        )
      ).Items ?? [];
    const itemBytes = Math.max(
      ...item
        .filter((entry) => entry['pk']?.S?.startsWith('v#'))
        .map((entry) => Buffer.byteLength(JSON.stringify(entry))),
    );
    return {
      billed,
      measured: {
        meter,
        units,
        sendItems,
        batch,
        eventsPerVerification,
        smsLogLineBytes,
        itemBytes,
        ...(voiceReceipt ? { voiceReceipt } : {}),
        emfMetrics: emfMetricsIn([
          ...(meter.lines.get('activity') ?? []),
          ...(meter.lines.get('conversion-watch') ?? []),
        ]),
        ...(watch ? { watch } : {}),
        filteredLines: (meter.lines.get('start') ?? []).filter((line) =>
          /"message":"(send rate limited|cascade was not scheduled)"/.test(line),
        ).length,
      },
    };
  } finally {
    await stack.stop();
    await proxy.close();
    await stopDynamoDb();
  }
}

/** A per-invocation and a per-record part from two batch sizes (least squares through two points). */
function splitBatch(points: Array<{ records: number; sample: Invocation }>) {
  const [a, b] = points as [{ records: number; sample: Invocation }, { records: number; sample: Invocation }];
  const slope = (key: keyof Invocation) =>
    Math.max(0, (b.sample[key] - a.sample[key]) / (b.records - a.records));
  const perRecord: Invocation = {
    cpuMs: slope('cpuMs'),
    wallMs: slope('wallMs'),
    logBytes: slope('logBytes'),
    logLines: slope('logLines'),
  };
  const base = (key: keyof Invocation) => Math.max(0, a.sample[key] - perRecord[key] * a.records);
  return {
    perInvocation: {
      cpuMs: base('cpuMs'),
      wallMs: base('wallMs'),
      logBytes: base('logBytes'),
      logLines: base('logLines'),
    },
    perRecord,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
