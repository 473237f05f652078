/**
 * Conversion feedback end to end over DynamoDB Local: sends through the feedback-capable providers
 * (End User Messaging SMS, Notify; their SDK mocked at the edge) record the latest message's id on the
 * verification, and the approval's stream record, fed to the deployed stream handler
 * (functions/handlers/activity.ts), reports exactly that message RECEIVED. The default path (no
 * feedback) stays one DynamoDB request; a failed record never fails the send.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import {
  PinpointSMSVoiceV2Client,
  PutMessageFeedbackCommand,
  SendNotifyVoiceMessageCommand,
  SendTextMessageCommand,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { EndUserMessagingSmsSender } from '../../functions/adapters/end-user-messaging-sms-sender.ts';
import { NotifySender } from '../../functions/adapters/notify-sender.ts';
import { placeDueSteps } from '../../functions/core/cascade-step.ts';
import type { CascadeScheduler, Senders } from '../../functions/core/ports.ts';
import { localDynamoDbClient } from '../../local/dynamodb-local.ts';
import { enableStream, StreamReader, StreamsApi } from '../../local/dynamodb-streams.ts';
import { auditedServices } from '../support/audit.ts';
import { wrongCodeFor } from '../support/codes.ts';
import { routes } from '../support/service.ts';
import { countingClient, idOf } from './helpers.ts';

const services = auditedServices();
const smsVoice = mockClient(PinpointSMSVoiceV2Client);
const eventBridge = mockClient(EventBridgeClient);
const phone = (i: number) => `+1415555${String(700 + i).padStart(4, '0')}`;
const noWait = async () => {};

let handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;
beforeAll(async () => {
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', '');
  ({ handler } = await import('../../functions/handlers/activity.ts'));
});
afterAll(() => {
  vi.unstubAllEnvs();
  smsVoice.restore();
  eventBridge.restore();
});

let sequence = 0;
beforeEach(() => {
  smsVoice.reset();
  // Every send answers a fresh message id, so a test can tell which message was reported.
  smsVoice.on(SendTextMessageCommand).callsFake(() => ({ MessageId: `sms-${++sequence}` }));
  smsVoice.on(SendNotifyVoiceMessageCommand).callsFake(() => ({ MessageId: `call-${++sequence}` }));
  smsVoice.on(PutMessageFeedbackCommand).callsFake((input: { MessageId: string }) => ({
    MessageId: input.MessageId,
    MessageFeedbackStatus: 'RECEIVED',
  }));
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => ({
    FailedEntryCount: 0,
    Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `event-${i}` })),
  }));
});

const smsVoiceClient = () =>
  new PinpointSMSVoiceV2Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });

/** A DynamoDB client that runs `before` ahead of the send's feedback-id write (to fail or slow it). */
function clientWhoseFeedbackRecord(before: () => Promise<unknown>) {
  const { client } = countingClient();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = (args as { input?: { UpdateExpression?: string } }).input;
      if (
        context.commandName === 'UpdateItemCommand' &&
        input?.UpdateExpression?.includes('#feedbackMessageId =')
      ) {
        await before();
      }
      return next(args);
    },
    { step: 'initialize', name: 'aroundFeedbackRecord' },
  );
  return client;
}

/** A feedback service with one verification by SMS whose voice step is due now (30 s on). */
async function withVoiceStepDue(n: number) {
  const service = await feedbackService();
  const id = idOf(
    await service.api.send({
      to: phone(n),
      channel: 'sms',
      cascade: [{ channel: 'voice', afterSeconds: 30 }],
    }),
  );
  const code = service.codeOf();
  service.s.clock.advance(30);
  return { ...service, id, code };
}

/**
 * A service whose SMS goes through End User Messaging and whose calls through Notify (both ask for
 * feedback), email to the outbox (no feedback), with the cascade's scheduler recorded, and a reader of
 * its table's stream that feeds the stream handler.
 */
