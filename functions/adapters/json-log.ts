import type { Log } from '../core/ports.ts';
import {
  AWS_LAMBDA_INITIALIZATION_TYPE,
  AWS_LAMBDA_LOG_LEVEL,
  LOG_LEVEL,
  POWERTOOLS_LOG_LEVEL,
  X_AMZN_TRACE_ID,
} from '../env.ts';

/**
 * The functions' structured logger. It writes the same JSON shape as Powertools Logger (level,
 * message, timestamp, service, the Lambda context's keys, function_request_id, xray_trace_id, plus a
 * correlation id) — test/unit/json-log.test.ts holds the two side by side — and honours the same log
 * level setting (`logThresholdFromEnv`), but weighs about a kilobyte: Powertools Logger is 20 KB at
 * import, more than the check function's whole size budget over a bare DynamoDB client
 * (test/infra/lean-hot-path.test.ts holds that budget and the send path's). Every function that
 * serves a request logs through it (functions/wiring/lambda-log.ts); the stream, receipt and
 * rotation functions still use Powertools Logger (functions/wiring/powertools-log.ts).
 */
export class JsonLog implements Log {
  #requestKeys: Record<string, unknown> = {};
  // Private fields rather than parameter properties: their names shrink in the bundle, where the check
  // function's budget has no byte to spare (test/infra/lean-hot-path.test.ts).
  readonly #service: string;
  readonly #write: (line: string) => void;
  readonly #threshold: number;

  /** `threshold`: the least level written, on Powertools Logger's scale (`logThresholdFromEnv`). */
  constructor(service: string, write: (line: string) => void = writeLine, threshold = 0) {
    this.#service = service;
    this.#write = write;
    this.#threshold = threshold;
  }

