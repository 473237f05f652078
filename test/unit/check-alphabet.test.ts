/**
 * The check with codes with letters, at the engine's edge: whatever case, spaces and dashes a person
 * types, the store is asked one conditional write with the MACs of the code as generated, so the
 * guessing bound of the check store holds unchanged. A store stub records what it was asked.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCode } from '../../functions/core/check.ts';
import { ALPHANUMERIC } from '../../functions/core/codes.ts';
import { newVerificationId } from '../../functions/core/ids.ts';
import type { CheckOutcome, CheckStore } from '../../functions/core/ports.ts';
import { Sealer } from '../../functions/core/sealing.ts';
import { DEFAULT_SETTINGS } from '../../functions/core/settings.ts';

const sealer = new Sealer(randomBytes(32));
const id = newVerificationId(sealer.destinationKey('+14155550123'));
const silent = { info() {}, warn() {}, error() {} };

function engine(codeAlphabet: 'digits' | 'alphanumeric') {
  const asked: string[][] = [];
  const store: CheckStore = {
    async guess(_id, macs): Promise<CheckOutcome> {
      asked.push([...macs]);
      return { kind: 'not_found' };
    },
    async approveCounted() {
      throw new Error('a check naming no payment on an unbound verification never asks for a second write');
    },
  };
  const deps = {
    store,
    sealer,
    clock: Date.now,
    log: silent,
    settings: { ...DEFAULT_SETTINGS, codeAlphabet },
  };
  return { deps, asked };
}

const symbols = fc.string({ unit: fc.constantFrom(...ALPHANUMERIC), minLength: 6, maxLength: 6 });

describe('checking a code with letters', () => {
  it('property: any case, spaces and dashes reach the store as the MACs of the code itself, once', async () => {
    await fc.assert(
      fc.asyncProperty(
        symbols,
        fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
        fc.array(fc.constantFrom('', ' ', '-', ' - '), { minLength: 7, maxLength: 7 }),
        async (code, lower, separators) => {
          const { deps, asked } = engine('alphanumeric');
          const typed =
            separators[0] +
            [...code].map((c, i) => (lower[i] ? c.toLowerCase() : c) + separators[i + 1]).join('');
          await expect(checkCode(deps, id, typed)).rejects.toMatchObject({ statusCode: 404 });
          expect(asked).toEqual([sealer.macs(id, code)]);
        },
      ),
      { seed: 1313, numRuns: 200 },
    );
  });

  it('refuses a malformed guess before the store (no attempt used), naming the alphabet', async () => {
    const { deps, asked } = engine('alphanumeric');
    for (const bad of ['X7K9P0', 'X7K9P', 'X7K9PQR', 'X7_9PQ', 123456]) {
      await expect(checkCode(deps, id, bad)).rejects.toMatchObject({
        statusCode: 400,
        message: '`code` must be a string of 6 letters and digits.',
      });
    }
    expect(asked).toEqual([]);
  });

  it('leaves digit codes as they were: no letters, no separators', async () => {
    const { deps, asked } = engine('digits');
    for (const bad of ['12 3456', '12-3456', 'ABCDEF']) {
      await expect(checkCode(deps, id, bad)).rejects.toMatchObject({ statusCode: 400 });
    }
    expect(asked).toEqual([]);
  });
});
