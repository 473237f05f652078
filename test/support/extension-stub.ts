import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A secret of the length Secrets Manager generates for the service (64 characters). */
export const STUB_SECRET = 'x'.repeat(32) + 'Y'.repeat(32);

export interface ExtensionStub {
  port: number;
  /** The value it answers with (STUB_SECRET until a test changes it, e.g. to rotate the key). */
  secret: string;
  requests: Array<{ url: string; headers: IncomingHttpHeaders }>;
  close(): Promise<void>;
}

/**
 * Stands in for the AWS Parameters and Secrets Lambda Extension's local HTTP endpoint
 * (`GET /secretsmanager/get?secretId=…`), so a bundle's top-level await finds its secret.
 */
export async function startExtensionStub(): Promise<ExtensionStub> {
  const requests: ExtensionStub['requests'] = [];
  let stub: ExtensionStub | undefined;
  const server = createServer((request, response) => {
    requests.push({ url: request.url ?? '', headers: request.headers });
    if (!request.url?.startsWith('/secretsmanager/get?')) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ SecretString: stub?.secret ?? STUB_SECRET }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stub = {
    secret: STUB_SECRET,
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  return stub;
}