  /**
   * Tags the following lines with the invocation's ids (replacing the previous invocation's), after
   * `context`'s keys when given (`lambdaContextKeys`: what Powertools' `addContext` adds).
   */
  beginRequest(
    keys: { requestId?: string; correlationId?: string },
    context?: Record<string, unknown>,
  ): void {
    // An id not given stays undefined, which JSON.stringify leaves out of the line.
    this.#requestKeys = {
      ...context,
      function_request_id: keys.requestId,
      xray_trace_id: process.env[X_AMZN_TRACE_ID]?.match(/Root=([^;]+)/)?.[1],
      correlationId: keys.correlationId,
    };
  }

  info(message: string, ...fields: Record<string, unknown>[]): void {
    this.#emit('INFO', 12, message, fields);
  }
  warn(message: string, ...fields: Record<string, unknown>[]): void {
    this.#emit('WARN', 16, message, fields);
  }
  error(message: string, ...fields: Record<string, unknown>[]): void {
    this.#emit('ERROR', 20, message, fields);
  }

  #emit(level: string, rank: number, message: string, fields: Record<string, unknown>[]): void {
    if (rank < this.#threshold) return;
    const own = { level, message, timestamp: new Date().toISOString(), service: this.#service };
    // Powertools' reserved keys stay the line's own, whatever the fields say (metric filters read
    // `$.message`); assigned again after the fields, where they keep their place first in the line.
    this.#write(
      JSON.stringify(
        Object.assign({ ...own, ...this.#requestKeys }, ...fields, own),
        errorsAsObjects(new Set()),
      ),
    );
  }
}

/**
 * An Error, wherever it sits in a line's fields, as Powertools Logger writes it (its `formatError`):
 * name, message, stack, cause (an Error written so too) and its own fields; not Powertools' `location`
 * (the stack's first `file:line`, which the stack holds), whose bytes the check function's budget has
 * no room for (test/infra/lean-hot-path.test.ts). JSON.stringify alone writes an Error as `{}`: its
 * name, message and stack are not enumerable. (`describeError`, functions/core/errors.ts, is the other
 * shape: a line's own `error` and `stack`.)
 *
 * Each Error is written once in a line, the first time it is met: a cause (or a field) that leads
 * back to an Error already written (`err.cause = err`, two errors each the other's cause) is left
 * out, where following it would go on until the stack overflows and the log call throws (Powertools'
 * `formatError` does). `written` is the line's own, so the next line writes the same Error again.
 */
const errorsAsObjects =
  (written: Set<Error>) =>
  (_key: string, value: unknown): unknown =>
    value instanceof Error
      ? written.has(value)
        ? undefined
        : {
            name: value.name,
            message: value.message,
            stack: value.stack,
            cause: value.cause,
            // Its own fields, once it is marked written (`add` answers the set, never falsy): one
            // expression where statements would cost the check function's budget bytes.
            ...((written.add(value) && value) as object),
          }
      : value;

/**
 * One line to standard output, written to its file descriptor at once, as Lambda's runtime writes its
 * own console's lines to its log descriptor: the first use of `process.stdout` builds a stream
 * object, about 3 ms of CPU on a pipe, which the define trigger would pay in its first request
 * (bench/peer.ts; in a function with the AWS SDK, the SDK's own `node:process` import has built it at
 * import already). `node:fs` is taken from the runtime on the first line rather than imported: an
 * ESM import of it costs a bundle without the AWS SDK (the define trigger's) more at import than the
 * stream would. A descriptor that refuses a write (a full pipe someone set non-blocking: EAGAIN) gets
 * the rest through the stream, which queues it, and so does every line after, to keep their order.
 */
export function writeLine(line: string): void {
  let rest = Buffer.from(`${line}\n`);
  if (!throughStream) {
    try {
      const { writeSync } = process.getBuiltinModule('node:fs');
      while (rest.length) rest = rest.subarray(writeSync(1, rest));
      return;
    } catch {
      throughStream = true;
    }
  }
  process.stdout.write(rest);
}

let throughStream = false;

/** Powertools Logger's levels: a line is written when its level's rank is at least the threshold's. */
const THRESHOLDS: Record<string, number> = {
  TRACE: 6,
  DEBUG: 8,
  INFO: 12,
  WARN: 16,
  ERROR: 20,
  CRITICAL: 24,
  SILENT: 28,
};

/**
 * The log level setting, read as Powertools Logger reads it (values trimmed): Lambda's advanced logging
 * controls (`AWS_LAMBDA_LOG_LEVEL`) when they name a level; else `POWERTOOLS_LOG_LEVEL` when set, else
 * `LOG_LEVEL`, and INFO when the one read names no level (an unknown `POWERTOOLS_LOG_LEVEL` is not
 * passed over for `LOG_LEVEL`: Powertools takes the first set and only then checks it).
 */
export function logThresholdFromEnv(env: Record<string, string | undefined>): number {
  const read = (name: string) => env[name]?.trim() ?? '';
  const lambda = read(AWS_LAMBDA_LOG_LEVEL);
  // Lambda's FATAL is Powertools' CRITICAL.
  const threshold =
    THRESHOLDS[lambda === 'FATAL' ? 'CRITICAL' : lambda] ??
    THRESHOLDS[read(POWERTOOLS_LOG_LEVEL) || read(LOG_LEVEL)];
  return threshold ?? THRESHOLDS['INFO']!;
}

/** What Lambda's invocation context tells about the function (the fields of `aws-lambda`'s Context). */
export interface LambdaContext {
  awsRequestId: string;
  functionName: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
}

let coldStart: boolean | undefined;

/**
 * The keys Powertools Logger's `addContext` tags lines with, for `beginRequest`: `cold_start` is
 * true for the first invocation of an environment started on demand (false under provisioned
 * concurrency, as Powertools has it), false after.
 */
export function lambdaContextKeys(context: LambdaContext): Record<string, unknown> {
  coldStart ??= process.env[AWS_LAMBDA_INITIALIZATION_TYPE] === 'on-demand';
  const keys = {
    cold_start: coldStart,
    function_arn: context.invokedFunctionArn,
    function_memory_size: context.memoryLimitInMB,
    function_name: context.functionName,
  };
  coldStart = false;
  return keys;
}
