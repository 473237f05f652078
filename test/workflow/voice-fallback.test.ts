/**
 * The voice-fallback workflow, run as Step Functions would run it: the ASL is taken from the
 * synthesized OtpStack template (references resolved), executed by aws-local-stepfunctions, its
 * DynamoDB tasks sent to DynamoDB Local exactly as the definition builds them, and its call task bound
 * to the same code the Lambda runs, with the test service's store, sealer and senders.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, inject, it, onTestFinished, vi } from 'vitest';
import { DeliveryError } from '../../functions/core/errors.ts';
import { destinationKeyOf } from '../../functions/core/ids.ts';
import type { MessageSender, WorkflowStarter } from '../../functions/core/ports.ts';
import { VOICE_CALL_REFUSED, VOICE_CALL_RETRYABLE } from '../../functions/workflow/voice-fallback-task.ts';
import {
  VOICE_FALLBACK_STATES as STATE,
  VOICE_FALLBACK_ERROR_ATTRIBUTE,
  VOICE_FALLBACK_FAILED,
} from '../../infra/voice-fallback-workflow.ts';
import { localDynamoDbClient } from '../../local/dynamodb-local.ts';
import { type LocalExecution, LocalWorkflowStarter } from '../../local/local-workflow.ts';
import { Outbox } from '../../local/outbox.ts';
import {
  type AslDefinition,
  LOCAL_VOICE_FUNCTION_ARN,
  synthesizeVoiceFallbackDefinition,
  voiceFallbackDefinitionFromTemplate,
} from '../../local/workflow-definition.ts';
import { codeOf, wrongCodeFor } from '../support/codes.ts';
import { createTestService, routes, type TestService } from '../support/service.ts';
import { FULL_PROPS, resources, synthesize } from '../support/synth.ts';

const phone = (i: number) => `+1415555${String(200 + i).padStart(4, '0')}`;

/** The OtpStack template with the voice channel, synthesized once for the file. */
let template: ReturnType<ReturnType<typeof synthesize>['template']['toJSON']>;
let tableLogicalId: string;
let functionLogicalId: string;

beforeAll(async () => {
  const synthesized = synthesize(FULL_PROPS);
  template = synthesized.template.toJSON();
  [tableLogicalId] = Object.keys(resources(synthesized.template, 'AWS::DynamoDB::Table')) as [string];
  [functionLogicalId] = Object.keys(resources(synthesized.template, 'AWS::Lambda::Function')).filter((id) =>
    id.startsWith('OtpServiceVoiceFallbackFunction'),
  ) as [string];
  // The first service and the first state machine (aws-local-stepfunctions compiles its ASL schema)
  // cost about a second here, and many more on a machine busy with other work: paid once under the
  // hook's timeout, so no test's own timeout has to cover them.
  const warm = await createTestService();
  await new LocalWorkflowStarter({
    client: localDynamoDbClient(inject('dynamodbEndpoint')),
    tableName: warm.tableName,
    waitMs: 0,
    log: warm.api.deps.log,
    definition: definitionFor(warm.tableName),
  }).ready();
});

/** The deployed definition for a test table: CloudFormation's references filled in. */
function definitionFor(tableName: string): AslDefinition {
  return voiceFallbackDefinitionFromTemplate(template, {
    refs: { [tableLogicalId]: tableName },
    getAtts: { [`${functionLogicalId}.Arn`]: LOCAL_VOICE_FUNCTION_ARN },
  });
}

interface Harness {
  s: TestService;
  api: ReturnType<typeof routes>;
  workflow: LocalWorkflowStarter;
  /** Ids the start route asked the workflow to start. */
  started: string[];
  /** The messages (sms and voice) when the test brings its own senders. */
  box: Outbox;
  send(to: string): Promise<{ id: string; code: string }>;
  item(id: string): Promise<Record<string, { S?: string; N?: string; BOOL?: boolean }> | undefined>;
  /** With `holdReads`: lets the workflow's read (the first state after the wait) go on. */
  releaseReads(): void;
  /** Every code and full number `send` sent: no execution of this harness may hold one. */
  secrets: Set<string>;
}

/** Where an execution's input, output, error or history holds one of `secrets`, as findings. */
function secretsIn(workflow: LocalWorkflowStarter, secrets: Set<string>): string[] {
  const findings: string[] = [];
  for (const execution of [...workflow.executions.values(), ...workflow.runs]) {
    const text = JSON.stringify([execution.input, execution.output, execution.error, execution.events]);
    for (const secret of secrets) if (text.includes(secret)) findings.push(`${execution.name}: ${secret}`);
  }
  return findings;
}

