import { createHash } from 'node:crypto';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { EngineError, invalidRequest } from '../core/errors.ts';
import type { Clock, IdempotencyStore } from '../core/ports.ts';
import { errorResponse } from './responses.ts';

/**
 * `Idempotency-Key`: the same key with the same body within 10 minutes answers the first response again
 * and sends nothing. The same key with another body is refused, and so is a key whose first request
 * is still running.
 */
export const IDEMPOTENCY_TTL_SECONDS = 600;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export async function withIdempotency(
  store: IdempotencyStore,
  clock: Clock,
  idempotencyKey: { key: string; scope: string } | undefined,
  body: unknown,
  run: () => Promise<APIGatewayProxyResult>,
): Promise<APIGatewayProxyResult> {
  if (idempotencyKey === undefined) return run();
  if (!KEY_PATTERN.test(idempotencyKey.key))
    throw invalidRequest('`Idempotency-Key` must be 1-255 printable ASCII characters.', 'Idempotency-Key');

  const key = `${idempotencyKey.scope}\n${idempotencyKey.key}`;
  const claim = await store.claim(key, fingerprint(body), clock(), IDEMPOTENCY_TTL_SECONDS);
  if (claim.kind === 'completed') return replay(claim.statusCode, claim.body);
  if (claim.kind === 'mismatch') {
    throw new EngineError(
      422,
      'idempotency_key_reused',
      'This Idempotency-Key was used with a different body.',
      {
        field: 'Idempotency-Key',
      },
    );
  }
  if (claim.kind === 'in_progress') {
    throw new EngineError(
      409,
      'idempotency_in_progress',
      'A request with this Idempotency-Key is still running.',
      {
        retryAfterSeconds: 1,
      },
    );
  }

  let response: APIGatewayProxyResult;
  try {
    response = await run();
  } catch (error) {
    // Final answers are replayed, a refused delivery included (the channel was called). A rate
    // limit or a fault of ours frees the key, so a retry after Retry-After can succeed.
    if (error instanceof EngineError && error.statusCode !== 429 && error.statusCode !== 500) {
      return finish(store, clock, key, errorResponse(error));
    }
    await store.release(key);
    throw error;
  }
  if (response.statusCode === 500) {
    await store.release(key);
    return response;
  }
  return finish(store, clock, key, response);
}

async function finish(store: IdempotencyStore, clock: Clock, key: string, response: APIGatewayProxyResult) {
  await store.complete(key, response.statusCode, response.body, clock(), IDEMPOTENCY_TTL_SECONDS);
  return response;
}

function replay(statusCode: number, body: string): APIGatewayProxyResult {
  return {
    statusCode,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'idempotent-replayed': 'true',
    },
    body,
  };
}

/** A hash of the body that ignores member order. */
function fingerprint(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
