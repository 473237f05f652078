import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/**
 * Everything the service derives from its one secret: the MAC that checks a code, the authenticated
 * encryption that lets a resend or a voice call re-deliver the same code, and the keyed hashes that
 * name destinations and device IPs in storage without revealing them.
 *
 * Each purpose gets its own key (HKDF-SHA256 with a distinct label), so no key is used two ways.
 */
export class Sealer {
  readonly #macKey: Buffer;
  readonly #encryptionKey: Buffer;
  readonly #destinationEncryptionKey: Buffer;
  readonly #destinationKey: Buffer;
  readonly #deviceIpKey: Buffer;

  constructor(secret: Uint8Array) {
    if (secret.length < 32) throw new RangeError('the secret must hold at least 32 bytes');
    const derive = (label: string) => Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), label, 32));
    this.#macKey = derive('onetime/v1/code-mac');
    this.#encryptionKey = derive('onetime/v1/code-encryption');
    this.#destinationEncryptionKey = derive('onetime/v1/destination-encryption');
    this.#destinationKey = derive('onetime/v1/destination');
    this.#deviceIpKey = derive('onetime/v1/device-ip');
  }

  /** HMAC of the code bound to its verification id, so a MAC never matches in another verification. */
  mac(verificationId: string, code: string): string {
    return createHmac('sha256', this.#macKey).update(`${verificationId}\0${code}`).digest('base64url');
  }

  /** Constant-time comparison of a stored MAC with a fresh one (for code paths outside the store). */
  macMatches(verificationId: string, code: string, storedMac: string): boolean {
    const fresh = Buffer.from(this.mac(verificationId, code));
    const stored = Buffer.from(storedMac);
    return fresh.length === stored.length && timingSafeEqual(fresh, stored);
  }

  /** AES-256-GCM of the code, with the verification id as associated data: `v1.<iv|tag|ciphertext>`. */
  seal(verificationId: string, code: string): string {
    return encrypt(this.#encryptionKey, verificationId, code);
  }

  /** Opens a sealed code; throws when it was altered or sealed for another verification. */
  open(verificationId: string, sealed: string): string {
    return decrypt(this.#encryptionKey, verificationId, sealed);
  }

  /** The destination sealed the same way, under its own key, so the table never holds it in clear. */
  sealDestination(verificationId: string, destination: string): string {
    return encrypt(this.#destinationEncryptionKey, verificationId, destination);
  }

  openDestination(verificationId: string, sealed: string): string {
    return decrypt(this.#destinationEncryptionKey, verificationId, sealed);
  }

  /** Keyed hash naming a destination in storage (16 bytes, base64url). */
  destinationKey(normalizedDestination: string): string {
    return keyedHash(this.#destinationKey, normalizedDestination);
  }

  /** Keyed hash naming an end user's device IP in storage. */
  deviceIpKey(ip: string): string {
    return keyedHash(this.#deviceIpKey, ip);
  }
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
