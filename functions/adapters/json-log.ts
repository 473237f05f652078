import type { Log } from '../core/ports.ts';
import { X_AMZN_TRACE_ID } from '../env.ts';

/**
 * A structured logger for the functions on the hot path (check, status, cancel). It writes the same
 * JSON shape as Powertools Logger (level, message, timestamp, service, function_request_id,
 * xray_trace_id, plus a correlation id) — test/unit/json-log.test.ts holds the two side by side — but
 * weighs a few hundred bytes: Powertools Logger alone is 23 KB, more than the check function's whole
 * size budget over a bare DynamoDB client (test/infra/lean-hot-path.test.ts holds that budget). The
 * other functions use Powertools Logger itself (functions/wiring/powertools-log.ts).
 */
export class JsonLog implements Log {
  #requestKeys: Record<string, unknown> = {};

  constructor(
    private readonly service: string,
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  /** Tags the following lines with the invocation's ids (replacing the previous invocation's). */
  beginRequest(keys: { requestId?: string; correlationId?: string }): void {
    const traceId = process.env[X_AMZN_TRACE_ID]?.match(/Root=([^;]+)/)?.[1];
    this.#requestKeys = {
      ...(keys.requestId === undefined ? {} : { function_request_id: keys.requestId }),
      ...(traceId === undefined ? {} : { xray_trace_id: traceId }),
      ...(keys.correlationId === undefined ? {} : { correlationId: keys.correlationId }),
    };
  }

  info(message: string, ...fields: Record<string, unknown>[]): void {
    this.#emit('INFO', message, fields);
  }
  warn(message: string, ...fields: Record<string, unknown>[]): void {
    this.#emit('WARN', message, fields);
  }
  error(message: string, ...fields: Record<string, unknown>[]): void {
    this.#emit('ERROR', message, fields);
  }

  #emit(level: string, message: string, fields: Record<string, unknown>[]): void {
    const line = {
      level,
      message,
      timestamp: new Date().toISOString(),
      service: this.service,
      ...this.#requestKeys,
    };
    this.write(JSON.stringify(Object.assign(line, ...fields)));
  }
}