/**
 * A client of the run's DynamoDB Local whose GetItem requests wait until `release()`: given to the
 * workflow alone, it holds each execution right after its wait, for as long as the test needs, so what
 * the test sees "during the wait" does not depend on how fast a busy machine gets there.
 */
function heldReadsClient() {
  const client = localDynamoDbClient(inject('dynamodbEndpoint'));
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetItemCommand') await released;
      return next(args);
    },
    { step: 'initialize', name: 'holdReads' },
  );
  return { client, release };
}

/**
 * A test service whose start route starts executions on a local workflow over the same table. With
 * `waitMs` the background executions really wait, and with `holdReads` they stop after the wait until
 * `releaseReads()`; the tests that run executions by hand use `run`. When the test ends, the workflow
 * stops and every execution it ran is scanned for the codes and numbers the harness sent.
 */
async function harness(
  options: {
    waitMs?: number;
    voice?: (box: Outbox) => MessageSender;
    background?: boolean;
    holdReads?: boolean;
  } = {},
): Promise<Harness> {
  const started: string[] = [];
  const secrets = new Set<string>();
  let workflow: LocalWorkflowStarter | undefined;
  const proxy: WorkflowStarter = {
    async startVoiceFallback(id) {
      started.push(id);
      if (options.background) await workflow!.startVoiceFallback(id);
    },
  };
  const box = new Outbox(() => s.clock.now);
  const senders = { ...box.senders(), ...(options.voice ? { voice: options.voice(box) } : {}) };
  const client = localDynamoDbClient(inject('dynamodbEndpoint'));
  const s: TestService = await createTestService({ workflow: proxy, senders, client });
  const reads = options.holdReads ? heldReadsClient() : { client, release() {} };
  workflow = new LocalWorkflowStarter({
    client: reads.client,
    tableName: s.tableName,
    waitMs: options.waitMs ?? 0,
    log: s.api.deps.log,
    retryIntervalOverrides: { [STATE.call]: 0, [STATE.read]: 0, [STATE.recordFailure]: 0 },
    definition: definitionFor(s.tableName),
  }).attach(s.api.deps);
  const own = workflow;
  onTestFinished(async () => {
    await own.stop();
    expect(secretsIn(own, secrets)).toEqual([]);
  });
  const api = routes(s);
  return {
    s,
    api,
    workflow,
    started,
    box,
    releaseReads: reads.release,
    secrets,
    async send(to) {
      secrets.add(to).add(to.slice(1));
      const sent = await api.send({ to, channel: 'sms' });
      expect(sent.status, JSON.stringify(sent.body)).toBe(201);
      const sms = box.messages.filter((m) => m.channel === 'sms' && m.to === to).at(-1)!;
      const code = codeOf(sms);
      secrets.add(code).add([...code].join(' '));
      return { id: sent.body['id'] as string, code };
    },
    async item(id) {
      const { Item } = await client.send(
        new GetItemCommand({
          TableName: s.tableName,
          Key: { pk: { S: `v#${destinationKeyOf(id)}` } },
          ConsistentRead: true,
        }),
      );
      return Item as Record<string, { S?: string; N?: string; BOOL?: boolean }> | undefined;
    },
  };
}

const voiceMessages = (h: Harness) => h.box.messages.filter((m) => m.channel === 'voice');
const entered = (e: LocalExecution) =>
  (e.events as Array<{ type: string; state?: { name: string } }>)
    .filter((event) => event.type === 'StateEntered')
    .map((event) => event.state!.name);
/** Milliseconds between entering and leaving the wait state, by the execution's event log. */
const waited = (e: LocalExecution) => {
  const at = (type: string) =>
    (e.events as Array<{ type: string; timestamp: number; state?: { name: string } }>).find(
      (event) => event.type === type && event.state?.name === STATE.wait,
    )?.timestamp ?? Number.NaN;
  return at('StateExited') - at('StateEntered');
};
const retries = (e: LocalExecution, state: string) =>
  (e.events as Array<{ type: string; state?: { name: string } }>).filter(
    (event) => event.type === 'StateRetried' && event.state?.name === state,
  ).length;

