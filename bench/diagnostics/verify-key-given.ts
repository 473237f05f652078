/**
 * A diagnostic for bench/peer.ts: the Cognito verify trigger exactly as deployed
 * (functions/handlers/cognito-verify.ts), except that its key is handed in, so its import reads no
 * secret and derives no keys. Beside the deployed verify, it shows what the secret read at init costs
 * the import alone; beside the peer's verify, whether the import's gap is that read (which the first
 * answer waits for either way) or the rest.
 */
import type { Context, VerifyAuthChallengeResponseTriggerEvent } from 'aws-lambda';
import { DynamoVerificationStore } from '../../functions/adapters/dynamodb/verification-store.ts';
import { lambdaContextKeys } from '../../functions/adapters/json-log.ts';
import { createVerifyAuthChallengeHandler } from '../../functions/cognito/verify-auth-challenge.ts';
import { sendSettingsFromEnv } from '../../functions/config.ts';
import { Sealer } from '../../functions/core/sealing.ts';
import { log } from '../../functions/wiring/lambda-log.ts';
import { env, settings, table } from '../../functions/wiring/runtime.ts';

const verify = createVerifyAuthChallengeHandler({
  store: new DynamoVerificationStore(table.client, table.tableName),
  sealer: new Sealer(new TextEncoder().encode('k'.repeat(64))),
  settings: { ...settings, ...sendSettingsFromEnv(env) },
  clock: Date.now,
  log,
});

export const handler = async (event: VerifyAuthChallengeResponseTriggerEvent, context: Context) => {
  log.beginRequest({ requestId: context.awsRequestId }, lambdaContextKeys(context));
  return verify(event);
};
