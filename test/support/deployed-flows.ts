/**
 * The contract's flows, driven through a deployed stack's functions (test/support/deployed-stack.ts)
 * with the events their triggers send: API Gateway proxy events, the cascade queue's SQS records and
 * the workflow task's input (taken from what the functions sent), the table's stream records, delivery
 * receipts, Cognito's trigger events, the key rotation's schedule.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DynamoDBRecord } from 'aws-lambda';
import { expect } from 'vitest';
import { ALPHANUMERIC } from '../../functions/core/codes.ts';
import { CustomAuthFlow } from '../../local/cognito/sessions.ts';
import type { UserSeed } from '../../local/cognito/users.ts';
import { StreamReader, StreamsApi } from '../../local/dynamodb-streams.ts';
import type { RecordedCall } from './aws-endpoints.ts';
import { wrongCodeFor } from './codes.ts';
import type { DeployedStack } from './deployed-stack.ts';
import {
  cloudWatchLogsEvent,
  sesEvent,
  snsSmsLogLine,
  snsTime,
  voiceSnsEvent,
  whatsAppSnsEvent,
} from './receipt-events.ts';
import { sqsEvent } from './sqs-event.ts';

/** A code as the start function's settings make it: its length, digits or ALPHANUMERIC's symbols. */
function codePattern(stack: DeployedStack): RegExp {
  const env = stack.environmentOf('start');
  const length = Number(env['OTP_CODE_LENGTH'] ?? 6);
  const symbols = env['OTP_CODE_ALPHABET'] === 'alphanumeric' ? `[${ALPHANUMERIC}]` : '\\d';
  return new RegExp(`(?<![0-9A-Za-z])${symbols}{${length}}(?![0-9A-Za-z])`);
}

/**
 * The code in the newest message to `to`, whichever function sent it and on whichever channel: the
 * text of an SMS, an email or a push notification, the characters a call spells out, the body
 * parameter of a WhatsApp authentication template, Notify's `code` template variable.
 */
export function lastCode(stack: DeployedStack, to: string): string {
  const sent = stack.endpoints.calls.filter((call) => destinationOf(call) === to).at(-1);
  if (!sent) throw new Error(`nothing was sent to ${to}`);
  const code = codePattern(stack).exec(textOf(sent))?.[0];
  if (!code) throw new Error(`no code in the ${sent.service} message to ${to}`);
  return code;
}

/** The words a message shows or says, with the code in them as a person would read it. */
function textOf(call: RecordedCall): string {
  const { input } = call;
  switch (call.service) {
    case 'sms-voice': {
      // Notify: the template's `code` variable (a call's reads "4. 8. 2.", digits apart).
      const variables = input['TemplateVariables'] as { code?: string } | undefined;
      if (variables)
        return String(variables.code ?? '')
          .replace(/\.? /g, '')
          .replace(/\.$/, '');
      // SendTextMessage: the text as it is.
      if (call.operation === 'SendTextMessage') return String(input['MessageBody']);
      // SSML: the code one character at a time, each in its own <say-as>, read twice.
      const spelled = [...String(input['MessageBody']).matchAll(/<say-as[^>]*>([^<]*)<\/say-as>/g)].map(
        (match) => match[1],
      );
      const half = spelled.length / 2;
      return `${spelled.slice(0, half).join('')} ${spelled.slice(half).join('')}`;
    }
    case 'social-messaging': {
      const message = whatsAppMessage(call);
      const body = message.template.components.find((component) => component.type === 'body');
      return body?.parameters.map((parameter) => parameter.text).join(' ') ?? '';
    }
    case 'sns':
      // A push is `MessageStructure: 'json'`: the notification's text is each platform's, `default` too.
      return input['MessageStructure'] === 'json'
        ? String((JSON.parse(String(input['Message'])) as { default: string }).default)
        : String(input['Message']);
    default:
      return String(input['Message.Body.Text.Data'] ?? input['Message'] ?? '');
  }
}

