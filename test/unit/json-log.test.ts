import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  JsonLog,
  lambdaContextKeys,
  logThresholdFromEnv,
  writeLine,
} from '../../functions/adapters/json-log.ts';
import { DeliveryError } from '../../functions/core/errors.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const CONTEXT = {
  awsRequestId: 'req-7',
  functionName: 'onetime-create',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:onetime-create',
  memoryLimitInMB: '1024',
  logGroupName: '/aws/lambda/onetime-create',
  logStreamName: 'stream',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 1000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
} satisfies Context;

describe('the hot-path logger writes what Powertools Logger writes', () => {
  it('uses the same keys for level, message, timestamp, service and request ids', () => {
    const lines: string[] = [];
    const lean = new JsonLog('onetime', (line) => lines.push(line));
    lean.beginRequest({ requestId: 'req-1', correlationId: 'corr-1' });
    lean.info('verification approved', { verificationId: 'v1' });

    const written = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const powertools = new Logger({ serviceName: 'onetime' });
    powertools.appendKeys({ function_request_id: 'req-1', correlationId: 'corr-1' });
    powertools.info('verification approved', { verificationId: 'v1' });
    const powertoolsLine = JSON.parse(String(written.mock.calls.at(-1)?.[0]));
    written.mockRestore();

    const leanLine = JSON.parse(lines[0]!);
    for (const key of [
      'level',
      'message',
      'service',
      'function_request_id',
      'correlationId',
      'verificationId',
    ]) {
      expect(leanLine[key], key).toEqual(powertoolsLine[key]);
    }
    expect(Date.parse(leanLine.timestamp)).not.toBeNaN();
    expect(Object.keys(powertoolsLine)).toEqual(expect.arrayContaining(Object.keys(leanLine)));
  });

  it("keeps its level, message, timestamp and service whatever a line's fields say, as Powertools' reserved keys", async () => {
    const lines: string[] = [];
    const lean = new JsonLog('onetime', (line) => lines.push(line));
    const fields = { message: 'other', level: 'INFO', service: 'x', timestamp: 0, reason: 'spend_limit' };
    lean.warn('send rate limited', fields);

    const written = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const errors = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    new Logger({ serviceName: 'onetime' }).warn('send rate limited', fields);
    // Powertools also warns of each key it drops, a moment later: wait for those lines too.
    await new Promise((resolve) => setImmediate(resolve));
    const powertoolsLine = [...written.mock.calls, ...errors.mock.calls]
      .map(([line]) => JSON.parse(String(line)))
      .find((line) => line.reason === 'spend_limit');
    written.mockRestore();
    errors.mockRestore();

    const leanLine = JSON.parse(lines[0]!);
    // What the spend brake's metric filter reads ($.message, $.reason) is the line's own.
    expect(leanLine).toMatchObject({ level: 'WARN', message: 'send rate limited', service: 'onetime' });
    expect(Date.parse(leanLine.timestamp)).not.toBeNaN();
    const { timestamp: _, sampling_rate: __, ...powertools } = powertoolsLine;
    const { timestamp: ___, ...ours } = leanLine;
    expect(ours).toEqual(powertools);
  });

  it('writes an Error field as Powertools Logger does: name, message, stack, its cause, its own fields', () => {
    // JSON.stringify alone writes an Error as {}: its name, message and stack are not enumerable.
    const refused = new DeliveryError('provider refused the message', true, {
      cause: new TypeError('socket hang up'),
      providerLimit: { statusCode: 503, retryAfterSeconds: 3600 },
    });
    const fields = { verificationId: 'v1', error: refused, earlier: [new RangeError('out of range')] };
    const lines: string[] = [];
    new JsonLog('onetime', (line) => lines.push(line)).error('delivery failed', fields);

    const written = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const errors = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    new Logger({ serviceName: 'onetime' }).error('delivery failed', fields);
    const powertoolsLine = [...written.mock.calls, ...errors.mock.calls]
      .map(([line]) => JSON.parse(String(line)))
      .find((line) => line.message === 'delivery failed');
    written.mockRestore();
    errors.mockRestore();

    const leanLine = JSON.parse(lines[0]!);
    expect(leanLine.error).toMatchObject({
      name: 'DeliveryError',
      message: 'provider refused the message',
      stack: expect.stringMatching(/^DeliveryError: provider refused the message\n {4}at /),
      cause: { name: 'TypeError', message: 'socket hang up' },
      providerLimit: { statusCode: 503, retryAfterSeconds: 3600 },
    });
    // All of Powertools' but `location` (the stack's first `file:line`), which the check function's
    // bundle budget has no room for (test/infra/lean-hot-path.test.ts): the stack holds it.
    const withoutLocation = (value: unknown): unknown =>
      JSON.parse(JSON.stringify(value, (key, v) => (key === 'location' ? undefined : v)));
    const { timestamp: _, sampling_rate: __, ...powertools } = powertoolsLine;
    const { timestamp: ___, ...ours } = leanLine;
    expect(ours).toEqual(withoutLocation(powertools));
    expect(powertools.error.location).toEqual(expect.stringMatching(/^\S+:\d+$/));
    // The same layout as well: a reader of the raw lines sees the same keys in the same order.
    expect(Object.keys(ours.error)).toEqual(
      Object.keys(powertools.error).filter((key) => key !== 'location'),
    );
  });

  it("writes an Error whose cause leads back to it (err.cause = err, a and b each the other's cause) and logs on", () => {
    // Powertools Logger's formatError follows such a cause until the stack overflows, and the log
    // call throws; the line is written here, the cause that closes the circle left out.
    const itself = new Error('itself');
    itself.cause = itself;
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    const selfish = Object.assign(new Error('own field'), { again: undefined as unknown });
    selfish.again = selfish;
    const lines: string[] = [];
    const log = new JsonLog('onetime', (line) => lines.push(line));

    log.error('circular causes', { itself, a, selfish });
    log.error('logs on', { verificationId: 'v1' });

    const [line, next] = lines.map((written) => JSON.parse(written));
    expect(line.itself).toEqual({ name: 'Error', message: 'itself', stack: expect.any(String) });
    expect(line.a).toMatchObject({ message: 'a', cause: { message: 'b' } });
    expect(line.a.cause).not.toHaveProperty('cause');
    expect(line.selfish).toMatchObject({ message: 'own field' });
    expect(line.selfish).not.toHaveProperty('again');
    expect(next).toMatchObject({ message: 'logs on', verificationId: 'v1' });
  });

  it('writes an Error once in a line, and again in the next line', () => {
    const refused = new TypeError('socket hang up');
    const lines: string[] = [];
    const log = new JsonLog('onetime', (line) => lines.push(line));

    log.error('twice', { error: refused, again: refused });
    log.error('next line', { error: refused });

    const [twice, next] = lines.map((written) => JSON.parse(written));
    expect(twice.error).toMatchObject({ name: 'TypeError', message: 'socket hang up' });
    expect(twice).not.toHaveProperty('again');
    expect(next.error).toEqual(twice.error);
  });

  it('drops the previous request ids when a new request begins', () => {
    const lines: string[] = [];
    const log = new JsonLog('onetime', (line) => lines.push(line));
    log.beginRequest({ requestId: 'a', correlationId: 'first' });
    log.beginRequest({ requestId: 'b' });
    log.warn('wrong code');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'WARN', function_request_id: 'b' });
    expect(JSON.parse(lines[0]!)).not.toHaveProperty('correlationId');
  });
});

