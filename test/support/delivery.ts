/** Helpers for the channel senders' tests: waits recorded instead of slept, and leak-free errors. */
import { expect } from 'vitest';
import { DeliveryError } from '../../functions/core/errors.ts';

/** Records the waits instead of waiting. */
export function fakeSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

/** Runs `send`, expecting a DeliveryError, and checks it quotes none of `secrets` (destination, code). */
export async function expectDeliveryErrorWithout(
  send: Promise<unknown>,
  secrets: readonly string[],
): Promise<DeliveryError> {
  const error = await send.then(
    () => expect.fail('expected a DeliveryError'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  const text = `${(error as Error).message} ${JSON.stringify((error as Error).cause)}`;
  for (const secret of secrets) expect(text).not.toContain(secret);
  return error as DeliveryError;
}
