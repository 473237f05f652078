import { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from '../core/ports.ts';
import type { RequestLog } from './runtime.ts';
import { serviceName } from './runtime.ts';

/**
 * Powertools Logger for the functions off the hot path (start, Cognito triggers, voice fallback),
 * adapted to the engine's `Log` port and to `lambdaHandler`'s per-request tagging.
 */
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
