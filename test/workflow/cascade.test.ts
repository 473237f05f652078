/**
 * The cascade, run as AWS would run it: the state machine's ASL is taken from the synthesized OtpStack
 * template (references resolved) and executed by aws-local-stepfunctions; its step task is bound to the
 * same code the Lambda runs (functions/workflow/cascade-task.ts) with the test service's store, sealer
 * and senders over DynamoDB Local; the delayed start is the same starter code the queue's consumer runs
 * (functions/workflow/cascade-start.ts). Wait states take no time: `skipWaits` tells the harness how
 * long each would have waited, and the harness moves the test clock by as much, so nothing races.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, inject, it, onTestFinished, vi } from 'vitest';
import { DeliveryError } from '../../functions/core/errors.ts';
import { destinationKeyOf } from '../../functions/core/ids.ts';
import { maskDestination } from '../../functions/core/masking.ts';
import type { Senders } from '../../functions/core/ports.ts';
import type { Settings } from '../../functions/core/settings.ts';
import { type CascadeStartOutcome, startCascadeIfPending } from '../../functions/workflow/cascade-start.ts';
import {
  CASCADE_ERROR_ATTRIBUTE,
  CASCADE_FAILED,
  CASCADE_STATES as STATE,
} from '../../infra/cascade-workflow.ts';
import { localDynamoDbClient } from '../../local/dynamodb-local.ts';
import { LocalCascade, type LocalExecution } from '../../local/local-workflow.ts';
import { Outbox, type OutboxMessage } from '../../local/outbox.ts';
import {
  type AslDefinition,
  cascadeDefinitionFromTemplate,
  LOCAL_STEP_FUNCTION_ARN,
  synthesizeCascadeDefinition,
} from '../../local/workflow-definition.ts';
import { codeOf } from '../support/codes.ts';
import { createTestService, routes, type TestService } from '../support/service.ts';
import { FULL_PROPS, resources, synthesize } from '../support/synth.ts';

const phone = (i: number) => `+1415555${String(300 + i).padStart(4, '0')}`;
const email = (i: number) => `person${i}@example.com`;
const iso = (epochMs: number) => new Date(epochMs).toISOString();

/** The OtpStack template with every channel, synthesized once for the file. */
let template: ReturnType<ReturnType<typeof synthesize>['template']['toJSON']>;
let tableLogicalId: string;
let stepFunctionLogicalId: string;

beforeAll(async () => {
  const synthesized = synthesize(FULL_PROPS);
  template = synthesized.template.toJSON();
  [tableLogicalId] = Object.keys(resources(synthesized.template, 'AWS::DynamoDB::Table')) as [string];
  const stepFunctions = Object.keys(resources(synthesized.template, 'AWS::Lambda::Function')).filter((id) =>
    id.startsWith('OtpServiceCascadeStepFunction'),
  );
  expect(stepFunctions).toHaveLength(1);
  stepFunctionLogicalId = stepFunctions[0]!;
  // The first service and the first state machine (aws-local-stepfunctions compiles its ASL schema)
  // cost about a second, more on a busy machine: paid once here, under the hook's timeout.
  const warm = await createTestService();
  await new LocalCascade({
    client: localDynamoDbClient(inject('dynamodbEndpoint')),
    tableName: warm.tableName,
    log: warm.api.deps.log,
    definition: definitionFor(warm.tableName),
  }).ready();
});

/** The deployed definition for a test table: CloudFormation's references filled in. */
function definitionFor(tableName: string): AslDefinition {
  return cascadeDefinitionFromTemplate(template, {
    refs: { [tableLogicalId]: tableName },
    getAtts: { [`${stepFunctionLogicalId}.Arn`]: LOCAL_STEP_FUNCTION_ARN },
  });
}

type Item = Record<string, { S?: string; N?: string; L?: unknown[] }>;

