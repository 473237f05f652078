/**
 * Reads the service secret through the AWS Parameters and Secrets Lambda Extension (a local HTTP
 * endpoint with its own cache), so no Secrets Manager client is bundled into the functions: the check
 * function stays at the size and cold start of a bare DynamoDB client. Called once per cold start.
 */
export async function readSecretFromExtension(
  secretId: string,
  env: Record<string, string | undefined> = process.env,
  fetchImpl: typeof fetch = fetch,
): Promise<Uint8Array> {
  const port = env['PARAMETERS_SECRETS_EXTENSION_HTTP_PORT'] ?? '2773';
  const url = `http://localhost:${port}/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`;
  const response = await fetchImpl(url, {
    headers: { 'X-Aws-Parameters-Secrets-Token': env['AWS_SESSION_TOKEN'] ?? '' },
  });
  if (!response.ok)
    throw new Error(`secret ${secretId} not readable through the extension: HTTP ${response.status}`);
  const { SecretString } = (await response.json()) as { SecretString?: string };
  if (!SecretString) throw new Error(`secret ${secretId} has no SecretString`);
  return new TextEncoder().encode(SecretString);
}
