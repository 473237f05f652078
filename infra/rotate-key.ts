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
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type KeyMaterial, promoteKey, readKeyMaterial, stageKey } from '../functions/core/key-material.ts';

/** KEY_REFRESH_MS (5 min) + the extension's cache (1 min), with room to spare. */
export const STAGE_TO_PROMOTE_MS = 10 * 60_000;

export type RotateCommand = 'stage' | 'promote' | 'status';

/** A new key: 48 random bytes as 64 base64url characters, like the one generated at deploy. */
export const newKey = () => randomBytes(48).toString('base64url');

/** What the secret holds, by role, and since when; never the keys. */
export function describeKeys(material: KeyMaterial, since?: Date): string {
  const roles = (['current', 'next', 'previous'] as const).filter((role) => material[role] !== undefined);
  const staged = material.next !== undefined ? ' A key is staged: promote it next.' : '';
  return `The secret holds: ${roles.join(', ')}${since ? ` (written ${since.toISOString()})` : ''}.${staged}`;
}

export async function rotateKey(
  client: Pick<SecretsManagerClient, 'send'>,
  command: RotateCommand,
  secretId: string,
  options: { now?: number; force?: boolean; key?: () => string } = {},
): Promise<string> {
  const now = options.now ?? Date.now();
  const read = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (read.SecretString === undefined) throw new Error(`secret ${secretId} has no SecretString`);
  const material = readKeyMaterial(read.SecretString);
  if (command === 'status') return describeKeys(material, read.CreatedDate);

  if (command === 'promote' && !options.force && read.CreatedDate) {
    const waited = now - read.CreatedDate.getTime();
    if (material.next !== undefined && waited < STAGE_TO_PROMOTE_MS) {
      const minutes = Math.ceil((STAGE_TO_PROMOTE_MS - waited) / 60_000);
      throw new Error(
        `the key was staged ${Math.floor(waited / 60_000)} min ago: wait ${minutes} min more, until every ` +
          'warm function has re-read the secret (or pass --force if none has run since)',
      );
    }
  }
  const next = command === 'stage' ? stageKey(material, (options.key ?? newKey)()) : promoteKey(material);
  await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify(next) }));
  return command === 'stage'
    ? `Staged a new key. Promote it in ${STAGE_TO_PROMOTE_MS / 60_000} minutes or later: npm run rotate-key -- promote --secret-id ${secretId}`
    : 'Promoted the staged key: new codes are sealed with it, and codes sealed before still check.';
}

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