interface WhatsAppTemplateMessage {
  to: string;
  template: { components: Array<{ type: string; parameters: Array<{ text: string }> }> };
}

/** The Cloud API message object a SendWhatsAppMessage carries (its `message` blob, base64 on the wire). */
function whatsAppMessage(call: RecordedCall): WhatsAppTemplateMessage {
  return JSON.parse(
    Buffer.from(String(call.input['message']), 'base64').toString('utf8'),
  ) as WhatsAppTemplateMessage;
}

function destinationOf(call: RecordedCall): string | undefined {
  const { input } = call;
  if (call.service === 'social-messaging') return whatsAppMessage(call).to;
  return (input['PhoneNumber'] ??
    input['TargetArn'] ??
    input['Destination.ToAddresses.member.1'] ??
    input['DestinationPhoneNumber']) as string | undefined;
}

/** The formatting rule of US numbers in libphonenumber-js's metadata; never in a deployed bundle. */
const US_FORMAT = '"($1) $2-$3"';
/** The pattern of US national numbers: a parsing rule, in every bundle that reads phone numbers. */
const US_PATTERN = '"[2-9]\\\\d{9}|3\\\\d{6}"';

/**
 * Phone numbers in the deployed start function, whose bundle carries libphonenumber-js's metadata
 * without its formatting rules (infra/phone-metadata.ts) and must answer as the full set does: inside
 * the shared +1, a Canadian number is sent to and a Jamaican one is refused as a country not allowed;
 * a valid Russian number is refused the same way, and one digit short it is no number at all (which
 * error wins is unchanged). Takes a stack that allows US and CA, and neither JM nor RU.
 */
export async function phoneNumbersFlow(stack: DeployedStack): Promise<void> {
  const allowed = stack.environmentOf('start')['OTP_ALLOWED_COUNTRIES']?.split(',') ?? [];
  expect(allowed).toEqual(expect.arrayContaining(['US', 'CA']));
  expect(allowed).not.toContain('*');
  expect(allowed).not.toContain('JM');
  expect(allowed).not.toContain('RU');
  const dir = dirname(stack.bundleOf('start'));
  const bundle = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.mjs'))
    .map((file) => readFileSync(join(dir, file), 'utf8'))
    .join('\n');
  expect(readFileSync(new URL(import.meta.resolve('libphonenumber-js/metadata.min.json')), 'utf8')).toContain(
    US_FORMAT,
  );
  // Booleans, not the bundle: a failure names the rule rather than printing 400 KB.
  expect({ usNumbersPattern: bundle.includes(US_PATTERN), usFormat: bundle.includes(US_FORMAT) }).toEqual({
    usNumbersPattern: true,
    usFormat: false,
  });

  const start = (to: string) =>
    stack.api('POST', '/v1/verifications', { to, channel: 'sms', voiceFallback: false });
  const canada = await start('+1 506 234 5678');
  expect(canada.statusCode, JSON.stringify(canada.body)).toBe(201);
  expect(canada.body['to']).toBe('+1********78');
  for (const [to, code] of [
    ['+1 876 210 1234', 'country_not_allowed'],
    ['+7 912 345 67 89', 'country_not_allowed'],
    ['+7 912 345 67 8', 'invalid_request'],
  ] as const) {
    const refused = await stack.api('POST', '/v1/verifications', { to, channel: 'sms' });
    expect({ to, status: refused.statusCode, error: refused.body['error'] }).toMatchObject({
      to,
      status: 400,
      error: { code, field: 'to' },
    });
  }
}

