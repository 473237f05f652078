import { connect } from 'node:net';
import { AWS_SESSION_TOKEN, PARAMETERS_SECRETS_EXTENSION_HTTP_PORT } from '../env.ts';

/**
 * Reads the service secret's value through the AWS Parameters and Secrets Lambda Extension (a local
 * HTTP endpoint with its own cache), so no Secrets Manager client is bundled into the functions.
 * Called at cold start, then before an invocation once the keys are 5 minutes old.
 *
 * One HTTP/1.0 GET over a plain TCP socket: the answer ends when `Content-Length` bytes of body have
 * arrived or the server closes the connection (HTTP/1.0 has no chunked encoding; a chunked answer is
 * refused), within 5 s in all. Neither `fetch` nor node:http: the first `fetch` in a process loads
 * undici (+50 ms on the check function's cold start), and node:http's client still cost about a fifth
 * of a bare DynamoDB client's import, where opening the socket alone costs next to nothing
 * (bench/results.md, the "floor +" diagnostics). No error quotes the body: it is the key material.
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
  const answer = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let done = false;
    const socket = connect({ host: '127.0.0.1', port });
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      socket.destroy();
      if (error) reject(error);
      else resolve(Buffer.concat(chunks));
    };
    // A deadline for the whole answer, not an idle timeout: a trickling server cannot hold a cold start.
    const deadline = setTimeout(
      () => finish(new Error('the secrets extension did not answer in 5 s')),
      5_000,
    );
    // Written, not ended: a server may take the client's half-close for a dropped request.
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (isComplete(Buffer.concat(chunks))) finish();
    });
    socket.on('end', () => finish());
    socket.on('error', (error) => finish(error));
  });
  const { status, headers, body } = parseAnswer(answer);
  if (status !== 200)
    throw new Error(`secret ${secretId} not readable through the extension: HTTP ${status}`);
  if (/^transfer-encoding:\s*chunked/im.test(headers))
    throw new Error(`secret ${secretId}: the extension answered in chunks, which this reader does not take`);
  let parsed: { SecretString?: string };
  try {
    parsed = JSON.parse(body.toString('utf8')) as { SecretString?: string };
  } catch {
    throw new Error(`secret ${secretId}: the extension's answer is not JSON (${body.length} bytes)`);
  }
  if (!parsed.SecretString) throw new Error(`secret ${secretId} has no SecretString`);
  return parsed.SecretString;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** The status, the header lines and the body (cut to `Content-Length` when the server sent one). */
function parseAnswer(answer: Buffer): { status: number; headers: string; body: Buffer } {
  const split = answer.indexOf(HEADER_END);
  if (split < 0) return { status: 0, headers: '', body: Buffer.alloc(0) };
  const headers = answer.subarray(0, split).toString('latin1');
  const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(headers)?.[1] ?? 0);
  const length = /^content-length:\s*(\d+)/im.exec(headers)?.[1];
  const body = answer.subarray(split + HEADER_END.length);
  return { status, headers, body: length === undefined ? body : body.subarray(0, Number(length)) };
}

/**
 * Whether the answer so far is all there is to read: its headers and all the body its
 * `Content-Length` announces, or the headers of a chunked answer (refused, not read on).
 */
function isComplete(answer: Buffer): boolean {
  const split = answer.indexOf(HEADER_END);
  if (split < 0) return false;
  const headers = answer.subarray(0, split).toString('latin1');
  if (/^transfer-encoding:\s*chunked/im.test(headers)) return true;
  const length = /^content-length:\s*(\d+)/im.exec(headers)?.[1];
  return length !== undefined && answer.length - split - HEADER_END.length >= Number(length);
}
