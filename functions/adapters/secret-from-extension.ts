import { connect } from 'node:net';
import { AWS_SESSION_TOKEN, PARAMETERS_SECRETS_EXTENSION_HTTP_PORT } from '../env.ts';

/**
 * Reads the service secret's value through the AWS Parameters and Secrets Lambda Extension (a local
 * HTTP endpoint with its own cache), so no Secrets Manager client is bundled into the functions.
 * Called at cold start, then before an invocation once the keys are 5 minutes old.
 *
 * One HTTP/1.0 GET over a plain TCP socket, read to the end: the server closes the connection after
 * its answer and sends the body as it is (no chunked encoding in HTTP/1.0). Neither `fetch` nor
 * node:http: the first `fetch` in a process loads undici (+50 ms on the check function's cold start),
 * and node:http's client still cost about a fifth of a bare DynamoDB client's import, where opening the
 * socket alone costs next to nothing (bench/results.md, the "floor +" diagnostics).
 */
export async function readSecretFromExtension(
  secretId: string,
  env: Record<string, string | undefined> = process.env,
): Promise<string> {
  const port = Number(env[PARAMETERS_SECRETS_EXTENSION_HTTP_PORT] ?? '2773');
  const token = env[AWS_SESSION_TOKEN] ?? '';
  if (/[\r\n]/.test(token)) throw new Error(`${AWS_SESSION_TOKEN} holds a line break`);
  const request =
    `GET /secretsmanager/get?secretId=${encodeURIComponent(secretId)} HTTP/1.0\r\n` +
    `Host: localhost:${port}\r\nX-Aws-Parameters-Secrets-Token: ${token}\r\n\r\n`;
  const answer = await new Promise<string>((resolve, reject) => {
    let text = '';
    const socket = connect({ host: '127.0.0.1', port });
    socket.setEncoding('utf8');
    socket.setTimeout(5_000, () => socket.destroy(new Error('the secrets extension did not answer in 5 s')));
    // Written, not ended: a server may take the client's half-close for a dropped request.
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('end', () => {
      socket.destroy();
      resolve(text);
    });
    socket.on('error', reject);
  });
  const split = answer.indexOf('\r\n\r\n');
  const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(answer)?.[1] ?? 0);
  if (status !== 200 || split < 0)
    throw new Error(`secret ${secretId} not readable through the extension: HTTP ${status}`);
  const { SecretString } = JSON.parse(answer.slice(split + 4)) as { SecretString?: string };
  if (!SecretString) throw new Error(`secret ${secretId} has no SecretString`);
  return SecretString;
}
