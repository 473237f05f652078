import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { Table } from '../adapters/dynamodb/table.ts';
import { loadRefreshingSealer, type RefreshingKeys } from '../adapters/refreshing-sealer.ts';
import { readSecretFromExtension } from '../adapters/secret-from-extension.ts';
import { secretArnFromEnv, settingsFromEnv, tableNameFromEnv } from '../config.ts';
import type { Log } from '../core/ports.ts';
import type { Sealer } from '../core/sealing.ts';
import type { Route } from '../http/route.ts';

/**
 * What every Lambda entry shares, built once per cold start: settings from the environment, the
 * DynamoDB client and table, and the sealer keyed by the secret. Only the DynamoDB client is loaded
 * here; each entry picks the store parts it writes with (and logs through functions/wiring/lambda-log.ts),
 * and a function that sends loads its channel clients itself.
 */
export const env = process.env;
export const settings = settingsFromEnv(env);
// The SDK retries throttling with backoff; a few more attempts than the default ride out bursts.
export const dynamodb = new DynamoDBClient({ maxAttempts: 5 });
export const table: Table = { client: dynamodb, tableName: tableNameFromEnv(env) };

let keys: RefreshingKeys | undefined;

/** The sealer, keyed by the secret read at init; `refreshKeysIfStale` keeps it current (key rotation). */
export async function loadSealer(log: Log): Promise<Sealer> {
  keys = await loadRefreshingSealer(() => readSecretFromExtension(secretArnFromEnv(env), env), log);
  return keys.sealer;
}

/**
 * Awaited at the start of every invocation of a function that holds keys: re-reads the secret when
 * the keys are more than 5 minutes old (nothing at all in a function without keys).
 */
export const refreshKeysIfStale = (): Promise<void> => keys?.refreshIfStale() ?? Promise.resolve();

/** A logger that can tag the lines of one invocation with its ids. */
export interface RequestLog {
  beginRequest(keys: { requestId?: string; correlationId?: string }): void;
}

/** Wraps a route as a Lambda handler whose log lines carry the request's correlation id. */
export function lambdaHandler(route: Route, log: RequestLog) {
  return async (event: APIGatewayProxyEvent, context: Context) => {
    log.beginRequest({ requestId: context.awsRequestId, correlationId: event.requestContext?.requestId });
    await refreshKeysIfStale();
    return route(event);
  };
}
