/**
 * The two steps of a key rotation on the Secrets Manager secret (functions/core/key-material.ts),
 * for `npm run rotate-key` (infra/rotate-key.ts) and the scheduled rotation function alike.
 */
import { randomBytes } from 'node:crypto';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type KeyMaterial, promoteKey, readKeyMaterial, stageKey } from '../core/key-material.ts';

/** KEY_REFRESH_MS (5 min) + the extension's cache (1 min), with room to spare. */
export const STAGE_TO_PROMOTE_MS = 10 * 60_000;

export type RotateCommand = 'stage' | 'promote' | 'status';

type Secrets = Pick<SecretsManagerClient, 'send'>;

/** A new key: 48 random bytes as 64 base64url characters, like the one generated at deploy. */
export const newKey = () => randomBytes(48).toString('base64url');

/** What the secret holds, by role, and since when; never the keys. */
export function describeKeys(material: KeyMaterial, since?: Date): string {
  const roles = (['current', 'next', 'previous'] as const).filter((role) => material[role] !== undefined);
  const staged = material.next !== undefined ? ' A key is staged: promote it next.' : '';
  return `The secret holds: ${roles.join(', ')}${since ? ` (written ${since.toISOString()})` : ''}.${staged}`;
}

async function read(client: Secrets, secretId: string) {
  const { SecretString, CreatedDate } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (SecretString === undefined) throw new Error(`secret ${secretId} has no SecretString`);
  return { material: readKeyMaterial(SecretString), written: CreatedDate };
}

const write = (client: Secrets, secretId: string, material: KeyMaterial) =>
  client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify(material) }));

export async function rotateKey(
  client: Secrets,
  command: RotateCommand,
  secretId: string,
  options: { now?: number; force?: boolean; key?: () => string } = {},
): Promise<string> {
  const now = options.now ?? Date.now();
  const { material, written } = await read(client, secretId);
  if (command === 'status') return describeKeys(material, written);

  if (command === 'promote' && !options.force && written) {
    const waited = now - written.getTime();
    if (material.next !== undefined && waited < STAGE_TO_PROMOTE_MS) {
      const minutes = Math.ceil((STAGE_TO_PROMOTE_MS - waited) / 60_000);
      throw new Error(
        `the key was staged ${Math.floor(waited / 60_000)} min ago: wait ${minutes} min more, until every ` +
          'warm function has re-read the secret (or pass --force if none has run since)',
      );
    }
  }
  const next = command === 'stage' ? stageKey(material, (options.key ?? newKey)()) : promoteKey(material);
  await write(client, secretId, next);
  return command === 'stage'
    ? `Staged a new key. Promote it in ${STAGE_TO_PROMOTE_MS / 60_000} minutes or later: npm run rotate-key -- promote --secret-id ${secretId}`
    : 'Promoted the staged key: new codes are sealed with it, and codes sealed before still check.';
}

/**
 * One tick of the scheduled rotation (every 15 minutes): promotes a key staged at least ten minutes
 * ago, else stages a new one when the current key is `everyMs` old, else does nothing. Each step is
 * decided from the secret alone (its value and when it was written), so a missed or repeated tick is
 * harmless, and a rotation done by hand in between simply resets the clock.
 */
export async function advanceRotation(
  client: Secrets,
  secretId: string,
  everyMs: number,
  options: { now?: number; key?: () => string } = {},
): Promise<'staged' | 'promoted' | 'nothing due'> {
  const now = options.now ?? Date.now();
  const { material, written } = await read(client, secretId);
  const age = written ? now - written.getTime() : Number.POSITIVE_INFINITY;
  if (material.next !== undefined) {
    if (age < STAGE_TO_PROMOTE_MS) return 'nothing due';
    await write(client, secretId, promoteKey(material));
    return 'promoted';
  }
  if (age < everyMs) return 'nothing due';
  await write(client, secretId, stageKey(material, (options.key ?? newKey)()));
  return 'staged';
}
