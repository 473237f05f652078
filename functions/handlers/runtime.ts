import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { DynamoVerificationStore } from '../adapters/dynamodb/verification-store.ts';
import { readSecretFromExtension } from '../adapters/secret-from-extension.ts';
import { requireEnv, settingsFromEnv } from '../config.ts';
import type { EngineDeps } from '../core/deps.ts';
import { Sealer } from '../core/sealing.ts';
import type { ApiHandler } from '../http/api-handler.ts';

/**
 * What every Lambda entry shares, built once per cold start: settings from the environment, the
 * logger, the DynamoDB client and store, and the sealer keyed by the secret. Only the DynamoDB client
 * is loaded here; a function that sends loads its channel clients itself.
 */
export const env = process.env;
export const settings = settingsFromEnv(env);
export const logger = new Logger({ serviceName: env['POWERTOOLS_SERVICE_NAME'] ?? 'onetime' });
export const tableName = requireEnv(env, 'TABLE_NAME');
// The SDK retries throttling with backoff; a few more attempts than the default ride out bursts.
export const dynamodb = new DynamoDBClient({ maxAttempts: 5 });

export async function engineDeps(): Promise<EngineDeps> {
  const secret = await readSecretFromExtension(requireEnv(env, 'SECRET_ARN'), env);
  return {
    store: new DynamoVerificationStore(dynamodb, tableName),
    sealer: new Sealer(secret),
    settings,
    clock: Date.now,
    log: logger,
  };
}

/** Wraps a route as a Lambda handler that tags every log line with the request's correlation id. */
export function lambdaHandler(route: ApiHandler) {
  return async (event: APIGatewayProxyEvent, context: Context) => {
    logger.addContext(context);
    logger.appendKeys({ correlationId: event.requestContext?.requestId });
    try {
      return await route(event);
    } finally {
      logger.removeKeys(['correlationId']);
    }
  };
}
