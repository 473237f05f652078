import type { APIGatewayProxyResult } from 'aws-lambda';
import { describeError, EngineError } from '../core/errors.ts';
import type { Log } from '../core/ports.ts';

/** JSON responses and the error envelope `{"error": {"code", "message", "field"?, "reason"?}}`. */
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

export function errorResponse(error: EngineError): APIGatewayProxyResult {
  const { field, reason, retryAfterSeconds, extra } = error.options;
  const body = {
    error: {
      code: error.code,
      message: error.message,
      ...(field === undefined ? {} : { field }),
      ...(reason === undefined ? {} : { reason }),
    },
    ...extra,
  };
  const headers: Record<string, string> =
    retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) };
  return json(error.statusCode, body, headers);
}

/**
 * Runs a route: an EngineError becomes its 4xx/502; anything else is logged (never shown) and answered
 * with a generic 500, so no stack trace or internal detail ever reaches a caller.
 */
export async function respondOrFail(
  log: Log,
  route: () => Promise<APIGatewayProxyResult>,
): Promise<APIGatewayProxyResult> {
  try {
    return await route();
  } catch (error) {
    if (error instanceof EngineError) return errorResponse(error);
    log.error('unexpected error', describeError(error));
    return errorResponse(
      new EngineError(500, 'internal_error', 'Something went wrong on our side; try again.'),
    );
  }
}
