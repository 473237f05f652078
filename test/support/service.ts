import { randomBytes, randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { inject } from 'vitest';
import type { RetryOptions } from '../../functions/adapters/dynamodb/counted-write.ts';
import type { CascadeScheduler, Log, Senders } from '../../functions/core/ports.ts';
import { DEFAULT_SETTINGS, type Settings } from '../../functions/core/settings.ts';
import { callApi } from '../../local/api-event.ts';
import { type ComposedApi, composeApi } from '../../local/compose.ts';
import { createVerificationTable, localDynamoDbClient } from '../../local/dynamodb-local.ts';
import { Outbox } from '../../local/outbox.ts';
import { testClockStart } from './clock.ts';
import { CODE_IN_TEXT } from './codes.ts';

/**
 * A whole service for one test: a fresh table in the run's DynamoDB Local, the real handlers, an
 * outbox for messages, a clock the test moves, and every log line kept for the secrets audit.
 */
export interface TestService {
  api: ComposedApi;
  outbox: Outbox;
  clock: { now: number; advance(seconds: number): void };
  logs: string[];
  tableName: string;
  secret: Uint8Array;
  /** Calls the route as API Gateway would and parses the JSON answer. */
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<TestResponse>;
  /** The code in the newest outbox message to `to` (or the newest message at all). */
  lastCode(to?: string): string;
}

export interface TestResponse {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown> & {
    error?: { code: string; message: string; field?: string; reason?: string };
  };
  raw: APIGatewayProxyResult;
}

export async function createTestService(
  options: {
    settings?: Partial<Settings>;
    senders?: Senders;
    cascade?: CascadeScheduler;
    /** Where the clock starts (epoch ms); default: `testClockStart()`, never before the real time. */
    startAt?: number;
    /** A client of the run's DynamoDB Local to use instead of a plain one (e.g. with fault injection). */
    client?: DynamoDBClient;
    /** The store's options (e.g. a feedback-id write bound a busy machine always meets). */
    storeOptions?: RetryOptions;
  } = {},
): Promise<TestService> {
  const client = options.client ?? localDynamoDbClient(inject('dynamodbEndpoint'));
  const tableName = `test-${randomUUID()}`;
  await createVerificationTable(client, tableName);

  const clock = {
    now: options.startAt ?? testClockStart(),
    advance(seconds: number) {
      this.now += seconds * 1000;
    },
  };
  const logs: string[] = [];
  const record =
    (level: string) =>
    (message: string, ...fields: Record<string, unknown>[]) => {
      const line = JSON.stringify({ level, message, ...Object.assign({}, ...fields) });
      logs.push(line);
    };
  const log: Log = { info: record('INFO'), warn: record('WARN'), error: record('ERROR') };
  const outbox = new Outbox(() => clock.now);
  const secret = randomBytes(32);
  const settings: Settings = { ...DEFAULT_SETTINGS, allowedCountries: ['*'], ...options.settings };
  const api = composeApi({
    client,
    tableName,
    settings,
    senders: options.senders ?? outbox.senders(),
    log,
    clock: () => clock.now,
    secret,
    ...(options.cascade ? { cascade: options.cascade } : {}),
    ...(options.storeOptions ? { storeOptions: options.storeOptions } : {}),
  });

  async function request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const raw = await callApi(api, method, path, body, headers);
    const responseHeaders = Object.fromEntries(
      Object.entries(raw.headers ?? {}).map(([key, value]) => [key.toLowerCase(), String(value)]),
    );
    return { status: raw.statusCode, headers: responseHeaders, body: JSON.parse(raw.body), raw };
  }

  function lastCode(to?: string): string {
    const message = outbox.messages.filter((m) => to === undefined || m.to === to).at(-1);
    const code = message === undefined ? undefined : CODE_IN_TEXT.exec(message.body)?.[1];
    if (!code) throw new Error(`no code in the outbox${to ? ` for ${to}` : ''}`);
    return code;
  }

  return { api, outbox, clock, logs, tableName, secret, request, lastCode };
}

export const VERIFICATIONS = '/v1/verifications';

/** The four routes of the contract for one service. */
export function routes(s: TestService) {
  return {
    send: (body: unknown, headers?: Record<string, string>) =>
      s.request('POST', VERIFICATIONS, body, headers),
    check: (id: string, body: unknown) => s.request('POST', `${VERIFICATIONS}/${id}/check`, body),
    get: (id: string) => s.request('GET', `${VERIFICATIONS}/${id}`),
    cancel: (id: string) => s.request('DELETE', `${VERIFICATIONS}/${id}`),
  };
}