interface Harness {
  s: TestService;
  api: ReturnType<typeof routes>;
  workflow: LocalCascade;
  /** What the start route asked the scheduler for (the delayed message): nothing is started by it. */
  scheduled: Array<{ id: string; delaySeconds: number }>;
  /** The seconds each skipped Wait state would have waited, in order (the clock moved by each). */
  waits: number[];
  /** Verification reads by the workflow's task and starter (resolved ones). */
  reads(): number;
  /** Every message the senders delivered. */
  box: Outbox;
  /** Every code, full phone number and full address this harness sent: no execution may hold one. */
  secrets: Set<string>;
  /** A start request (201 expected); its code is read from the first message. */
  send(body: { to: string; channel: string; [key: string]: unknown }): Promise<{ id: string; code: string }>;
  /** The starter, as the queue's consumer runs it when the delayed message arrives. */
  start(id: string): Promise<CascadeStartOutcome>;
  /** The started execution of `id`, once it has ended. */
  ended(id: string): Promise<LocalExecution>;
  messages(id: string): OutboxMessage[];
  item(id: string): Promise<Item | undefined>;
  cascadeOf(id: string): Promise<Array<Record<string, unknown>>>;
}

const harnesses: Harness[] = [];

/** Every execution a workflow ran: the named ones (started) and the extra runs. */
const executionsOf = (workflow: LocalCascade) => [...workflow.executions.values(), ...workflow.runs];

/** Where an execution's input, output, error or history holds one of `secrets`, as findings. */
function secretsIn(executions: LocalExecution[], secrets: Set<string>): string[] {
  const findings: string[] = [];
  for (const execution of executions) {
    // Event timestamps are left out: a 13-digit time could hold a short code's digits by chance.
    const text = JSON.stringify(
      [execution.input, execution.output, execution.error, execution.events],
      (key, value) => (key === 'timestamp' ? undefined : value),
    );
    for (const secret of secrets) if (text.includes(secret)) findings.push(`${execution.name}: ${secret}`);
  }
  return findings;
}

/**
 * A test service whose start route schedules cascades on a recording scheduler (the test decides when
 * the delayed message "arrives": `start`, or `workflow.schedule(id, 0)`), and a local cascade over the
 * same table running the deployed definition. When the test ends, the workflow stops and every
 * execution it ran, and every log line, is scanned for the codes and destinations the harness sent.
 */
async function harness(
  options: { settings?: Partial<Settings>; senders?: (box: Outbox) => Partial<Senders> } = {},
): Promise<Harness> {
  const scheduled: Harness['scheduled'] = [];
  const waits: number[] = [];
  const secrets = new Set<string>();
  let reads = 0;
  const box = new Outbox(() => s.clock.now);
  const senders = { ...box.senders(), ...options.senders?.(box) };
  const s: TestService = await createTestService({
    senders,
    cascade: {
      async schedule(id, delaySeconds) {
        scheduled.push({ id, delaySeconds });
      },
    },
    ...(options.settings ? { settings: options.settings } : {}),
  });
  const store = s.api.deps.store;
  const client = localDynamoDbClient(inject('dynamodbEndpoint'));
  const workflow = new LocalCascade({
    client,
    tableName: s.tableName,
    log: s.api.deps.log,
    retryIntervalOverrides: { [STATE.place]: 0, [STATE.recordFailure]: 0 },
    skipWaits: (seconds) => {
      waits.push(seconds);
      s.clock.advance(seconds);
    },
    definition: definitionFor(s.tableName),
  }).attach({
    ...s.api.deps,
    store: {
      get: async (id) => {
        const record = await store.get(id);
        reads++;
        return record;
      },
      claimStep: (...args) => store.claimStep(...args),
      finishStep: (...args) => store.finishStep(...args),
      skipStep: (...args) => store.skipStep(...args),
    },
  });
  onTestFinished(async () => {
    await workflow.stop();
    expect(secretsIn(executionsOf(workflow), secrets)).toEqual([]);
    expect(s.logs.filter((line) => [...secrets].some((secret) => line.includes(secret)))).toEqual([]);
  });
  const api = routes(s);
  const h: Harness = {
    s,
    api,
    workflow,
    scheduled,
    waits,
    reads: () => reads,
    box,
    secrets,
    async send(body) {
      const destinations = [
        body.to,
        ...((body['cascade'] as Array<{ to?: string }> | undefined) ?? []).map((step) => step.to),
      ];
      for (const to of destinations) if (to !== undefined) secrets.add(to).add(to.replace(/^\+/, ''));
      const sent = await api.send(body);
      expect(sent.status, JSON.stringify(sent.body)).toBe(201);
      const id = sent.body['id'] as string;
      const code = codeOf(h.messages(id)[0]!);
      secrets.add(code).add([...code].join(' '));
      return { id, code };
    },
    start(id) {
      const { clock, log } = s.api.deps;
      return startCascadeIfPending(
        { store: s.api.deps.store, workflow, clock, log },
        JSON.stringify({ verificationId: id }),
      );
    },
    async ended(id) {
      const execution = workflow.executions.get(id);
      if (!execution) throw new Error(`no execution named ${id}`);
      return execution.done;
    },
    messages: (id) => box.messages.filter((m) => m.verificationId === id),
    async item(id) {
      const { Item } = await client.send(
        new GetItemCommand({
          TableName: s.tableName,
          Key: { pk: { S: `v#${destinationKeyOf(id)}` } },
          ConsistentRead: true,
        }),
      );
      return Item as Item | undefined;
    },
    async cascadeOf(id) {
      const got = await api.get(id);
      expect(got.status, JSON.stringify(got.body)).toBe(200);
      return got.body['cascade'] as Array<Record<string, unknown>>;
    },
  };
  harnesses.push(h);
  return h;
}

