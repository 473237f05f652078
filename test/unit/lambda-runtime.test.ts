/**
 * The Lambda entries' shared runtime (functions/wiring/runtime.ts) over a stub of the secrets
 * extension: the secret is read at init, and again before an invocation once the keys are more than
 * 5 minutes old, so a warm function follows a key rotation.
 */
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KEY_REFRESH_MS } from '../../functions/adapters/refreshing-sealer.ts';
import { promoteKey, stageKey } from '../../functions/core/key-material.ts';
import type { Log } from '../../functions/core/ports.ts';
import type { Sealer } from '../../functions/core/sealing.ts';
import { type ExtensionStub, STUB_SECRET, startExtensionStub } from '../support/extension-stub.ts';

const NEW_KEY = 'n'.repeat(64);
let extension: ExtensionStub;

beforeAll(async () => {
  extension = await startExtensionStub();
  vi.stubEnv('TABLE_NAME', 'onetime-test');
  vi.stubEnv('SECRET_ARN', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:onetime-key-AbCdEf');
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv('PARAMETERS_SECRETS_EXTENSION_HTTP_PORT', String(extension.port));
  vi.useFakeTimers({ toFake: ['Date'] });
});

afterAll(async () => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  await extension?.close();
});

describe('Lambda runtime: keys', () => {
  it('reads the secret at init, and again before an invocation once the keys are 5 minutes old', async () => {
    const { lambdaHandler, loadSealer } = await import('../../functions/wiring/runtime.ts');
    const log: Log & { beginRequest(): void } = {
      info: () => {},
      warn: () => {},
      error: () => {},
      beginRequest: () => {},
    };
    const sealer: Sealer = await loadSealer(log);
    expect(extension.requests).toHaveLength(1);

    // What the route sees: the MAC it would store for a fixed id and code.
    const handler = lambdaHandler(async () => ({ statusCode: 200, body: sealer.mac('id', '123456') }), log);
    const invoke = () =>
      handler({ requestContext: {} } as APIGatewayProxyEvent, { awsRequestId: 'r' } as Context);
    const before = (await invoke()).body;
    expect(extension.requests).toHaveLength(1);

    extension.secret = JSON.stringify(promoteKey(stageKey({ current: STUB_SECRET }, NEW_KEY)));
    vi.advanceTimersByTime(KEY_REFRESH_MS - 1_000);
    expect((await invoke()).body).toBe(before);
    expect(extension.requests).toHaveLength(1);

    vi.advanceTimersByTime(1_000);
    const after = (await invoke()).body;
    expect(extension.requests).toHaveLength(2);
    expect(after).not.toBe(before); // sealing with the promoted key now
    expect(sealer.macMatches('id', '123456', before)).toBe(true); // and still accepting the old one
  });
});
