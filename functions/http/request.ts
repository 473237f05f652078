import type { APIGatewayProxyEvent } from 'aws-lambda';
import { EngineError, invalidRequest } from '../core/errors.ts';

export const MAX_BODY_BYTES = 16 * 1024;

/** The 413 for a body over the limit, in the limit's own unit (local mode's server answers it too). */
export const payloadTooLarge = () =>
  new EngineError(413, 'payload_too_large', `The body must not exceed ${MAX_BODY_BYTES / 1024} KiB.`);

/** The JSON object in the body: 413 past 16 KiB, 400 when it is not JSON or not an object. */
export function readJsonObject(
  event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>,
): Record<string, unknown> {
  const raw =
    event.isBase64Encoded && event.body
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : (event.body ?? '');
  if (Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) {
    throw payloadTooLarge();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidRequest('The body must be a JSON object.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidRequest('The body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

/** A header by name, whatever its case (API Gateway keeps the case the client sent). */
export function header(event: Pick<APIGatewayProxyEvent, 'headers'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

export const pathId = (event: Pick<APIGatewayProxyEvent, 'pathParameters'>) =>
  event.pathParameters?.['id'] ?? '';
