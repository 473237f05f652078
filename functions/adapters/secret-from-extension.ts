import { request } from 'node:http';
import { AWS_SESSION_TOKEN, PARAMETERS_SECRETS_EXTENSION_HTTP_PORT } from '../env.ts';

/**
 * Reads the service secret's value through the AWS Parameters and Secrets Lambda Extension (a local
 * HTTP endpoint with its own cache), so no Secrets Manager client is bundled into the functions.
 * Called at cold start, then before an invocation once the keys are 5 minutes old. It uses node:http, which the AWS SDK has loaded already, rather than `fetch`:
 * the first `fetch` in a process loads undici, which measured +50 ms on the check function's cold start.
 */
export async function readSecretFromExtension(
  secretId: string,
  env: Record<string, string | undefined> = process.env,
): Promise<string> {
  const port = Number(env[PARAMETERS_SECRETS_EXTENSION_HTTP_PORT] ?? '2773');
  const path = `/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`;
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const call = request(
      {
        host: '127.0.0.1',
        port,
        path,
        headers: { 'X-Aws-Parameters-Secrets-Token': env[AWS_SESSION_TOKEN] ?? '' },
        timeout: 5_000,
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
        response.on('error', reject);
      },
    );
    call.on('timeout', () => call.destroy(new Error('the secrets extension did not answer in 5 s')));
    call.on('error', reject);
    call.end();
  });
  if (status !== 200)
    throw new Error(`secret ${secretId} not readable through the extension: HTTP ${status}`);
  const { SecretString } = JSON.parse(body) as { SecretString?: string };
  if (!SecretString) throw new Error(`secret ${secretId} has no SecretString`);
  return SecretString;
}