describe('the Lambda context and the log level, as Powertools Logger has them', () => {
  afterEach(() => vi.unstubAllEnvs());

  it("tags a Cognito trigger's lines with the keys Powertools' addContext adds, in the same order", () => {
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    vi.stubEnv('_X_AMZN_TRACE_ID', 'Root=1-abc-def;Parent=1;Sampled=1');
    const lines: string[] = [];
    const lean = new JsonLog('onetime', (line) => lines.push(line));
    lean.beginRequest({ requestId: CONTEXT.awsRequestId }, lambdaContextKeys(CONTEXT));
    lean.info('sign-in challenge sent', { verificationId: 'v1' });
    lean.beginRequest({ requestId: 'req-8' }, lambdaContextKeys({ ...CONTEXT, awsRequestId: 'req-8' }));
    lean.info('sign-in challenge sent', { verificationId: 'v2' });

    const powertools = [CONTEXT, { ...CONTEXT, awsRequestId: 'req-8' }];
    const expected = (() => {
      const written = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const logger = new Logger({ serviceName: 'onetime' });
      for (const [index, context] of powertools.entries()) {
        logger.addContext(context);
        logger.info('sign-in challenge sent', { verificationId: `v${index + 1}` });
      }
      const parsed = written.mock.calls.map(([line]) => JSON.parse(String(line)));
      written.mockRestore();
      return parsed;
    })();
    // Every key but `sampling_rate`, which Powertools writes as 0 on every line while debug sampling
    // is off (POWERTOOLS_LOGGER_SAMPLE_RATE, which the construct never sets): it says nothing.
    const without = ({ timestamp: _, sampling_rate: __, ...rest }: Record<string, unknown>) => rest;
    const actual = lines.map((line) => JSON.parse(line));
    expect(actual.map(without)).toEqual(expected.map(without));
    // Key order too: a reader of the raw lines sees the same layout.
    expect(actual.map(Object.keys)).toEqual(
      expected.map((line) => Object.keys(line).filter((key) => key !== 'sampling_rate')),
    );
    expect(expected.map((line) => line.sampling_rate)).toEqual([0, 0]);
    expect(actual.map((line) => line.cold_start)).toEqual([true, false]);
  });

  it('writes lines at or above the level POWERTOOLS_LOG_LEVEL sets, as Powertools Logger does', () => {
    for (const level of ['WARN', 'error', 'SILENT', 'INFO', 'DEBUG', 'CRITICAL', 'FATAL']) {
      const env = { POWERTOOLS_LOG_LEVEL: level };
      const lines: string[] = [];
      const lean = new JsonLog('onetime', (line) => lines.push(line), logThresholdFromEnv(env));
      lean.info('verification sent');
      lean.warn('send rate limited', { reason: 'cooldown' });
      lean.error('unexpected error');

      vi.stubEnv('POWERTOOLS_LOG_LEVEL', level);
      const written = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const errors = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      const logger = new Logger({ serviceName: 'onetime' });
      logger.info('verification sent');
      logger.warn('send rate limited', { reason: 'cooldown' });
      logger.error('unexpected error');
      const powertools = [...written.mock.calls, ...errors.mock.calls].map(
        ([line]) => JSON.parse(String(line)).message,
      );
      written.mockRestore();
      errors.mockRestore();
      vi.unstubAllEnvs();

      expect(
        lines.map((line) => JSON.parse(line).message),
        level,
      ).toEqual(powertools);
    }
  });

  it('reads the level as Powertools Logger does: Lambda log controls, then POWERTOOLS_LOG_LEVEL, then LOG_LEVEL', () => {
    expect(logThresholdFromEnv({})).toBe(logThresholdFromEnv({ POWERTOOLS_LOG_LEVEL: 'INFO' }));
    expect(logThresholdFromEnv({ LOG_LEVEL: 'ERROR' })).toBe(
      logThresholdFromEnv({ POWERTOOLS_LOG_LEVEL: 'ERROR' }),
    );
    expect(logThresholdFromEnv({ POWERTOOLS_LOG_LEVEL: 'WARN', LOG_LEVEL: 'ERROR' })).toBe(
      logThresholdFromEnv({ POWERTOOLS_LOG_LEVEL: 'WARN' }),
    );
    expect(logThresholdFromEnv({ AWS_LAMBDA_LOG_LEVEL: 'ERROR', POWERTOOLS_LOG_LEVEL: 'INFO' })).toBe(
      logThresholdFromEnv({ POWERTOOLS_LOG_LEVEL: 'ERROR' }),
    );
    // Lambda's FATAL is Powertools' CRITICAL; an unknown value is passed over.
    expect(logThresholdFromEnv({ AWS_LAMBDA_LOG_LEVEL: 'FATAL' })).toBe(
      logThresholdFromEnv({ POWERTOOLS_LOG_LEVEL: 'CRITICAL' }),
    );
  });

  it('lands on the level Powertools Logger lands on, however the variables are set (blanks, spaces, unknown values)', () => {
    const settings: Record<string, string>[] = [
      {},
      { POWERTOOLS_LOG_LEVEL: 'loud', LOG_LEVEL: 'WARN' },
      { POWERTOOLS_LOG_LEVEL: '', LOG_LEVEL: 'WARN' },
      { POWERTOOLS_LOG_LEVEL: '  ', LOG_LEVEL: 'ERROR' },
      { POWERTOOLS_LOG_LEVEL: ' WARN ' },
      { LOG_LEVEL: 'ERROR\n' },
      { AWS_LAMBDA_LOG_LEVEL: ' ERROR', POWERTOOLS_LOG_LEVEL: 'INFO' },
      { AWS_LAMBDA_LOG_LEVEL: 'loud', POWERTOOLS_LOG_LEVEL: 'WARN' },
      { AWS_LAMBDA_LOG_LEVEL: 'FATAL', POWERTOOLS_LOG_LEVEL: 'DEBUG' },
      { POWERTOOLS_LOG_LEVEL: 'warn', LOG_LEVEL: 'ERROR' },
    ];
    const stubbed = ['AWS_LAMBDA_LOG_LEVEL', 'POWERTOOLS_LOG_LEVEL', 'LOG_LEVEL'];
    for (const env of settings) {
      for (const name of stubbed) vi.stubEnv(name, env[name]);
      const errors = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      const warnings = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const powertools = new Logger({ serviceName: 'onetime' }).level;
      errors.mockRestore();
      warnings.mockRestore();
      vi.unstubAllEnvs();
      expect(logThresholdFromEnv(env), JSON.stringify(env)).toBe(powertools);
    }
  });
});

