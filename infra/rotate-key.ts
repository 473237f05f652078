/**
 * Rotates the service's key material without stranding a pending code (docs/deploy.md, "Rotate the
 * key"). Two steps, at least ten minutes apart, so that every warm function has re-read the secret
 * in between (functions/adapters/refreshing-sealer.ts):
 *
 *   npm run rotate-key -- stage   --secret-id <ARN or name>   # a new key every function accepts
 *   npm run rotate-key -- promote --secret-id <ARN or name>   # ...becomes the one codes are sealed with
 *   npm run rotate-key -- status  --secret-id <ARN or name>
 *
 * It prints which keys the secret holds, never a key. Credentials and region come from the usual AWS
 * environment (profile, variables).
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { rotateKey } from '../functions/adapters/secret-key-rotation.ts';

const USAGE = 'usage: npm run rotate-key -- <stage|promote|status> --secret-id <ARN or name> [--force]';

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'secret-id': { type: 'string' }, force: { type: 'boolean', default: false } },
  });
  const command = positionals[0];
  const secretId = values['secret-id'];
  if ((command !== 'stage' && command !== 'promote' && command !== 'status') || !secretId) {
    console.error(USAGE);
    process.exit(2);
  }
  console.log(await rotateKey(new SecretsManagerClient({}), command, secretId, { force: values.force }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`rotate-key: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