/** start → check (wrong, right) → status; a second start cancelled twice; Idempotency-Key replayed and freed. */
export async function apiFlow(stack: DeployedStack, phone: string, other: string): Promise<void> {
  const started = await stack.api('POST', '/v1/verifications', {
    to: phone,
    channel: 'sms',
    voiceFallback: false,
  });
  expect(started.statusCode, JSON.stringify(started.body)).toBe(201);
  const id = String(started.body['id']);
  const code = lastCode(stack, phone);
  const wrong = wrongCodeFor(code);
  expect((await stack.api('POST', `/v1/verifications/${id}/check`, { code: wrong })).body).toMatchObject({
    valid: false,
    status: 'pending',
  });
  expect((await stack.api('POST', `/v1/verifications/${id}/check`, { code })).body).toMatchObject({
    valid: true,
    status: 'approved',
  });
  expect((await stack.api('GET', `/v1/verifications/${id}`)).body).toMatchObject({ id, status: 'approved' });

  const key = { 'Idempotency-Key': `key-${other}` };
  const second = await stack.api(
    'POST',
    '/v1/verifications',
    { to: other, channel: 'sms', voiceFallback: false },
    key,
  );
  expect(second.statusCode).toBe(201);
  const replayed = await stack.api(
    'POST',
    '/v1/verifications',
    { to: other, channel: 'sms', voiceFallback: false },
    key,
  );
  expect(replayed.body).toEqual(second.body);
  // Within the cooldown, with a fresh key: 429, and the key is freed again (DeleteItem).
  const refused = await stack.api(
    'POST',
    '/v1/verifications',
    { to: other, channel: 'sms', voiceFallback: false },
    { 'Idempotency-Key': `again-${other}` },
  );
  expect(refused.statusCode).toBe(429);
  const otherId = String(second.body['id']);
  expect((await stack.api('DELETE', `/v1/verifications/${otherId}`)).body).toEqual({
    id: otherId,
    status: 'canceled',
  });
  expect((await stack.api('DELETE', `/v1/verifications/${otherId}`)).statusCode).toBe(409);
}

/** A start with a cascade; returns its id once the delayed SQS message that carries it was sent. */
export async function startCascade(stack: DeployedStack, request: Record<string, unknown>): Promise<string> {
  const started = await stack.api('POST', '/v1/verifications', request);
  expect(started.statusCode, JSON.stringify(started.body)).toBe(201);
  const id = String(started.body['id']);
  const message = stack.callsOf('start', 'sqs', 'SendMessage').at(-1);
  expect(message?.input['MessageBody']).toBe(JSON.stringify({ verificationId: id }));
  return id;
}

/**
 * The rest of a cascade: the delayed message (once due) delivered to the starter as an SQS record →
 * the execution it started, its input given to the step task until the workflow would end. Answers
 * the verification's GET.
 */
export async function runCascade(stack: DeployedStack, id: string): Promise<Record<string, unknown>> {
  const message = stack
    .callsOf('start', 'sqs', 'SendMessage')
    .find((call) => String(call.input['MessageBody']).includes(id))!;
  await sleep(Number(message.input['DelaySeconds'] ?? 0) * 1000);
  const event = sqsEvent(String(message.input['MessageBody']), `message-${id}`);

  expect(await stack.invoke('cascade-start', event)).toEqual({ batchItemFailures: [] });
  const execution = stack
    .callsOf('cascade-start', 'states', 'StartExecution')
    .find((call) => call.input['name'] === id);
  expect(execution, 'the starter started no execution').toBeDefined();
  let input = JSON.parse(String(execution!.input['input'])) as unknown;
  for (let round = 0; round < 10; round++) {
    const output = await stack.invoke<{ done: boolean; waitSeconds?: number }>('cascade-step', input);
    if (output.done) break;
    // The workflow's Wait state.
    await sleep((output.waitSeconds ?? 1) * 1000);
    input = output;
  }
  return (await stack.api('GET', `/v1/verifications/${id}`)).body;
}

/** Everything the table's stream holds so far, filtered as the event source mapping is (`v#` items). */
export async function activityFlow(stack: DeployedStack): Promise<void> {
  const records: DynamoDBRecord[] = await new StreamReader(
    new StreamsApi(stack.dynamodb),
    stack.streamArn,
  ).read();
  const verificationRecords = records.filter((record) => record.dynamodb?.Keys?.['pk']?.S?.startsWith('v#'));
  expect(verificationRecords.length).toBeGreaterThan(0);
  expect(await stack.invoke('activity', { Records: verificationRecords })).toEqual({ batchItemFailures: [] });
  expect(stack.callsOf('activity', 'events', 'PutEvents').length).toBeGreaterThan(0);
}

