import type { SendDeps } from '../core/deps.ts';
import type { IdempotencyStore } from '../core/ports.ts';
import { startVerification } from '../core/start.ts';
import { withIdempotency } from './idempotency.ts';
import { header, readJsonObject } from './request.ts';
import { json, respondOrFail } from './responses.ts';
import type { Route } from './route.ts';
import { parseStartBody } from './start-schema.ts';

export interface StartHandlerDeps extends SendDeps {
  idempotency: IdempotencyStore;
}

/** `POST /v1/verifications`: parse, (replay or) start, answer 201 for a new one, 200 for a resend. */
export function createStartRoute(deps: StartHandlerDeps): Route {
  return (event) =>
    respondOrFail(deps.log, async () => {
      const body = readJsonObject(event);
      const request = parseStartBody(body);
      // Keys are scoped to the caller's API key: two apps may well pick the same key.
      const key = header(event, 'idempotency-key');
      const scope = event.requestContext?.identity?.apiKeyId ?? '';
      return withIdempotency(
        deps.idempotency,
        deps.clock,
        key === undefined ? undefined : { key, scope },
        // The validated request, not the raw body: unknown members are ignored, so they must not
        // make two requests differ (nor can a deeply nested one exhaust the fingerprint's recursion).
        request,
        async () => {
          const result = await startVerification(deps, request);
          return json(result.statusCode, result.body);
        },
      );
    });
}
