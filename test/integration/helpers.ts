/**
 * Steps only the integration suite uses: a request-counting client, raw API Gateway events for what
 * `request` cannot express, and reading a start answer's id or a destination's newest code. What other
 * folders share too (the routes, codes, the secrets audit) is in test/support/.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { expect, inject } from 'vitest';
import { apiGatewayEvent, matchRoute } from '../../local/api-event.ts';
import { localDynamoDbClient } from '../../local/dynamodb-local.ts';
import { codeOf } from '../support/codes.ts';
import type { TestResponse, TestService } from '../support/service.ts';

/** A client of the run's DynamoDB Local that counts its requests (retries included) by command. */
export function countingClient() {
  const client = localDynamoDbClient(inject('dynamodbEndpoint'));
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = (context.commandName ?? 'unknown').replace(/Command$/, '');
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'deserialize', name: 'requestCounter', priority: 'low' },
  );
  return { client, counts };
}

/** The code of the newest message to `to`, whatever its channel. */
export function latestCode(s: TestService, to: string): string {
  const message = s.outbox.messages.filter((m) => m.to === to).at(-1);
  if (!message) throw new Error(`no message to ${to}`);
  return codeOf(message);
}

/** The id of a 2xx start answer; fails the test with the answer when it is not one. */
export function idOf(response: TestResponse): string {
  expect(response.status, JSON.stringify(response.body)).toBeLessThan(300);
  const id = response.body['id'];
  if (typeof id !== 'string') throw new Error(`no id in ${JSON.stringify(response.body)}`);
  return id;
}

/**
 * Calls a route with a hand-made event (base64 bodies, raw strings, odd paths) and parses the answer,
 * failing when the answer is not JSON.
 */
export async function rawRequest(
  s: TestService,
  input: {
    method: string;
    path: string;
    body?: string | null;
    isBase64Encoded?: boolean;
    headers?: Record<string, string>;
  },
): Promise<TestResponse> {
  const route = matchRoute(input.method, input.path);
  if (!route) throw new Error(`no route for ${input.method} ${input.path}`);
  const event: APIGatewayProxyEvent = {
    ...apiGatewayEvent({
      method: input.method,
      path: input.path,
      route,
      headers: input.headers ?? {},
      body: input.body ?? null,
    }),
    isBase64Encoded: input.isBase64Encoded ?? false,
  };
  const raw = await s.api[route.handler](event);
  const headers = Object.fromEntries(
    Object.entries(raw.headers ?? {}).map(([key, value]) => [key.toLowerCase(), String(value)]),
  );
  return { status: raw.statusCode, headers, body: JSON.parse(raw.body), raw };
}

/**
 * A DynamoDB Local client that can hold every UpdateItem until `size` of them wait, then let them all
 * go at once: the worst interleaving, every guess in flight before any is decided.
 */
export function barrierClient() {
  const client = localDynamoDbClient(inject('dynamodbEndpoint'));
  let gate: { size: number; waiting: Array<() => void> } | undefined;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (gate && context.commandName === 'UpdateItemCommand') {
        const current = gate;
        await new Promise<void>((release) => {
          current.waiting.push(release);
          if (current.waiting.length >= current.size) {
            gate = undefined;
            for (const go of current.waiting) go();
          }
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'holdUpdates' },
  );
  return {
    client,
    /** Holds the next `size` UpdateItems and releases them together. */
    holdNext(size: number) {
      gate = { size, waiting: [] };
    },
  };
}