/** A receipt from each provider the stack has, for a message it sent. */
export async function receiptsFlow(
  stack: DeployedStack,
  phone: string,
  email?: string,
  whatsApp?: string,
): Promise<void> {
  const now = Date.now();
  const line = snsSmsLogLine({ destination: phone, timestamp: snsTime(now - 1000), success: true });
  await stack.invoke('delivery-receipts', cloudWatchLogsEvent([{ message: line, timestamp: now }]));
  if (email) {
    await stack.invoke(
      'delivery-receipts',
      sesEvent({ eventType: 'Delivery', destination: email, sentAt: now - 1000, at: now }),
    );
  }
  if (whatsApp) {
    // A status of the service's own number (WHATSAPP_PHONE_NUMBER_ID), relayed from the WhatsApp
    // Business Account's event topic, lands on the verification sent there.
    const summary = await stack.invoke(
      'delivery-receipts',
      whatsAppSnsEvent([{ status: 'delivered', to: whatsApp, at: now }]),
    );
    expect(summary).toEqual({ recorded: 1 });
  }
  await stack.invoke(
    'delivery-receipts',
    voiceSnsEvent([{ eventType: 'VOICE_COMPLETED', destination: phone, requestedAt: now - 1000, at: now }]),
  );
}

/** Passwordless sign-in through the three Cognito triggers: a wrong answer, then the right one. */
export async function cognitoFlow(stack: DeployedStack, user: UserSeed, to: string): Promise<void> {
  const pool = new CustomAuthFlow({
    clock: Date.now,
    users: [user],
    triggers: {
      define: (event) => stack.invoke('cognito-define', event),
      create: (event) => stack.invoke('cognito-create', event),
      verify: (event) => stack.invoke('cognito-verify', event),
    },
  });
  const started = await pool.initiateAuth({ username: user.username });
  if (started.ChallengeName !== 'CUSTOM_CHALLENGE') throw new Error('no challenge at sign-in');
  const code = lastCode(stack, to);
  const wrong = wrongCodeFor(code);
  const retry = await pool.respondToAuthChallenge({ session: started.Session, answer: wrong });
  if (retry.ChallengeName !== 'CUSTOM_CHALLENGE') throw new Error('no second challenge after a wrong code');
  const signedIn = await pool.respondToAuthChallenge({ session: retry.Session, answer: code });
  expect(signedIn.AuthenticationResult?.TokenType).toBe('Bearer');
}

/**
 * SMS starts to fresh numbers until the spend brake refuses one (`spend_limit`): the last sends find
 * shards full and read the others in one BatchGetItem. Answers how many were sent.
 */
export async function fillSpendBrake(stack: DeployedStack): Promise<number> {
  // The brake's minute is a clock minute: start early in one, so the brake is still full for what follows.
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 25_000) await sleep(left);
  for (let index = 0; index < 500; index++) {
    const to = `+1415556${String(index).padStart(4, '0')}`;
    const answer = await stack.api('POST', '/v1/verifications', { to, channel: 'sms', voiceFallback: false });
    if ((answer.body['error'] as { reason?: string } | undefined)?.reason === 'spend_limit') return index;
    expect(answer.statusCode, JSON.stringify(answer.body)).toBe(201);
  }
  throw new Error('the spend brake never held');
}

/** The scheduled event an EventBridge rule delivers (the key rotation and the watch read only its time). */
const scheduledEvent = () => ({
  version: '0',
  id: 'tick',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: new Date().toISOString(),
  region: 'eu-west-1',
  resources: [],
  detail: {},
});

/** One tick of the scheduled key rotation. */
export async function keyRotationFlow(stack: DeployedStack): Promise<unknown> {
  return stack.invoke('key-rotation', scheduledEvent());
}

