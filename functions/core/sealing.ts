import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/**
 * Everything the service derives from its secret: the MAC that checks a code, the authenticated
 * encryption that lets a resend or a voice call re-deliver the same code, and the keyed hashes that
 * name destinations and device IPs in storage without revealing them.
 *
 * Each purpose gets its own key (HKDF-SHA256 with a distinct label), so no key is used two ways.
 *
 * Key rotation (key-material.ts): besides the current secret, a sealer may hold others it still
 * accepts (the one being rotated in, the one rotated out). It seals with the current one and checks
 * and opens with any of them, so a rotation never strands a pending code. Destinations and device
 * IPs are named with a secret of their own (`naming`, the first key unless told otherwise) that
 * rotation keeps, so a destination keeps its live verification and its hourly counters throughout.
 */
export class Sealer {
  #current!: CodeKeys;
  #all!: CodeKeys[];
  #naming!: NamingKeys;

  constructor(secret: Uint8Array, alsoAccepted: readonly Uint8Array[] = [], naming: Uint8Array = secret) {
    this.useKeys(secret, alsoAccepted, naming);
  }

  /** Swaps the key material in place (a function re-reads its secret while it stays warm). */
  useKeys(secret: Uint8Array, alsoAccepted: readonly Uint8Array[] = [], naming: Uint8Array = secret): void {
    const current = codeKeys(secret);
    const others = alsoAccepted
      .filter((other) => !Buffer.from(other).equals(Buffer.from(secret)))
      .map((other) => codeKeys(other));
    this.#naming = namingKeys(naming);
    this.#current = current;
    this.#all = [current, ...others];
  }

  /** How many secrets codes are checked against (the current one first). */
  get acceptedKeyCount(): number {
    return this.#all.length;
  }

  /**
   * HMAC of the code bound to its verification id, under the current key: what a send stores. A code
   * that approves a payment is bound to it too: `boundTo` is the transaction's canonical form
   * (transaction.ts), so the same code with another payment has another MAC.
   */
  mac(verificationId: string, code: string, boundTo?: string): string {
    return macWith(this.#current, verificationId, code, boundTo);
  }

  /**
   * The code's MAC under every accepted key, current first: a check matches the stored MAC against
   * all of them in its one conditional write.
   */
  macs(verificationId: string, code: string, boundTo?: string): string[] {
    return this.#all.map((keys) => macWith(keys, verificationId, code, boundTo));
  }

  /** Constant-time comparison of a stored MAC with a fresh one under each accepted key. */
  macMatches(verificationId: string, code: string, storedMac: string): boolean {
    const stored = Buffer.from(storedMac);
    let matches = false;
    for (const mac of this.macs(verificationId, code)) {
      const fresh = Buffer.from(mac);
      if (fresh.length === stored.length && timingSafeEqual(fresh, stored)) matches = true;
    }
    return matches;
  }

  /** AES-256-GCM of the code, with the verification id as associated data: `v1.<iv|tag|ciphertext>`. */
  seal(verificationId: string, code: string): string {
    return encrypt(this.#current.encryption, verificationId, code);
  }

  /** Opens a sealed code; throws when it was altered, sealed for another verification, or under no accepted key. */
  open(verificationId: string, sealed: string): string {
    return this.#openWithAny((keys) => keys.encryption, verificationId, sealed);
  }

  /** The destination sealed the same way, under its own key, so the table never holds it in clear. */
  sealDestination(verificationId: string, destination: string): string {
    return encrypt(this.#current.destinationEncryption, verificationId, destination);
  }

  openDestination(verificationId: string, sealed: string): string {
    return this.#openWithAny((keys) => keys.destinationEncryption, verificationId, sealed);
  }

  /** Keyed hash naming a destination in storage (16 bytes, base64url). */
  destinationKey(normalizedDestination: string): string {
    return keyedHash(this.#naming.destination, normalizedDestination);
  }

  /** Keyed hash naming an end user's device IP in storage. */
  deviceIpKey(ip: string): string {
    return keyedHash(this.#naming.deviceIp, ip);
  }

  /** AES-GCM refuses a wrong key (its tag fails), so trying each accepted key in turn is safe. */
  #openWithAny(key: (keys: CodeKeys) => Buffer, verificationId: string, sealed: string): string {
    let firstError: unknown;
    for (const keys of this.#all) {
      try {
        return decrypt(key(keys), verificationId, sealed);
      } catch (error) {
        firstError ??= error;
      }
    }
    throw firstError;
  }
}

interface CodeKeys {
  mac: Buffer;
  encryption: Buffer;
  destinationEncryption: Buffer;
}

interface NamingKeys {
  destination: Buffer;
  deviceIp: Buffer;
}

function deriver(secret: Uint8Array) {
  if (secret.length < 32) throw new RangeError('the secret must hold at least 32 bytes');
  return (label: string) => Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), label, 32));
}

function codeKeys(secret: Uint8Array): CodeKeys {
  const derive = deriver(secret);
  return {
    mac: derive('onetime/v1/code-mac'),
    encryption: derive('onetime/v1/code-encryption'),
    destinationEncryption: derive('onetime/v1/destination-encryption'),
  };
}

function namingKeys(secret: Uint8Array): NamingKeys {
  const derive = deriver(secret);
  return { destination: derive('onetime/v1/destination'), deviceIp: derive('onetime/v1/device-ip') };
}

/**
 * A code without a transaction keeps the MAC it always had (live items stay checkable); one with a
 * transaction appends it after a second NUL. Neither an id nor a code holds a NUL, so no two inputs meet.
 */
function macWith(keys: CodeKeys, verificationId: string, code: string, boundTo?: string): string {
  const input = `${verificationId}\0${code}${boundTo === undefined ? '' : `\0${boundTo}`}`;
  return createHmac('sha256', keys.mac).update(input).digest('base64url');
}

function encrypt(key: Buffer, verificationId: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(verificationId));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `v1.${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')}`;
}

function decrypt(key: Buffer, verificationId: string, sealed: string): string {
  if (!sealed.startsWith('v1.')) throw new Error('unknown sealed format');
  const raw = Buffer.from(sealed.slice(3), 'base64url');
  if (raw.length < 29) throw new Error('sealed value too short');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(verificationId));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

function keyedHash(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value).digest().subarray(0, 16).toString('base64url');
}