describe('where the lines go', () => {
  it('writes each line to standard output without building process.stdout (Lambda-like, in a child process)', () => {
    const script = `
      import { JsonLog } from './functions/adapters/json-log.ts';
      const stdout = Object.getOwnPropertyDescriptor(process, 'stdout');
      let built = false;
      Object.defineProperty(process, 'stdout', { configurable: true, get() { built = true; return stdout.get.call(process); } });
      const log = new JsonLog('onetime');
      log.beginRequest({ requestId: 'req-1' });
      log.info('verification sent', { verificationId: 'v1' });
      log.warn('send rate limited', { reason: 'cooldown' });
      process.stderr.write(built ? 'built' : 'not built');
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('not built');
    const lines = child.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      expect.objectContaining({ level: 'INFO', message: 'verification sent', function_request_id: 'req-1' }),
      expect.objectContaining({ level: 'WARN', message: 'send rate limited', reason: 'cooldown' }),
    ]);
  }, 20_000);

  it('hands a line the descriptor refuses (a full, non-blocking pipe) to process.stdout whole, and the lines after it', () => {
    const refused = Object.assign(new Error('EAGAIN: resource temporarily unavailable, write'), {
      code: 'EAGAIN',
    });
    const fs = vi.spyOn(process, 'getBuiltinModule').mockReturnValue({
      writeSync: () => {
        throw refused;
      },
    } as unknown as typeof import('node:fs'));
    const written = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      writeLine('{"level":"INFO","message":"verification sent"}');
      fs.mockRestore();
      // Every later line follows it through the stream, behind what it may have queued.
      writeLine('{"level":"INFO","message":"verification resent"}');
      expect(written.mock.calls.map(([chunk]) => String(chunk))).toEqual([
        '{"level":"INFO","message":"verification sent"}\n',
        '{"level":"INFO","message":"verification resent"}\n',
      ]);
    } finally {
      written.mockRestore();
      fs.mockRestore();
    }
  });
});

describe('the log level setting reaches every Lambda entry that logs through JsonLog', () => {
  /** The define trigger's lines for one round, in a child process with `env` added. */
  const defineLines = (env: Record<string, string>) => {
    const script = `
      const { handler } = await import('./functions/handlers/cognito-define.ts');
      await handler({ request: { session: [] }, response: {} }, { awsRequestId: 'req-1' });
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'], ...env },
    });
    expect(child.stderr).toBe('');
    return child.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  };

  it('the define trigger writes its INFO line by default and none at WARN', () => {
    expect(defineLines({})).toEqual([
      expect.objectContaining({ level: 'INFO', message: 'sign-in round decided', outcome: 'challenge' }),
    ]);
    expect(defineLines({ POWERTOOLS_LOG_LEVEL: 'WARN' })).toEqual([]);
    expect(defineLines({ AWS_LAMBDA_LOG_LEVEL: 'ERROR' })).toEqual([]);
  }, 30_000);
});