async function feedbackService(
  options: { client?: ReturnType<typeof localDynamoDbClient>; feedbackWriteTimeoutMs?: number } = {},
) {
  const sms = new EndUserMessagingSmsSender(smsVoiceClient(), {
    protectConfigurationId: 'protect-01',
    sleep: noWait,
  });
  const voice = new NotifySender(smsVoiceClient(), {
    configurationId: 'nc-0123456789abcdef0',
    sleep: noWait,
  });
  let outboxSenders: Senders = {};
  const senders: Senders = {
    sms,
    voice,
    email: { send: (message) => outboxSenders.email!.send(message) },
  };
  const cascade: CascadeScheduler = { async schedule() {} };
  const s = await services.create({
    senders,
    cascade,
    // The production bound (200 ms) is for DynamoDB in AWS; a busy test machine gets a generous one.
    storeOptions: { feedbackWriteTimeoutMs: options.feedbackWriteTimeoutMs ?? 30_000 },
    ...(options.client ? { client: options.client } : {}),
  });
  outboxSenders = s.outbox.senders();
  const client = localDynamoDbClient(inject('dynamodbEndpoint'));
  const reader = new StreamReader(new StreamsApi(client), await enableStream(client, s.tableName));
  /** Runs the stream handler on what the stream holds since the last call: the feedback it reported. */
  const stream = async () => {
    smsVoice.resetHistory();
    const records = await reader.read();
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await handler({ Records: records })).toEqual({ batchItemFailures: [] });
    } finally {
      stdout.mockRestore();
    }
    return smsVoice.commandCalls(PutMessageFeedbackCommand).map((call) => call.args[0].input);
  };
  const feedbackIdOf = async (id: string) => (await s.api.deps.store.get(id))?.feedbackMessageId;
  const codeOf = () => {
    const text = smsVoice.commandCalls(SendTextMessageCommand).at(-1)!.args[0].input.MessageBody!;
    return /\b(\d{6})\b/.exec(text)![1]!;
  };
  return { s, api: routes(s), stream, feedbackIdOf, codeOf };
}

const received = (MessageId: string) => ({ MessageId, MessageFeedbackStatus: 'RECEIVED' });

describe('conversion feedback, from the send to the approval’s stream record', () => {
  it('an SMS through End User Messaging: its id is recorded, and the approval reports it RECEIVED, once', async () => {
    const { api, stream, feedbackIdOf, codeOf } = await feedbackService();
    const id = idOf(await api.send({ to: phone(1), channel: 'sms', voiceFallback: false }));
    expect(smsVoice.commandCalls(SendTextMessageCommand)[0]!.args[0].input.MessageFeedbackEnabled).toBe(true);
    const sent = `sms-${sequence}`;
    const code = codeOf();
    expect(await feedbackIdOf(id)).toBe(sent);
    expect(await stream()).toEqual([]); // the send and the id's record: nothing approved yet

    expect((await api.check(id, { code: wrongCodeFor(code) })).body['status']).toBe('pending');
    expect((await api.check(id, { code })).body['status']).toBe('approved');
    expect(await stream()).toEqual([received(sent)]);
    expect(await stream()).toEqual([]);
  });

  it('a resend by voice (Notify) replaces the id: the call is the message reported', async () => {
    const { s, api, stream, feedbackIdOf, codeOf } = await feedbackService();
    const id = idOf(await api.send({ to: phone(2), channel: 'sms', voiceFallback: false }));
    const code = codeOf();
    s.clock.advance(31);
    expect((await api.send({ to: phone(2), channel: 'voice' })).status).toBe(200);
    const call = `call-${sequence}`;
    expect(await feedbackIdOf(id)).toBe(call);
    expect((await api.check(id, { code })).body['status']).toBe('approved');
    expect(await stream()).toEqual([received(call)]);
  });

  it('a cascade’s voice step records its call in the write that finishes the step; the approval reports it', async () => {
    const { s, api, stream, feedbackIdOf, id, code } = await withVoiceStepDue(3);
    expect(await placeDueSteps(s.api.deps, id)).toEqual({ done: true });
    const call = `call-${sequence}`;
    expect(smsVoice.commandCalls(SendNotifyVoiceMessageCommand)).toHaveLength(1);
    expect(await feedbackIdOf(id)).toBe(call);
    expect((await api.check(id, { code })).body['status']).toBe('approved');
    expect(await stream()).toEqual([received(call)]);
  });

  it('a resend while a step is being sent keeps its own id: the step finishes without overwriting it', async () => {
    const { s, api, stream, feedbackIdOf, id, code } = await withVoiceStepDue(6);
    // The app resends by SMS while the provider is still taking the step's call.
    let resent = '';
    smsVoice.on(SendNotifyVoiceMessageCommand).callsFake(async () => {
      s.clock.advance(31);
      expect((await api.send({ to: phone(6), channel: 'sms' })).status).toBe(200);
      resent = `sms-${sequence}`;
      return { MessageId: `call-${++sequence}` };
    });
    expect(await placeDueSteps(s.api.deps, id)).toEqual({ done: true });
    expect(await feedbackIdOf(id)).toBe(resent);
    expect((await api.get(id)).body['cascade']).toMatchObject([{ channel: 'voice', status: 'sent' }]);
    expect((await api.check(id, { code })).body['status']).toBe('approved');
    expect(await stream()).toEqual([received(resent)]);
  });

  it('a later message without feedback (an email step) removes the SMS’s id: its approval reports nothing', async () => {
    const { s, api, stream, feedbackIdOf, codeOf } = await feedbackService();
    const id = idOf(
      await api.send({
        to: phone(4),
        channel: 'sms',
        cascade: [{ channel: 'email', to: 'ada@example.com', afterSeconds: 30 }],
      }),
    );
    const code = codeOf();
    expect(await feedbackIdOf(id)).toBe(`sms-${sequence}`);
    s.clock.advance(30);
    await placeDueSteps(s.api.deps, id);
    expect(s.outbox.messages.map((m) => m.channel)).toEqual(['email']);
    expect(await feedbackIdOf(id)).toBeUndefined();
    expect((await api.check(id, { code })).body['status']).toBe('approved');
    expect(await stream()).toEqual([]);
  });
});

