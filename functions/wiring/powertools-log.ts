/**
 * The functions' logger: Powertools Logger, adapted to the engine's `Log` port and to per-request
 * tagging. Every function uses it except check, status and cancel, whose bundles are budgeted against
 * a bare DynamoDB client and log through `JsonLog` instead (functions/adapters/json-log.ts; the budget
 * is held by test/infra/lean-hot-path.test.ts). Reads only the service name, so any function can
 * import it, whatever else its environment holds.
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