/**
 * The hourly conversion watch, as its schedule runs it: CloudWatch answers that the first watched
 * country's SMS rose from 10 to 50 sends an hour with 2 approved (collapsed) and the second's held at
 * 50 with 2 approved (steady: no alarm); the watch asks once for every watched country's Sent and
 * Approved, names the first alone, logs it (counts, no destination) and publishes 1 for the alarm,
 * stamped when written with the hour judged beside it.
 */
export async function conversionWatchFlow(stack: DeployedStack): Promise<void> {
  const countries = stack.environmentOf('conversion-watch')['CONVERSION_WATCH_COUNTRIES']!.split(',');
  expect(countries.length).toBeGreaterThanOrEqual(2);
  const [rising, steady] = countries.map((c) => c.toLowerCase()) as [string, string];
  stack.endpoints.metricData.set(`sent_${rising}`, { earlier: 10, hour: 50 });
  stack.endpoints.metricData.set(`approved_${rising}`, { hour: 2 });
  stack.endpoints.metricData.set(`sent_${steady}`, { earlier: 50, hour: 50 });
  stack.endpoints.metricData.set(`approved_${steady}`, { hour: 2 });
  const answer = await stack.invoke<{ hour: string; collapsed: string[] }>(
    'conversion-watch',
    scheduledEvent(),
  );
  expect(answer.collapsed).toEqual([rising.toUpperCase()]);
  const calls = stack.callsOf('conversion-watch', 'monitoring', 'GetMetricData');
  expect(calls).toHaveLength(1);
  const ids = (calls[0]!.input['MetricDataQueries'] as Array<{ Id: string }>).map((q) => q.Id);
  expect(ids).toEqual(countries.flatMap((c) => [`sent_${c.toLowerCase()}`, `approved_${c.toLowerCase()}`]));
  const output = stack.processes.get('conversion-watch')!.output.join('');
  const lines = output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines).toContainEqual(
    expect.objectContaining({
      message: 'SMS conversion collapsed',
      country: rising.toUpperCase(),
      sends: 50,
      approvals: 2,
      rate: 0.04,
      earlierSends: 10,
    }),
  );
  // Stamped when written, where the alarm looks; the hour judged beside it.
  const emf = lines.find((line) => 'ConversionCollapsedCountries' in line) as { _aws: { Timestamp: number } };
  expect(emf).toMatchObject({ ConversionCollapsedCountries: 1, hour: answer.hour });
  expect(Date.now() - emf._aws.Timestamp).toBeLessThan(60_000);
  expect(output).not.toMatch(/\+\d{6,}/);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Conversion feedback: a code approved after a call that asked for feedback (SendVoiceMessage), and the
 * stream records then read by the activity function, which reports that call RECEIVED. The send gives
 * up the id's write past its bound (200 ms), which a loaded machine may exceed: up to three calls, each
 * to its own number (`to`, then the numbers after it).
 */
export async function feedbackFlow(stack: DeployedStack, to: string): Promise<void> {
  const reported = () =>
    stack.callsOf('activity', 'sms-voice', 'PutMessageFeedback').map((call) => call.input);
  for (let attempt = 0; attempt < 3 && reported().length === 0; attempt++) {
    const number = `${to.slice(0, -2)}${String(Number(to.slice(-2)) + attempt).padStart(2, '0')}`;
    const started = await stack.api('POST', '/v1/verifications', { to: number, channel: 'voice' });
    expect(started.statusCode, JSON.stringify(started.body)).toBe(201);
    const id = String(started.body['id']);
    const checked = await stack.api('POST', `/v1/verifications/${id}/check`, {
      code: lastCode(stack, number),
    });
    expect(checked.body['status']).toBe('approved');
    await activityFlow(stack);
  }
  expect(reported()).toContainEqual({
    MessageId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    MessageFeedbackStatus: 'RECEIVED',
  });
}
