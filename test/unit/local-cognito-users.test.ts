import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CognitoError } from '../../local/cognito/errors.ts';
import { DEMO_USERS, UserDirectory, userSeedsFromEnv } from '../../local/cognito/users.ts';

/** Local mode's user pool: who it starts with (OTP_LOCAL_COGNITO_USERS) and how it finds a user. */
describe('OTP_LOCAL_COGNITO_USERS', () => {
  const BO = { username: 'bo', attributes: { email: 'bo@example.com', email_verified: 'true' } };

  it('is the demo user when unset or empty', () => {
    expect(userSeedsFromEnv({})).toBe(DEMO_USERS);
    expect(userSeedsFromEnv({ OTP_LOCAL_COGNITO_USERS: ' ' })).toBe(DEMO_USERS);
    expect(DEMO_USERS.map((user) => user.username)).toEqual(['ana']);
  });

  it('takes a JSON array, attribute values as strings', () => {
    const raw = '[{"username":"bo","attributes":{"email":"bo@example.com","email_verified":true}}]';
    expect(userSeedsFromEnv({ OTP_LOCAL_COGNITO_USERS: raw })).toEqual([BO]);
  });

  it('takes the path of a file holding one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'onetime-users-'));
    try {
      const file = join(dir, 'users.json');
      writeFileSync(file, JSON.stringify([BO, { username: 'cy' }]));
      expect(userSeedsFromEnv({ OTP_LOCAL_COGNITO_USERS: file })).toEqual([
        BO,
        { username: 'cy', attributes: {} },
      ]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it.each([
    ['{"username":"bo"}', /must be a JSON array/],
    ['[{"attributes":{}}]', /\[0\] needs a "username"/],
    ['[oops', /must be JSON/],
    ['/no/such/users.json', /cannot read "\/no\/such\/users.json"/],
  ])('refuses %s with a message naming the variable', (raw, message) => {
    expect(() => userSeedsFromEnv({ OTP_LOCAL_COGNITO_USERS: raw })).toThrow(message);
    expect(() => userSeedsFromEnv({ OTP_LOCAL_COGNITO_USERS: raw })).toThrow(/OTP_LOCAL_COGNITO_USERS/);
  });
});

describe('UserDirectory', () => {
  const directory = () => {
    const users = new UserDirectory();
    users.create({
      username: 'ana',
      attributes: { email: 'Ana@Example.com', email_verified: 'true', phone_number: '+14155550123' },
    });
    return users;
  };

  it('finds a user by username or by a verified alias only', () => {
    const users = directory();
    expect(users.find('ana')?.username).toBe('ana');
    expect(users.find('ana@example.com')?.username).toBe('ana');
    // The phone number is not verified, so it is no sign-in alias.
    expect(users.find('+14155550123')).toBeUndefined();
    expect(users.get('ana')?.attributes['sub']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('unverifies a changed address unless the same change verifies it', () => {
    const users = directory();
    users.update('ana', { email: 'new@example.com' });
    expect(users.get('ana')?.attributes).toMatchObject({ email: 'new@example.com', email_verified: 'false' });
    users.update('ana', { phone_number: '+14155550124', phone_number_verified: 'true' });
    expect(users.get('ana')?.attributes).toMatchObject({ phone_number_verified: 'true' });
  });

  it('answers as Cognito does for a taken username, an unknown one, and a changed sub', () => {
    const users = directory();
    const nameOf = (call: () => unknown) => {
      try {
        call();
      } catch (error) {
        return error instanceof CognitoError ? error.name : String(error);
      }
      return 'no error';
    };
    expect(nameOf(() => users.create({ username: 'ana' }))).toBe('UsernameExistsException');
    expect(nameOf(() => users.delete('bo'))).toBe('UserNotFoundException');
    expect(nameOf(() => users.update('ana', { sub: 'x' }))).toBe('InvalidParameterException');
  });
});
