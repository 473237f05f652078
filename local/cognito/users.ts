import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { OTP_LOCAL_COGNITO_USERS } from '../../functions/env.ts';
import { CognitoError } from './errors.ts';

/** A user as a seed file or AdminCreateUser gives it. */
export interface UserSeed {
  username: string;
  attributes?: Record<string, string>;
}

export type UserStatus = 'CONFIRMED' | 'FORCE_CHANGE_PASSWORD';

export interface PoolUser {
  username: string;
  /** Cognito's attribute names (`email`, `phone_number`, `email_verified`, `sub`, `locale`, …). */
  attributes: Record<string, string>;
  status: UserStatus;
  enabled: boolean;
  createdAt: number;
  modifiedAt: number;
}

/**
 * The pool's users, in memory (like the table, they live as long as local mode). Sign-in takes the
 * username or a verified email address or phone number, so a seed named `ana` and one named
 * `ana@example.com` (as the deployed example, whose usernames are email addresses or phone numbers,
 * would have it) both sign in by email.
 */
export class UserDirectory {
  readonly #users = new Map<string, PoolUser>();

  constructor(private readonly clock: () => number = Date.now) {}

  create(seed: UserSeed, status: UserStatus = 'CONFIRMED'): PoolUser {
    if (!seed.username || typeof seed.username !== 'string') {
      throw new CognitoError('InvalidParameterException', 'Username must be a non-empty string.');
    }
    if (this.#users.has(seed.username)) {
      throw new CognitoError('UsernameExistsException', 'User account already exists.');
    }
    const now = this.clock();
    const user: PoolUser = {
      username: seed.username,
      attributes: { sub: randomUUID(), ...seed.attributes },
      status,
      enabled: true,
      createdAt: now,
      modifiedAt: now,
    };
    this.#users.set(user.username, user);
    return user;
  }

  get(username: string): PoolUser | undefined {
    return this.#users.get(username);
  }

  /** The user a sign-in name means: the username, else a verified email or phone alias. */
  find(signInName: string): PoolUser | undefined {
    const exact = this.#users.get(signInName);
    if (exact) return exact;
    const alias = signInName.trim().toLowerCase();
    return [...this.#users.values()].find(
      ({ attributes: a }) =>
        (a['email_verified'] === 'true' && a['email']?.toLowerCase() === alias) ||
        (a['phone_number_verified'] === 'true' && a['phone_number'] === alias),
    );
  }

  /** The user, or Cognito's UserNotFoundException (admin calls name users by their username only). */
  require(username: string): PoolUser {
    const user = this.#users.get(username);
    if (!user) throw new CognitoError('UserNotFoundException', 'User does not exist.');
    return user;
  }

  /**
   * As Cognito does: a changed email or phone number is no longer verified, unless the same call
   * marks it verified. `sub` cannot change.
   */
  update(username: string, changes: Record<string, string>): PoolUser {
    const user = this.require(username);
    if ('sub' in changes) throw new CognitoError('InvalidParameterException', 'Cannot modify sub.');
    for (const [attribute, flag] of [
      ['email', 'email_verified'],
      ['phone_number', 'phone_number_verified'],
    ] as const) {
      if (attribute in changes && changes[attribute] !== user.attributes[attribute] && !(flag in changes)) {
        changes = { ...changes, [flag]: 'false' };
      }
    }
    user.attributes = { ...user.attributes, ...changes };
    user.modifiedAt = this.clock();
    return user;
  }

  delete(username: string): void {
    this.require(username);
    this.#users.delete(username);
  }
}

/** One user to try sign-in with when `OTP_LOCAL_COGNITO_USERS` is unset: codes go to the outbox. */
export const DEMO_USERS: UserSeed[] = [
  {
    username: 'ana',
    attributes: {
      email: 'ana@example.com',
      email_verified: 'true',
      phone_number: '+14155550123',
      phone_number_verified: 'true',
    },
  },
];

/**
 * `OTP_LOCAL_COGNITO_USERS`: a JSON array `[{"username", "attributes"?}]`, or the path of a file that
 * holds one. Unset: the demo user. Attribute values may be given as JSON booleans or numbers.
 */
export function userSeedsFromEnv(env: Record<string, string | undefined>): UserSeed[] {
  const raw = env[OTP_LOCAL_COGNITO_USERS]?.trim();
  if (!raw) return DEMO_USERS;
  let text = raw;
  if (!/^[[{]/.test(raw)) {
    try {
      text = readFileSync(raw, 'utf8');
    } catch (error) {
      throw new Error(`${OTP_LOCAL_COGNITO_USERS}: cannot read "${raw}" (${(error as Error).message})`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${OTP_LOCAL_COGNITO_USERS} must be JSON: [{"username", "attributes"?: {...}}]`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${OTP_LOCAL_COGNITO_USERS} must be a JSON array of users`);
  return parsed.map((entry: unknown, index) => {
    const { username, attributes = {} } = (entry ?? {}) as { username?: unknown; attributes?: unknown };
    if (typeof username !== 'string' || username === '' || typeof attributes !== 'object' || !attributes) {
      throw new Error(`${OTP_LOCAL_COGNITO_USERS}[${index}] needs a "username" and an "attributes" object`);
    }
    const strings = Object.entries(attributes).map(([name, value]) => [name, String(value)]);
    return { username, attributes: Object.fromEntries(strings) };
  });
}
