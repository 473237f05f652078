/**
 * Powertools Logger, adapted to the engine's `Log` port and to per-request tagging, for the functions
 * off the request path: the activity stream (which publishes through Powertools Metrics), the delivery
 * receipts, the cascade's starter and the key rotation. Every function that serves a request (the HTTP
 * routes, the Cognito triggers, the cascade's step) logs through `JsonLog` instead
 * (functions/wiring/lambda-log.ts): the same line shape at a twentieth of the weight, which their
 * cold-start budgets need (test/infra/lean-hot-path.test.ts). Reads only the service name, so any
 * function can import it, whatever else its environment holds.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from '../core/ports.ts';
import type { RequestLog } from './runtime.ts';
import { serviceName } from './service-name.ts';

export const logger = new Logger({ serviceName });

export const powertoolsLog: Log & RequestLog = {
  info: (message, ...fields) => logger.info(message, ...fields),
  warn: (message, ...fields) => logger.warn(message, ...fields),
  error: (message, ...fields) => logger.error(message, ...fields),
  beginRequest({ requestId, correlationId }) {
    logger.removeKeys(['correlationId']);
    if (requestId !== undefined) logger.appendKeys({ function_request_id: requestId });
    if (correlationId !== undefined) logger.appendKeys({ correlationId });
  },
};