describe('Voice fallback: the definition', () => {
  it('is the one in the synthesized OtpStack template, and local mode synthesizes the same', () => {
    const deployed = definitionFor('onetime-local');
    expect(Object.keys(deployed.States).sort()).toEqual(Object.values(STATE).sort());
    expect(
      synthesizeVoiceFallbackDefinition({
        tableName: 'onetime-local',
        functionArn: LOCAL_VOICE_FUNCTION_ARN,
      }),
    ).toEqual(deployed);
  });

  it('reads the verification with a consistent, projected GetItem: no sealed code or number can come back', () => {
    const read = definitionFor('t').States[STATE.read]!;
    expect(read['Resource']).toBe('arn:aws:states:::dynamodb:getItem');
    expect(read['Parameters']).toMatchObject({ TableName: 't', ConsistentRead: true });
    const projection = (read['Parameters'] as { ProjectionExpression: string }).ProjectionExpression;
    const names = (read['Parameters'] as { ExpressionAttributeNames: Record<string, string> })
      .ExpressionAttributeNames;
    expect(projection.split(',').map((name) => names[name] ?? name)).toEqual([
      'id',
      'status',
      'voiceFallback',
      'voiceCall',
    ]);
  });
});

describe('Voice fallback: executions', () => {
  it('calls an unverified SMS verification once, reading the same code, which then approves', async () => {
    const h = await harness();
    const { id, code } = await h.send(phone(1));
    expect(h.started).toEqual([id]);
    h.s.clock.advance(60);

    const execution = await h.workflow.run({ verificationId: id });
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toEqual({ verificationId: id, called: true });
    // Standard bills state transitions: measured here for docs/voice-fallback.md.
    expect(entered(execution)).toEqual([STATE.wait, STATE.read, STATE.decide, STATE.call]);

    const calls = voiceMessages(h);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ channel: 'voice', to: phone(1), verificationId: id });
    expect(codeOf(calls[0]!)).toBe(code);
    expect(calls[0]!.ssml).toContain('<speak>');
    expect((await h.item(id))?.['voiceCall']).toEqual({ S: 'called' });

    const check = await h.api.check(id, { code: codeOf(calls[0]!) });
    expect(check.body).toMatchObject({ status: 'approved', valid: true });
  });

  it('starts from the send handler, named after the id, and calls after the wait (in the background)', async () => {
    const waitMs = 150;
    const h = await harness({ waitMs, background: true, holdReads: true });
    const { id, code } = await h.send(phone(2));
    expect([...h.workflow.executions.keys()]).toEqual([id]);
    // The send has answered and its execution runs on: nothing read, nothing called (reads are held).
    const execution = h.workflow.executions.get(id)!;
    expect(execution.status).toBe('RUNNING');
    expect(entered(execution)).not.toContain(STATE.decide);
    expect(voiceMessages(h)).toHaveLength(0);

    h.s.clock.advance(60);
    h.releaseReads();
    await h.workflow.idle();
    expect(execution).toMatchObject({
      status: 'SUCCEEDED',
      input: { verificationId: id },
      output: { verificationId: id, called: true },
    });
    expect(entered(execution)).toEqual([STATE.wait, STATE.read, STATE.decide, STATE.call]);
    // It really waited, by its own event times (a busy machine only makes that longer; the 10 ms
    // allow for timers and Date.now() rounding to whole milliseconds in different ways).
    expect(waited(execution)).toBeGreaterThanOrEqual(waitMs - 10);
    expect(voiceMessages(h).map(codeOf)).toEqual([code]);
  });

  it('a resend starts no second workflow, and a duplicate start of the same name is a no-op', async () => {
    const h = await harness({ waitMs: 100, background: true, holdReads: true });
    const { id } = await h.send(phone(3));
    h.s.clock.advance(31);
    const resent = await h.api.send({ to: phone(3), channel: 'sms' });
    expect([resent.status, resent.body['id']]).toEqual([200, id]);
    expect(h.started).toEqual([id]);
    await h.workflow.startVoiceFallback(id);
    expect(h.workflow.executions.size).toBe(1);

    h.s.clock.advance(29); // the end of the 60 s wait
    h.releaseReads();
    await h.workflow.idle();
    expect(h.workflow.executions.get(id)).toMatchObject({ output: { verificationId: id, called: true } });
    expect(voiceMessages(h)).toHaveLength(1);
  });

  it('does not call a verification approved before the wait ended', async () => {
    const h = await harness();
    const { id, code } = await h.send(phone(4));
    expect((await h.api.check(id, { code })).body).toMatchObject({ status: 'approved' });
    const execution = await h.workflow.run({ verificationId: id });
    expect(execution.output).toEqual({ verificationId: id, called: false });
    expect(entered(execution)).toEqual([STATE.wait, STATE.read, STATE.decide, STATE.noCall]);
    expect(voiceMessages(h)).toHaveLength(0);
  });

  it('does not call a canceled verification', async () => {
    const h = await harness();
    const { id } = await h.send(phone(5));
    expect((await h.api.cancel(id)).status).toBe(200);
    const execution = await h.workflow.run({ verificationId: id });
    expect(execution.output).toEqual({ verificationId: id, called: false });
    expect(entered(execution)).not.toContain(STATE.call);
    expect(voiceMessages(h)).toHaveLength(0);
  });

  it('does not call an expired verification (the call task decides expiry with its conditional write)', async () => {
    const h = await harness();
    const { id } = await h.send(phone(6));
    h.s.clock.advance(301);
    const execution = await h.workflow.run({ verificationId: id });
    expect(execution).toMatchObject({ status: 'SUCCEEDED', output: { verificationId: id, called: false } });
    expect(voiceMessages(h)).toHaveLength(0);
    expect((await h.item(id))?.['voiceCall']).toBeUndefined();
  });

  it('does not call when the attempts are used up, nor when the verification is gone or replaced', async () => {
    const h = await harness();
    const { id, code } = await h.send(phone(7));
    for (let i = 0; i < 5; i++) await h.api.check(id, { code: wrongCodeFor(code) });
    expect((await h.workflow.run({ verificationId: id })).output).toEqual({
      verificationId: id,
      called: false,
    });

    const unknown = `${id.split('.')[0]}.AAAAAAAAAAAAAA`;
    expect((await h.workflow.run({ verificationId: unknown })).output).toEqual({
      verificationId: unknown,
      called: false,
    });
    const nowhere = `${'A'.repeat(22)}.${'B'.repeat(14)}`;
    expect((await h.workflow.run({ verificationId: nowhere })).output).toEqual({
      verificationId: nowhere,
      called: false,
    });
    expect(voiceMessages(h)).toHaveLength(0);
  });

  it('calls once when the same execution runs twice, one after the other or at the same time', async () => {
    const h = await harness();
    const { id: first } = await h.send(phone(8));
    const runs = [
      await h.workflow.run({ verificationId: first }),
      await h.workflow.run({ verificationId: first }),
    ];
    expect(runs.map((e) => e.output)).toEqual([
      { verificationId: first, called: true },
      { verificationId: first, called: false },
    ]);

    const { id: second } = await h.send(phone(9));
    const together = await Promise.all(
      Array.from({ length: 5 }, () => h.workflow.run({ verificationId: second })),
    );
    expect(together.filter((e) => (e.output as { called: boolean }).called)).toHaveLength(1);
    expect(voiceMessages(h).map((m) => m.verificationId)).toEqual([first, second]);
  });

  it('retries a call the provider throttled, with backoff, and calls once it passes', async () => {
    let attempts = 0;
    const h = await harness({
      voice: (box) => ({
        async send(message) {
          attempts++;
          if (attempts <= 2) throw new DeliveryError('voice delivery failed: ThrottlingException', true);
          return box.senders().voice.send(message);
        },
      }),
    });
    const { id, code } = await h.send(phone(10));
    const execution = await h.workflow.run({ verificationId: id });
    expect(execution.output).toEqual({ verificationId: id, called: true });
    expect(attempts).toBe(3);
    expect(retries(execution, STATE.call)).toBe(2);
    expect(voiceMessages(h).map(codeOf)).toEqual([code]);
  });

  it('gives up on a call that keeps failing: retried, then caught, recorded on the verification, and failed', async () => {
    let attempts = 0;
    const h = await harness({
      voice: () => ({
        async send() {
          attempts++;
          throw new DeliveryError('voice delivery failed: ServiceUnavailable (HTTP 503)', true);
        },
      }),
    });
    const { id } = await h.send(phone(11));
    const execution = await h.workflow.run({ verificationId: id });

    // The retrier's MaxAttempts (3) retries after the first attempt.
    const retrier = (
      definitionFor('t').States[STATE.call]!['Retry'] as Array<{ ErrorEquals: string[]; MaxAttempts: number }>
    ).find((r) => r.ErrorEquals.includes(VOICE_CALL_RETRYABLE))!;
    expect(attempts).toBe(1 + retrier.MaxAttempts);
    expect(retries(execution, STATE.call)).toBe(retrier.MaxAttempts);
    expect(entered(execution).slice(-2)).toEqual([STATE.recordFailure, STATE.failed]);
    expect(execution).toMatchObject({
      status: 'FAILED',
      error: { error: VOICE_FALLBACK_FAILED, cause: VOICE_CALL_RETRYABLE },
    });
    const item = await h.item(id);
    expect(item?.['voiceCall']).toEqual({ S: 'failed' });
    expect(item?.[VOICE_FALLBACK_ERROR_ATTRIBUTE]).toEqual({ S: VOICE_CALL_RETRYABLE });
    expect(voiceMessages(h)).toHaveLength(0);
    // The SMS code still works: a failed fallback closes nothing.
    expect((await h.api.get(id)).body).toMatchObject({ status: 'pending' });
  });

  it('does not retry a call the provider refused: caught at once and recorded', async () => {
    const h = await harness();
    const { id } = await h.send(phone(12));
    h.box.failNext(1);
    const execution = await h.workflow.run({ verificationId: id });
    expect(retries(execution, STATE.call)).toBe(0);
    expect(execution).toMatchObject({
      status: 'FAILED',
      error: { error: VOICE_FALLBACK_FAILED, cause: VOICE_CALL_REFUSED },
    });
    expect((await h.item(id))?.[VOICE_FALLBACK_ERROR_ATTRIBUTE]).toEqual({ S: VOICE_CALL_REFUSED });
  });

  it('ends without a call for an id that names nothing, and fails visibly on an input without one', async () => {
    const h = await harness();
    expect((await h.workflow.run({ verificationId: 'not-an-id' })).output).toEqual({
      verificationId: 'not-an-id',
      called: false,
    });
    expect((await h.workflow.run({})).status).toBe('FAILED');
    expect(voiceMessages(h)).toHaveLength(0);
  });

  it('stop() aborts executions that are still waiting', async () => {
    const waitMs = 600_000;
    const h = await harness({ waitMs, background: true });
    const { id } = await h.send(phone(13));
    const execution = h.workflow.executions.get(id)!;
    await vi.waitFor(() => expect(entered(execution)).toEqual([STATE.wait]), {
      timeout: 30_000,
      interval: 10,
    });

    const began = Date.now();
    await h.workflow.stop();
    // Ended by the abort, not by the ten-minute wait: far sooner than that, however busy the machine.
    expect(Date.now() - began).toBeLessThan(waitMs / 20);
    expect(execution.status).toBe('ABORTED');
    expect(entered(execution)).toEqual([STATE.wait]);
    await expect(h.workflow.startVoiceFallback(id)).rejects.toThrow(/stopped/);
    expect(voiceMessages(h)).toHaveLength(0);
  }, 60_000);

  it('no execution input, output, error or history holds a code or a full number', async () => {
    // Every way an execution ends: a call, no call (approved in time), a refused call, a call that
    // keeps failing, and a call from an execution the send handler started. (Every other test's
    // executions are scanned the same way when it ends.)
    const h = await harness();
    const called = await h.send(phone(14));
    const approved = await h.send(phone(15));
    expect((await h.api.check(approved.id, { code: approved.code })).body['status']).toBe('approved');
    const refused = await h.send(phone(16));
    const runs = [
      await h.workflow.run({ verificationId: called.id }),
      await h.workflow.run({ verificationId: approved.id }),
    ];
    h.box.failNext(1);
    runs.push(await h.workflow.run({ verificationId: refused.id }));
    const failing = await harness({
      voice: () => ({
        async send() {
          throw new DeliveryError('voice delivery failed: ServiceUnavailable (HTTP 503)', true);
        },
      }),
    });
    runs.push(await failing.workflow.run({ verificationId: (await failing.send(phone(17))).id }));
    const background = await harness({ background: true });
    await background.send(phone(18));
    await background.workflow.idle();
    expect(runs.map((e) => [e.status, e.output])).toEqual([
      ['SUCCEEDED', { verificationId: called.id, called: true }],
      ['SUCCEEDED', { verificationId: approved.id, called: false }],
      ['FAILED', undefined],
      ['FAILED', undefined],
    ]);
    expect([...background.workflow.executions.values()].map((e) => e.output)).toEqual([
      { verificationId: expect.any(String), called: true },
    ]);

    const harnesses = [h, failing, background];
    const executions = harnesses.flatMap((x) => [...x.workflow.executions.values(), ...x.workflow.runs]);
    expect(executions).toHaveLength(5);
    for (const execution of executions) expect(execution.events.length, execution.name).toBeGreaterThan(0);
    expect(harnesses.reduce((n, x) => n + x.secrets.size, 0)).toBe(20);
    expect(harnesses.flatMap((x) => secretsIn(x.workflow, x.secrets))).toEqual([]);
  });
});
