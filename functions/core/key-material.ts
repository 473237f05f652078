/**
 * The service secret's value, and how it is rotated without stranding a pending code.
 *
 * The value is either one random string (the key, as Secrets Manager generates it at deploy) or,
 * once rotated, a JSON object:
 *
 *   {"current": "<key new codes are sealed with>",
 *    "next": "<key being rotated in: accepted, not used yet>",
 *    "previous": "<key rotated out: accepted until its codes are gone>",
 *    "naming": "<key destinations and device IPs are named with: the first key, kept>"}
 *
 * Rotation is two writes of the secret, some minutes apart (docs/deploy.md, `npm run rotate-key`):
 * `stage` adds a `next` key, which every function accepts once it has re-read the secret; `promote`
 * then makes it `current` and keeps the old one as `previous`. Because every function accepted the
 * new key before any seals with it, and keeps accepting the old one after, a code sent by a function
 * on either side of the change checks anywhere. The naming key stays, so storage keeps finding a
 * destination's live verification and counters under the same name.
 */
export interface KeyMaterial {
  current: string;
  next?: string;
  previous?: string;
  naming?: string;
}

const encoder = new TextEncoder();

/** The secret's value as keys: the current one, and the others still accepted (next first). */
export function parseKeyMaterial(secretString: string): {
  current: Uint8Array;
  accepted: Uint8Array[];
  naming: Uint8Array;
} {
  const material = readKeyMaterial(secretString);
  return {
    current: encoder.encode(material.current),
    naming: encoder.encode(material.naming ?? material.current),
    accepted: [material.next, material.previous]
      .filter((key): key is string => key !== undefined)
      .map((key) => encoder.encode(key)),
  };
}

/** A plain string is the key itself; a JSON object with a string `current` is a rotated value. */
export function readKeyMaterial(secretString: string): KeyMaterial {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    return { current: secretString };
  }
  if (typeof parsed !== 'object' || parsed === null || !('current' in parsed))
    return { current: secretString };
  const { current, next, previous, naming } = parsed as Record<string, unknown>;
  for (const [name, value] of Object.entries({ current, next, previous, naming })) {
    if (value !== undefined && typeof value !== 'string') {
      throw new Error(`the secret's "${name}" key is not a string`);
    }
  }
  return {
    current: current as string,
    ...(typeof next === 'string' ? { next } : {}),
    ...(typeof previous === 'string' ? { previous } : {}),
    ...(typeof naming === 'string' ? { naming } : {}),
  };
}

/** Step 1: a new key that every function will accept, while none seals with it yet. */
export function stageKey(material: KeyMaterial, newKey: string): KeyMaterial {
  if (material.next !== undefined) throw new Error('a key is already staged: promote it first');
  return { ...material, next: newKey };
}

/** Step 2: the staged key becomes current; the old current stays accepted as previous. */
export function promoteKey(material: KeyMaterial): KeyMaterial {
  if (material.next === undefined) throw new Error('no key is staged: stage one first');
  return { current: material.next, previous: material.current, naming: material.naming ?? material.current };
}
