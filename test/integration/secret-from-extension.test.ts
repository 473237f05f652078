/**
 * The secret read through the Parameters and Secrets extension's local endpoint, over the plain TCP
 * socket functions/adapters/secret-from-extension.ts opens: the value, the session token sent as the
 * extension requires, and the refusals, against a stub that answers as an HTTP server does.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSecretFromExtension } from '../../functions/adapters/secret-from-extension.ts';
import { type ExtensionStub, STUB_SECRET, startExtensionStub } from '../support/extension-stub.ts';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:onetime-key-AbCdEf';
let stub: ExtensionStub;
beforeAll(async () => {
  stub = await startExtensionStub();
});
afterAll(() => stub.close());

const envFor = (port: number) => ({
  PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(port),
  AWS_SESSION_TOKEN: 'session-token',
});

describe('readSecretFromExtension', () => {
  it('reads the value, asking for the secret by its ARN with the session token', async () => {
    const before = stub.requests.length;
    await expect(readSecretFromExtension(ARN, envFor(stub.port))).resolves.toBe(STUB_SECRET);
    const [request] = stub.requests.slice(before);
    expect(new URL(request!.url, 'http://localhost').searchParams.get('secretId')).toBe(ARN);
    expect(request!.headers['x-aws-parameters-secrets-token']).toBe('session-token');
  });

  it('reads a value of any length and characters, the body whole however it is split', async () => {
    stub.secret = `ключ-${'é'.repeat(40_000)}-🔑`;
    try {
      await expect(readSecretFromExtension(ARN, envFor(stub.port))).resolves.toBe(stub.secret);
    } finally {
      stub.secret = STUB_SECRET;
    }
  });

  it('refuses an answer other than 200, a body without SecretString, and a closed port', async () => {
    const server = createServer((request, response) => {
      if (request.url?.includes('missing')) response.writeHead(404).end('{"message":"not found"}');
      else response.writeHead(200, { 'content-type': 'application/json' }).end('{"Name":"x"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await expect(readSecretFromExtension(`${ARN}-missing`, envFor(port))).rejects.toThrow(
        /not readable through the extension: HTTP 404/,
      );
      await expect(readSecretFromExtension(ARN, envFor(port))).rejects.toThrow(/has no SecretString/);
    } finally {
      server.close();
    }
    await expect(readSecretFromExtension(ARN, envFor(port))).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses a session token that would break the request', async () => {
    await expect(
      readSecretFromExtension(ARN, { ...envFor(stub.port), AWS_SESSION_TOKEN: 'a\r\nX-Evil: 1' }),
    ).rejects.toThrow(/line break/);
  });
});
