import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { advanceRotation } from '../adapters/secret-key-rotation.ts';
import { keyRotationFromEnv } from '../config.ts';
import { logger } from '../wiring/powertools-log.ts';

/**
 * Lambda entry for the scheduled key rotation (infra/otp-key-rotation.ts), run every 15 minutes: stages a
 * new key once the current one is `KEY_ROTATION_EVERY_SECONDS` old, and promotes it ten minutes later
 * (functions/adapters/secret-key-rotation.ts). Reads and writes the secret with the Secrets Manager API: it
 * seals nothing, so it needs neither the extension nor the table.
 */
const env = process.env;
const client = new SecretsManagerClient({});
const { secretArn: secretId, everySeconds } = keyRotationFromEnv(env);
const everyMs = everySeconds * 1000;

export const handler = async (_event: unknown, context?: Context) => {
  if (context) logger.addContext(context);
  const outcome = await advanceRotation(client, secretId, everyMs);
  // Never a key: only what the tick did.
  if (outcome !== 'nothing due') logger.info(`key rotation: ${outcome}`);
  return { outcome };
};