describe('the send path', () => {
  it('SNS and the other channels make no extra request; a feedback send makes one conditional UpdateItem', async () => {
    const { client, counts } = countingClient();
    const { s, api } = await feedbackService({ client });
    counts.clear();
    await api.send({ to: 'ana@example.com', channel: 'email' });
    expect(Object.fromEntries(counts)).toEqual({ TransactWriteItems: 1 });
    counts.clear();
    await api.send({ to: phone(5), channel: 'sms', voiceFallback: false });
    expect(Object.fromEntries(counts)).toEqual({ TransactWriteItems: 1, UpdateItem: 1 });
    expect(s.logs.join('\n')).not.toMatch(/feedback message id not recorded/);
  });

  it('a record that fails never fails the send: the code is out, and the loss is logged masked', async () => {
    const client = clientWhoseFeedbackRecord(async () => {
      throw Object.assign(new Error('ProvisionedThroughputExceededException'), {
        name: 'ProvisionedThroughputExceededException',
      });
    });
    const { s, api, feedbackIdOf } = await feedbackService({ client });
    const answer = await api.send({ to: phone(6), channel: 'sms', voiceFallback: false });
    expect(answer.status).toBe(201);
    expect(await feedbackIdOf(idOf(answer))).toBeUndefined();
    const line = s.logs.find((l) => l.includes('feedback message id not recorded'));
    expect(line).toMatch(/"to":"\+1\*{8}06".*ProvisionedThroughputExceededException/);
    expect(line).not.toContain(phone(6));
  });

  it('a record slower than its bound is given up: the answer does not wait for it', async () => {
    const client = clientWhoseFeedbackRecord(() => new Promise((resolve) => setTimeout(resolve, 5_000)));
    const { s, api } = await feedbackService({ client, feedbackWriteTimeoutMs: 50 });
    const started = Date.now();
    const answer = await api.send({ to: phone(7), channel: 'sms', voiceFallback: false });
    expect(answer.status).toBe(201);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(s.logs.find((l) => l.includes('feedback message id not recorded'))).toMatch(/TimeoutError/);
  });
});
