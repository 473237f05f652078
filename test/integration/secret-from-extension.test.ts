/**
 * The secret read through the Parameters and Secrets extension's local endpoint, over the plain TCP
 * socket functions/adapters/secret-from-extension.ts opens: the value, the session token sent as the
 * extension requires, and the refusals, against a stub that answers as an HTTP server does.
 */
import { createServer } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
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

  /** A server that writes `answer` to every request and never closes the connection itself. */
  async function rawServer(answer: string) {
    const sockets = new Set<Socket>();
    const server = createTcpServer((socket) => {
      sockets.add(socket);
      socket.once('data', () => socket.write(answer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as AddressInfo).port,
      close: () => {
        for (const socket of sockets) socket.destroy();
        server.close();
      },
    };
  }

  it('ends the answer at Content-Length, whether or not the server keeps the connection open', async () => {
    const body = JSON.stringify({ SecretString: 'kept-alive' });
    const server = await rawServer(
      `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n${body}`,
    );
    try {
      const started = Date.now();
      await expect(readSecretFromExtension(ARN, envFor(server.port))).resolves.toBe('kept-alive');
      // Well before the 5 s deadline: the reader did not wait for a close that never comes.
      expect(Date.now() - started).toBeLessThan(4_000);
    } finally {
      server.close();
    }
  });

  it('refuses a chunked answer, and an answer that is not JSON without quoting it', async () => {
    const chunked = await rawServer(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n11\r\n{"SecretString":1}\r\n0\r\n\r\n',
    );
    const garbled = await rawServer('HTTP/1.1 200 OK\r\nContent-Length: 21\r\n\r\ntop-secret-key-bytes!');
    try {
      await expect(readSecretFromExtension(ARN, envFor(chunked.port))).rejects.toThrow(/in chunks/);
      const error = await readSecretFromExtension(ARN, envFor(garbled.port)).catch((e: Error) => e);
      expect(String(error)).toMatch(/not JSON \(21 bytes\)/);
      expect(String(error)).not.toContain('top-secret');
    } finally {
      chunked.close();
      garbled.close();
    }
  });

  it('refuses a session token that would break the request', async () => {
    await expect(
      readSecretFromExtension(ARN, { ...envFor(stub.port), AWS_SESSION_TOKEN: 'a\r\nX-Evil: 1' }),
    ).rejects.toThrow(/line break/);
  });
});