const entered = (e: LocalExecution) =>
  (e.events as Array<{ type: string; state?: { name: string } }>)
    .filter((event) => event.type === 'StateEntered')
    .map((event) => event.state!.name);
const retries = (e: LocalExecution, state: string) =>
  (e.events as Array<{ type: string; state?: { name: string } }>).filter(
    (event) => event.type === 'StateRetried' && event.state?.name === state,
  ).length;
/** Lets every callback already queued (the starter's continuation after its read) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

const ONE_STEP_DONE = [STATE.place, STATE.more, STATE.done];

describe('Cascade: the definition', () => {
  it('is the one in the synthesized OtpStack template, its states exactly CASCADE_STATES, and local mode synthesizes the same', () => {
    const deployed = definitionFor('onetime-local');
    expect(Object.keys(deployed.States).sort()).toEqual(Object.values(STATE).sort());
    expect(deployed.StartAt).toBe(STATE.place);
    const local = synthesizeCascadeDefinition({
      tableName: 'onetime-local',
      codeValiditySeconds: FULL_PROPS.ttl!.toSeconds(),
      functionArn: LOCAL_STEP_FUNCTION_ARN,
    });
    // The execution timeout follows the code's validity (+10 min), in local mode as deployed.
    expect(deployed['TimeoutSeconds']).toBe(FULL_PROPS.ttl!.toSeconds() + 600);
    expect(local).toEqual(deployed);
    // The task is the step function, its payload the id alone.
    expect(deployed.States[STATE.place]).toMatchObject({
      Type: 'Task',
      Resource: LOCAL_STEP_FUNCTION_ARN,
      Parameters: { 'verificationId.$': '$.verificationId' },
    });
    expect(deployed.States[STATE.wait]).toMatchObject({ Type: 'Wait', SecondsPath: '$.waitSeconds' });
  });
});

describe('Cascade: executions', () => {
  it('places a three-step cascade in order, each step once with the same code, shown by GET; the code then approves', async () => {
    const h = await harness();
    const t0 = h.s.clock.now;
    const cascade = [
      { channel: 'voice', afterSeconds: 30 },
      { channel: 'email', to: email(1), afterSeconds: 60 },
      { channel: 'sms', afterSeconds: 30 },
    ];
    const { id, code } = await h.send({ to: phone(1), channel: 'sms', cascade });
    expect(h.scheduled).toEqual([{ id, delaySeconds: 30 }]);
    expect((await h.cascadeOf(id)).map((step) => step['status'])).toEqual([
      'scheduled',
      'scheduled',
      'scheduled',
    ]);

    h.s.clock.advance(30); // the delayed message arrives
    expect(await h.start(id)).toBe('started');
    const execution = await h.ended(id);
    expect(execution).toMatchObject({ status: 'SUCCEEDED', input: { verificationId: id } });
    expect(execution.output).toEqual({ verificationId: id, done: true });
    expect(h.waits).toEqual([60, 30]);
    expect(entered(execution)).toEqual([
      STATE.place,
      STATE.more,
      STATE.wait,
      STATE.place,
      STATE.more,
      STATE.wait,
      STATE.place,
      STATE.more,
      STATE.done,
    ]);

    const messages = h.messages(id);
    expect(messages.map((m) => [m.channel, m.to, m.sentAt])).toEqual([
      ['sms', phone(1), iso(t0)],
      ['voice', phone(1), iso(t0 + 30_000)],
      ['email', email(1), iso(t0 + 90_000)],
      ['sms', phone(1), iso(t0 + 120_000)],
    ]);
    expect(messages.map(codeOf)).toEqual([code, code, code, code]);

    expect(await h.cascadeOf(id)).toEqual([
      {
        channel: 'voice',
        to: maskDestination(phone(1)),
        afterSeconds: 30,
        status: 'sent',
        at: iso(t0 + 30_000),
      },
      {
        channel: 'email',
        to: maskDestination(email(1)),
        afterSeconds: 60,
        status: 'sent',
        at: iso(t0 + 90_000),
      },
      {
        channel: 'sms',
        to: maskDestination(phone(1)),
        afterSeconds: 30,
        status: 'sent',
        at: iso(t0 + 120_000),
      },
    ]);
    expect(maskDestination(email(1))).not.toContain(email(1));

    expect((await h.api.check(id, { code })).body).toMatchObject({ status: 'approved', valid: true });
  });

  it('places each step once when the same execution runs twice in a row, or five times at once', async () => {
    const h = await harness({ settings: { ttlSeconds: 3_600 } });
    const cascade = [
      { channel: 'voice', afterSeconds: 30 },
      { channel: 'email', to: email(2), afterSeconds: 60 },
      { channel: 'sms', afterSeconds: 30 },
    ];
    const first = await h.send({ to: phone(2), channel: 'sms', cascade });
    h.s.clock.advance(30);
    const inTurn = [
      await h.workflow.run({ verificationId: first.id }),
      await h.workflow.run({ verificationId: first.id }),
    ];
    expect(inTurn.map((e) => [e.status, e.output])).toEqual([
      ['SUCCEEDED', { verificationId: first.id, done: true }],
      ['SUCCEEDED', { verificationId: first.id, done: true }],
    ]);
    // The second found nothing left: one task, no wait.
    expect(entered(inTurn[1]!)).toEqual(ONE_STEP_DONE);
    expect(h.messages(first.id).map((m) => m.channel)).toEqual(['sms', 'voice', 'email', 'sms']);

    const second = await h.send({ to: phone(3), channel: 'sms', cascade });
    h.s.clock.advance(30);
    const together = await Promise.all(
      Array.from({ length: 5 }, () => h.workflow.run({ verificationId: second.id })),
    );
    expect(together.map((e) => e.status)).toEqual(Array(5).fill('SUCCEEDED'));
    expect(h.messages(second.id).map((m) => m.channel)).toEqual(['sms', 'voice', 'email', 'sms']);
    expect(h.messages(second.id).map(codeOf)).toEqual(Array(4).fill(second.code));
    expect((await h.cascadeOf(second.id)).map((step) => step['status'])).toEqual(['sent', 'sent', 'sent']);
  });

  it('starts one execution per verification: a duplicate startCascade of the same name is a no-op', async () => {
    const h = await harness();
    const { id } = await h.send({
      to: phone(4),
      channel: 'sms',
      cascade: [
        { channel: 'voice', afterSeconds: 30 },
        { channel: 'email', to: email(4), afterSeconds: 30 },
      ],
    });
    h.s.clock.advance(30);
    await h.workflow.startCascade(id);
    await h.workflow.startCascade(id); // while the first runs
    expect([...h.workflow.executions.keys()]).toEqual([id]);
    await h.workflow.idle();
    await h.workflow.startCascade(id); // after it ended: the name is used, as in a Standard state machine
    expect(await h.start(id)).toBe('not_needed'); // every step placed: the starter starts nothing
    await h.workflow.idle();
    expect(h.workflow.executions.size).toBe(1);
    expect(h.workflow.runs).toHaveLength(0);
    expect(h.messages(id).map((m) => m.channel)).toEqual(['sms', 'voice', 'email']);
  });

  it('the delayed start (schedule) runs the starter, which starts the execution for a pending verification', async () => {
    const h = await harness();
    const { id, code } = await h.send({
      to: phone(5),
      channel: 'sms',
      cascade: [{ channel: 'voice', afterSeconds: 30 }],
    });
    h.s.clock.advance(h.scheduled[0]!.delaySeconds);
    await h.workflow.schedule(id, 0);
    await vi.waitFor(() => expect(h.workflow.executions.has(id)).toBe(true), {
      timeout: 30_000,
      interval: 5,
    });
    expect((await h.ended(id)).output).toEqual({ verificationId: id, done: true });
    expect(h.messages(id).map((m) => [m.channel, codeOf(m)])).toEqual([
      ['sms', code],
      ['voice', code],
    ]);
  });
});

describe('Cascade: steps skipped when the verification closed', () => {
  const cascade = [
    { channel: 'voice', afterSeconds: 30 },
    { channel: 'email', to: email(6), afterSeconds: 60 },
  ];
  const closings = [
    ['approved', async (h: Harness, id: string, code: string) => void (await h.api.check(id, { code }))],
    ['canceled', async (h: Harness, id: string) => void (await h.api.cancel(id))],
    ['expired', async (h: Harness) => h.s.clock.advance(301)],
  ] as const;

  for (const [reason, close] of closings) {
    it(`${reason}: GET shows every step skipped (${reason}), the starter starts nothing, an execution places nothing`, async () => {
      const h = await harness();
      const { id, code } = await h.send({ to: phone(6), channel: 'sms', cascade });
      await close(h, id, code);
      expect(await h.cascadeOf(id)).toEqual([
        { channel: 'voice', to: maskDestination(phone(6)), afterSeconds: 30, status: 'skipped', reason },
        { channel: 'email', to: maskDestination(email(6)), afterSeconds: 60, status: 'skipped', reason },
      ]);
      if (reason !== 'expired') h.s.clock.advance(30);

      // The delayed message, as the queue delivers it: read, and no execution.
      const before = h.reads();
      await h.workflow.schedule(id, 0);
      await vi.waitFor(() => expect(h.reads()).toBe(before + 1), { timeout: 30_000, interval: 5 });
      await settle();
      expect(h.workflow.executions.size).toBe(0);
      expect(await h.start(id)).toBe('not_needed');
      expect(h.workflow.executions.size).toBe(0);

      // An execution started anyway (a redrive) places nothing.
      const execution = await h.workflow.run({ verificationId: id });
      expect(execution.output).toEqual({ verificationId: id, done: true });
      expect(entered(execution)).toEqual(ONE_STEP_DONE);
      expect(h.messages(id).map((m) => m.channel)).toEqual(['sms']);
      expect((await h.cascadeOf(id)).map((step) => [step['status'], step['reason']])).toEqual([
        ['skipped', reason],
        ['skipped', reason],
      ]);
    });
  }

  it('approved during the cascade: the steps after the approval are skipped (approved)', async () => {
    let approve: (() => Promise<void>) | undefined;
    const h = await harness({
      senders: (box) => ({
        voice: {
          // The person enters the code heard in the call while it is still being placed.
          async send(message) {
            const sent = await box.senders().voice.send(message);
            await approve?.();
            return sent;
          },
        },
      }),
    });
    const { id, code } = await h.send({
      to: phone(7),
      channel: 'sms',
      cascade: [
        { channel: 'voice', afterSeconds: 30 },
        { channel: 'email', to: email(7), afterSeconds: 60 },
        { channel: 'sms', afterSeconds: 30 },
      ],
    });
    approve = async () => {
      expect((await h.api.check(id, { code })).body).toMatchObject({ status: 'approved' });
    };
    h.s.clock.advance(30);
    expect(await h.start(id)).toBe('started');
    const execution = await h.ended(id);
    expect(execution.output).toEqual({ verificationId: id, done: true });
    expect(h.waits).toEqual([60]);
    expect(h.messages(id).map((m) => m.channel)).toEqual(['sms', 'voice']);
    expect((await h.cascadeOf(id)).map((step) => [step['channel'], step['status'], step['reason']])).toEqual([
      ['voice', 'sent', undefined],
      ['email', 'skipped', 'approved'],
      ['sms', 'skipped', 'approved'],
    ]);
  });
});

describe('Cascade: failing channels', () => {
  it('a step the channel refuses (outbox failNext) is failed, and the next step is placed at once', async () => {
    const h = await harness();
    const t0 = h.s.clock.now;
    const { id, code } = await h.send({
      to: phone(8),
      channel: 'sms',
      cascade: [
        { channel: 'voice', afterSeconds: 30 },
        { channel: 'email', to: email(8), afterSeconds: 60 },
      ],
    });
    h.s.clock.advance(30);
    h.box.failNext(1);
    expect(await h.start(id)).toBe('started');
    const execution = await h.ended(id);
    expect(execution.output).toEqual({ verificationId: id, done: true });
    expect(entered(execution)).toEqual(ONE_STEP_DONE); // no wait between them
    expect(h.waits).toEqual([]);
    expect(await h.cascadeOf(id)).toEqual([
      {
        channel: 'voice',
        to: maskDestination(phone(8)),
        afterSeconds: 30,
        status: 'failed',
        at: iso(t0 + 30_000),
      },
      {
        channel: 'email',
        to: maskDestination(email(8)),
        afterSeconds: 60,
        status: 'sent',
        at: iso(t0 + 30_000),
      },
    ]);
    expect(h.messages(id).map((m) => [m.channel, codeOf(m)])).toEqual([
      ['sms', code],
      ['email', code],
    ]);
    // A failed step closes nothing: the code still approves.
    expect((await h.api.check(id, { code })).body).toMatchObject({ status: 'approved' });
  });

  it('a sender throwing DeliveryError fails its step, and the steps after it go on at once', async () => {
    let attempts = 0;
    const h = await harness({
      senders: () => ({
        email: {
          async send() {
            attempts++;
            throw new DeliveryError('email delivery failed: MessageRejected', false);
          },
        },
      }),
    });
    const { id, code } = await h.send({
      to: phone(9),
      channel: 'sms',
      cascade: [
        { channel: 'email', to: email(9), afterSeconds: 30 },
        { channel: 'voice', afterSeconds: 60 },
        { channel: 'sms', afterSeconds: 30 },
      ],
    });
    h.s.clock.advance(30);
    expect(await h.start(id)).toBe('started');
    const execution = await h.ended(id);
    expect(execution.status).toBe('SUCCEEDED');
    expect(attempts).toBe(1);
    expect(retries(execution, STATE.place)).toBe(0);
    // The voice call right after the failed email; the sms 30 s after the call.
    expect(h.waits).toEqual([30]);
    expect((await h.cascadeOf(id)).map((step) => [step['channel'], step['status']])).toEqual([
      ['email', 'failed'],
      ['voice', 'sent'],
      ['sms', 'sent'],
    ]);
    expect(h.messages(id).map(codeOf)).toEqual([code, code, code]);
  });

  it('a fault that is not a refusal is retried: the failed step is recorded and the cascade moves on', async () => {
    const h = await harness({
      senders: () => ({
        voice: {
          async send() {
            throw new TypeError('a bug in a sender');
          },
        },
      }),
    });
    const { id, code } = await h.send({
      to: phone(10),
      channel: 'sms',
      cascade: [
        { channel: 'voice', afterSeconds: 30 },
        { channel: 'email', to: 'fault@example.com', afterSeconds: 30 },
      ],
    });
    h.s.clock.advance(30);
    const execution = await h.workflow.run({ verificationId: id });
    expect(execution.status).toBe('SUCCEEDED');
    expect(retries(execution, STATE.place)).toBe(1);
    // Claimed, so never placed twice: failed, and the next step went out at once on the retry.
    expect((await h.cascadeOf(id)).map((step) => step['status'])).toEqual(['failed', 'sent']);
    expect(h.messages(id).map(codeOf)).toEqual([code, code]);
  });

  it('a fault that outlasts the retries fails the execution visibly, recorded, and GET says no step follows', async () => {
    const h = await harness();
    const { id } = await h.send({
      to: phone(11),
      channel: 'sms',
      cascade: [
        { channel: 'voice', afterSeconds: 30 },
        { channel: 'email', to: 'fault2@example.com', afterSeconds: 30 },
      ],
    });
    // A store that cannot claim (say, a permission a deploy lost): every attempt fails the same way.
    const deps = h.s.api.deps;
    h.workflow.attach({
      ...deps,
      store: Object.assign(Object.create(deps.store), {
        async claimStep() {
          throw new TypeError('claim refused');
        },
      }),
    });
    h.s.clock.advance(30);
    const execution = await h.workflow.run({ verificationId: id });
    expect(execution).toMatchObject({
      status: 'FAILED',
      error: { error: CASCADE_FAILED, cause: 'TypeError' },
    });
    expect(retries(execution, STATE.place)).toBe(2);
    expect(entered(execution).slice(-2)).toEqual([STATE.recordFailure, STATE.failed]);
    expect((await h.item(id))?.[CASCADE_ERROR_ATTRIBUTE]).toEqual({ S: 'TypeError' });
    expect((await h.cascadeOf(id)).map((step) => [step['status'], step['reason']])).toEqual([
      ['skipped', 'cascade_failed'],
      ['skipped', 'cascade_failed'],
    ]);
    expect((await h.api.get(id)).body['status']).toBe('pending');
    expect(h.messages(id).map((m) => m.channel)).toEqual(['sms']);
  });
});

describe('Cascade: limits per step', () => {
  it('a destination whose hourly limit is used up: the step is skipped (destination_limit), the next still placed', async () => {
    const h = await harness({ settings: { maxSendsPerHour: 1 } });
    const t0 = h.s.clock.now;
    const { id, code } = await h.send({
      to: phone(11),
      channel: 'sms',
      cascade: [
        { channel: 'voice', afterSeconds: 30 },
        { channel: 'email', to: email(11), afterSeconds: 60 },
      ],
    });
    h.s.clock.advance(30);
    expect(await h.start(id)).toBe('started');
    expect((await h.ended(id)).output).toEqual({ verificationId: id, done: true });
    expect(h.waits).toEqual([]);
    expect(await h.cascadeOf(id)).toEqual([
      {
        channel: 'voice',
        to: maskDestination(phone(11)),
        afterSeconds: 30,
        status: 'skipped',
        reason: 'destination_limit',
        at: iso(t0 + 30_000),
      },
      {
        channel: 'email',
        to: maskDestination(email(11)),
        afterSeconds: 60,
        status: 'sent',
        at: iso(t0 + 30_000),
      },
    ]);
    expect(h.messages(id).map((m) => [m.channel, codeOf(m)])).toEqual([
      ['sms', code],
      ['email', code],
    ]);
    // The email step counted under its own destination's limit (1 an hour): a new code there is refused.
    const again = await h.api.send({ to: email(11), channel: 'email' });
    expect(again.status).toBe(429);
  });

  it('the spend brake: a voice step is skipped (spend_limit), an email step after it still sent', async () => {
    const h = await harness({ settings: { phoneSendsPerMinute: 1 } });
    const { id, code } = await h.send({
      to: phone(12),
      channel: 'sms',
      cascade: [
        { channel: 'voice', afterSeconds: 30 },
        { channel: 'email', to: email(12), afterSeconds: 60 },
      ],
    });
    h.s.clock.advance(30); // the same clock minute as the sms
    expect(await h.start(id)).toBe('started');
    expect((await h.ended(id)).output).toEqual({ verificationId: id, done: true });
    expect((await h.cascadeOf(id)).map((step) => [step['channel'], step['status'], step['reason']])).toEqual([
      ['voice', 'skipped', 'spend_limit'],
      ['email', 'sent', undefined],
    ]);
    expect(h.messages(id).map((m) => [m.channel, codeOf(m)])).toEqual([
      ['sms', code],
      ['email', code],
    ]);
  });

  it('a voice step counts under the spend brake like any send: a new sms in the same minute is refused', async () => {
    const h = await harness({ settings: { phoneSendsPerMinute: 2 } });
    const { id } = await h.send({
      to: phone(13),
      channel: 'sms',
      cascade: [{ channel: 'voice', afterSeconds: 30 }],
    });
    h.s.clock.advance(30);
    await h.start(id);
    await h.ended(id);
    expect(h.messages(id).map((m) => m.channel)).toEqual(['sms', 'voice']);
    const other = await h.api.send({ to: phone(14), channel: 'sms' });
    expect(other.status).toBe(429);
    expect(other.body.error?.reason).toBe('spend_limit');
  });
});

describe('Cascade: secrets', () => {
  it('no execution input, output, error or history holds a code or a full destination (every harness)', async () => {
    // Every way an execution ends, in fresh harnesses: steps sent, nothing to place (approved), a
    // refused channel, a fault (failed execution), a step refused by a limit.
    const sent = await harness({ settings: { codeLength: 8 } });
    const a = await sent.send({
      to: phone(20),
      channel: 'sms',
      cascade: [
        { channel: 'voice', afterSeconds: 30 },
        { channel: 'email', to: email(20), afterSeconds: 30 },
      ],
    });
    const b = await sent.send({
      to: phone(21),
      channel: 'sms',
      cascade: [{ channel: 'voice', afterSeconds: 30 }],
    });
    await sent.api.check(b.id, { code: b.code });
    const c = await sent.send({
      to: phone(22),
      channel: 'sms',
      cascade: [{ channel: 'email', to: email(22), afterSeconds: 30 }],
    });
    sent.s.clock.advance(30);
    expect(await sent.start(a.id)).toBe('started');
    await sent.ended(a.id);
    await sent.workflow.run({ verificationId: b.id });
    sent.box.failNext(1);
    await sent.workflow.run({ verificationId: c.id });

    const faulty = await harness({
      senders: () => ({
        voice: {
          async send() {
            throw new Error('boom');
          },
        },
      }),
    });
    const d = await faulty.send({
      to: phone(23),
      channel: 'sms',
      cascade: [{ channel: 'voice', afterSeconds: 30 }],
    });
    faulty.s.clock.advance(30);
    // Retried, the failed call recorded: the execution ends once nothing is left to place.
    expect((await faulty.workflow.run({ verificationId: d.id })).status).toBe('SUCCEEDED');

    const limited = await harness({ settings: { maxSendsPerHour: 1 } });
    const e = await limited.send({
      to: phone(24),
      channel: 'sms',
      cascade: [{ channel: 'sms', afterSeconds: 30 }],
    });
    limited.s.clock.advance(30);
    await limited.workflow.run({ verificationId: e.id });
    expect((await limited.cascadeOf(e.id))[0]).toMatchObject({
      status: 'skipped',
      reason: 'destination_limit',
    });

    // The scan sees what it should: executions with histories, and it finds a secret where there is one.
    const mine = [sent, faulty, limited].flatMap((x) => executionsOf(x.workflow));
    expect(mine).toHaveLength(5);
    for (const execution of mine) expect(execution.events.length, execution.name).toBeGreaterThan(0);
    expect(sent.secrets).toContain(a.code);
    expect(sent.secrets).toContain(email(20));
    const planted = {
      ...mine[0]!,
      name: 'planted',
      events: [...mine[0]!.events, { note: `code ${a.code}` }],
    };
    expect(secretsIn([planted], sent.secrets)).toEqual([`planted: ${a.code}`]);

    // Every harness of this file so far (each is also scanned when its own test ends).
    expect(harnesses.flatMap((x) => executionsOf(x.workflow)).length).toBeGreaterThan(mine.length);
    expect(harnesses.flatMap((x) => secretsIn(executionsOf(x.workflow), x.secrets))).toEqual([]);
  });
});

describe('Cascade: the orchestration count (feeds the cost table in docs/cascade.md)', () => {
  it('verified before the first step: the delayed start reads once and starts no execution; one step: 3 state transitions; each further step: 3 more', async () => {
    const h = await harness();

    // Verified before its first step (most verifications): no execution, no state transition.
    const verified = await h.send({
      to: phone(30),
      channel: 'sms',
      cascade: [{ channel: 'voice', afterSeconds: 30 }],
    });
    expect((await h.api.check(verified.id, { code: verified.code })).body['status']).toBe('approved');
    h.s.clock.advance(30);
    const before = h.reads();
    await h.workflow.schedule(verified.id, 0);
    await vi.waitFor(() => expect(h.reads()).toBe(before + 1), { timeout: 30_000, interval: 5 });
    await settle();
    expect(h.workflow.executions.size + h.workflow.runs.length).toBe(0);

    // Still pending when its one step is due: one execution, 3 transitions.
    const oneStep = await h.send({
      to: phone(31),
      channel: 'sms',
      cascade: [{ channel: 'voice', afterSeconds: 30 }],
    });
    h.s.clock.advance(30);
    await h.workflow.schedule(oneStep.id, 0);
    await vi.waitFor(() => expect(h.workflow.executions.has(oneStep.id)).toBe(true), {
      timeout: 30_000,
      interval: 5,
    });
    const one = await h.ended(oneStep.id);
    expect(one.output).toEqual({ verificationId: oneStep.id, done: true });
    expect(entered(one)).toEqual([STATE.place, STATE.more, STATE.done]);
    expect(entered(one)).toHaveLength(3);

    // Three steps: each further step adds WaitForNextStep, PlaceDueSteps, MoreSteps.
    const threeSteps = await h.send({
      to: phone(32),
      channel: 'sms',
      cascade: [
        { channel: 'voice', afterSeconds: 30 },
        { channel: 'email', to: email(32), afterSeconds: 30 },
        { channel: 'sms', afterSeconds: 30 },
      ],
    });
    h.s.clock.advance(30);
    expect(await h.start(threeSteps.id)).toBe('started');
    const three = await h.ended(threeSteps.id);
    expect(entered(three)).toHaveLength(3 + 2 * 3);
    expect(h.workflow.executions.size).toBe(2);
  });
});
