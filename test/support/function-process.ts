/**
 * A deployed function, run as Lambda runs it: its bundle (built with the construct's own esbuild
 * options, `esbuildOptions`) imported in a fresh Node process with only the environment it is given,
 * kept warm between invocations, and invoked with an event and a Lambda context.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { esbuildOptions, type HandlerName, handlerEntry } from '../../infra/otp-function.ts';

/** Builds each handler's bundle into `dir/<name>/index.mjs`, as CDK does for the deployed asset. */
export async function buildBundles(
  handlers: readonly HandlerName[],
  dir: string,
): Promise<Record<string, string>> {
  const files = await Promise.all(
    handlers.map(async (name) => {
      const file = join(dir, name, 'index.mjs');
      mkdirSync(join(dir, name), { recursive: true });
      await build({ ...esbuildOptions(handlerEntry(name), file), absWorkingDir: process.cwd() });
      return [name, file] as const;
    }),
  );
  return Object.fromEntries(files);
}

const RUNNER = `
const { handler } = await import(process.argv[2]);
let invocations = 0;
process.on('message', async ({ id, event }) => {
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
  const context = {
    awsRequestId: 'request-' + ++invocations, functionName: name, functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:' + process.env.AWS_REGION + ':123456789012:function:' + name,
    memoryLimitInMB: '1024', logGroupName: '/aws/lambda/' + name, logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 10000,
  };
  try {
    const result = await handler(event, context);
    process.send({ id, result: result === undefined ? null : result });
  } catch (error) {
    process.send({ id, error: { name: error?.name, message: error?.message } });
  }
});
process.send({ ready: true });
`;

export class InvocationError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export class FunctionProcess {
  /** What the function wrote to stdout and stderr (its logs). */
  readonly output: string[] = [];
  #next = 0;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (e: Error) => void }>();

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {}

  /** Starts the process and waits for the bundle's import (its cold start) to finish. */
  static async start(name: string, bundle: string, env: Record<string, string>, dir: string) {
    const runner = join(dir, 'runner.mjs');
    writeFileSync(runner, RUNNER);
    const child = fork(runner, [pathToFileURL(bundle).href], { execArgv: [], env, silent: true });
    const fn = new FunctionProcess(name, child);
    child.stdout?.on('data', (chunk: Buffer) => fn.output.push(chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => fn.output.push(chunk.toString('utf8')));
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(new Error(`the ${name} function exited at cold start (${code}): ${fn.output.join('')}`));
      child.once('exit', onExit);
      child.on('message', (message: { ready?: boolean; id?: number; result?: unknown; error?: Error }) => {
        if (message.ready) {
          child.off('exit', onExit);
          resolve();
          return;
        }
        const waiting = fn.#pending.get(message.id!);
        fn.#pending.delete(message.id!);
        if (message.error) waiting?.reject(new InvocationError(message.error.name, message.error.message));
        else waiting?.resolve(message.result);
      });
    });
    child.on('exit', (code) => {
      for (const waiting of fn.#pending.values()) waiting.reject(new Error(`${name} exited (${code})`));
      fn.#pending.clear();
    });
    return fn;
  }

  invoke<T = unknown>(event: unknown): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, event });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill();
    await exited;
  }
}
