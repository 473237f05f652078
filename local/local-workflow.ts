import './polyfills.ts';
import {
  type DynamoDBClient,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { type RunOptions, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { CascadeStepDeps } from '../functions/core/cascade-step.ts';
import type { CascadeScheduler, Log, WorkflowStarter } from '../functions/core/ports.ts';
import { startCascadeIfPending } from '../functions/workflow/cascade-start.ts';
import { cascadeTask } from '../functions/workflow/cascade-task.ts';
import type { AslDefinition } from './workflow-definition.ts';

/**
 * Local mode's cascade: the delayed queue and its starter, and the state machine as `cdk synth`
 * renders it (see `synthesizeCascadeDefinition`), run by aws-local-stepfunctions in this process.
 * `schedule` holds the start back like the SQS delay, then runs the same starter code as the Lambda
 * (functions/workflow/cascade-start.ts); the task is bound by state name to the same step code
 * (functions/workflow/cascade-task.ts) with local mode's senders (the outbox), and the failure
 * record goes to DynamoDB Local with exactly the parameters the definition builds.
 *
 * `startCascade` behaves like StartExecution on a Standard state machine: one execution per name (the
 * verification id), started in the background; a second start with the same name is a no-op.
 */
export interface LocalWorkflowOptions {
  client: DynamoDBClient;
  tableName: string;
  log: Log;
  /** Pause before each retry, per state name, instead of the definition's backoff (tests). */
  retryIntervalOverrides?: Record<string, number | number[]>;
  /**
   * Tests: the Wait state takes no time, and this is told how long it would have waited (so a test
   * clock can move by as much) before the next step task runs.
   */
  skipWaits?: (seconds: number) => void;
  /** The ASL to run, as synthesized from the construct in infra/cascade-workflow.ts (synthesizeLocalDefinition). */
  definition: AslDefinition | Promise<AslDefinition>;
  /** Ended executions kept for inspection (a long local session sends many codes). Default 1,000. */
  keepEnded?: number;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

/** One execution as the Step Functions console would show it: input, output or error, history. */
export interface LocalExecution {
  name: string;
  input: unknown;
  status: ExecutionStatus;
  output?: unknown;
  error?: { error: string; cause: string };
  /** aws-local-stepfunctions' event log: every state entered and exited, with its input and output. */
  events: unknown[];
  /** Settles (never rejects) when the execution has ended. */
  done: Promise<LocalExecution>;
}

interface Loaded {
  machine: StateMachine;
  states: { place: string; wait: string; recordFailure: string };
}

export class LocalCascade implements CascadeScheduler, WorkflowStarter {
  /**
   * Executions by name (the verification id), oldest first: every running one and the most recent
   * ended ones (`keepEnded`). Unnamed runs are under `runs`.
   */
  readonly executions = new Map<string, LocalExecution>();
  readonly runs: LocalExecution[] = [];
  /** Every name ever started: a name is never run twice, as in a Standard state machine. */
  readonly #names = new Set<string>();

  readonly #options: LocalWorkflowOptions;
  readonly #loaded: Promise<Loaded>;
  readonly #aborts = new Set<() => void>();
  /** Delayed starts not yet due (the queue's messages). */
  readonly #delayed = new Set<NodeJS.Timeout>();
  #deps: CascadeStepDeps | undefined;
  #task: ((input: unknown) => Promise<unknown>) | undefined;
  #stopped = false;

  constructor(options: LocalWorkflowOptions) {
    this.#options = options;
    this.#loaded = (async () => {
      const workflow = await import('../infra/cascade-workflow.ts');
      const definition = await options.definition;
      return {
        machine: new StateMachine(definition as unknown as StateMachineDefinition),
        states: workflow.CASCADE_STATES,
      };
    })();
    this.#loaded.catch(() => {}); // reported by ready() and by each execution
  }

  /** The engine's dependencies for the step task: the API's own (same store, same secret, same senders). */
  attach(deps: CascadeStepDeps): this {
    this.#deps = deps;
    this.#task = cascadeTask(deps);
    return this;
  }

  /** The delayed message: after `delaySeconds`, the starter's check, then the workflow if still pending. */
  async schedule(verificationId: string, delaySeconds: number): Promise<void> {
    if (this.#stopped) throw new Error('the local workflow is stopped');
    const deps = this.#deps;
    if (!deps) throw new Error('LocalCascade.attach(deps) was not called');
    const timer = setTimeout(() => {
      this.#delayed.delete(timer);
      const body = JSON.stringify({ verificationId });
      startCascadeIfPending(
        { store: deps.store, workflow: this, clock: deps.clock, log: deps.log },
        body,
      ).catch((error: unknown) =>
        deps.log.error('cascade workflow not started', { verificationId, error: String(error) }),
      );
    }, delaySeconds * 1000);
    this.#delayed.add(timer);
  }

  /** Resolves once the definition is rendered and accepted; rejects with the reason otherwise. */
  async ready(): Promise<void> {
    await this.#loaded;
  }

  async startCascade(verificationId: string): Promise<void> {
    if (this.#stopped) throw new Error('the local workflow is stopped');
    if (this.#names.has(verificationId)) return; // ExecutionAlreadyExists: harmless, as in AWS
    this.#names.add(verificationId);
    const execution = this.#execute(verificationId, { verificationId });
    this.executions.set(verificationId, execution);
    void execution.done.then(() => this.#forgetEnded());
  }

  /**
   * Runs one more execution of the input whether or not one ran before (as a redrive, a duplicate
   * Express start or a retried StartExecution would), and resolves when it has ended.
   */
  run(input: unknown): Promise<LocalExecution> {
    if (this.#stopped) return Promise.reject(new Error('the local workflow is stopped'));
    const execution = this.#execute(`run-${this.runs.length + 1}`, input);
    this.runs.push(execution);
    return execution.done;
  }

  #forgetEnded(): void {
    let excess = this.executions.size - (this.#options.keepEnded ?? 1_000);
    for (const [name, execution] of this.executions) {
      if (excess <= 0) return;
      if (execution.status !== 'RUNNING') {
        this.executions.delete(name);
        excess--;
      }
    }
  }

  /** Resolves when every execution started so far has ended. */
  async idle(): Promise<void> {
    await Promise.all([...this.executions.values(), ...this.runs].map((e) => e.done));
  }

  /** Drops the delayed starts, aborts every running execution (a wait ends at once), waits for them. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#delayed) clearTimeout(timer);
    this.#delayed.clear();
    for (const abort of this.#aborts) abort();
    await this.idle();
  }

  #execute(name: string, input: unknown): LocalExecution {
    const execution = { name, input, status: 'RUNNING', events: [] } as unknown as LocalExecution;
    execution.done = this.#runExecution(execution).then(() => execution);
    return execution;
  }

  async #runExecution(execution: LocalExecution): Promise<void> {
    const { log } = this.#options;
    try {
      const { machine, states } = await this.#loaded;
      if (this.#stopped) {
        execution.status = 'ABORTED';
        return;
      }
      const run = machine.run(execution.input as never, this.#runOptions(states));
      const abort = () => run.abort();
      this.#aborts.add(abort);
      const collecting = (async () => {
        for await (const event of run.eventLogs) execution.events.push(event);
      })();
      try {
        const output = await run.result;
        if (output === null && this.#stopped) {
          execution.status = 'ABORTED';
        } else {
          execution.status = 'SUCCEEDED';
          execution.output = output;
        }
      } catch (error) {
        const cause = (error as { cause?: { name?: string; message?: string } }).cause;
        execution.status = 'FAILED';
        execution.error = { error: cause?.name ?? 'Error', cause: cause?.message ?? String(error) };
        log.error('cascade workflow failed', {
          execution: execution.name,
          error: execution.error.error,
        });
      } finally {
        this.#aborts.delete(abort);
        await collecting;
      }
    } catch (error) {
      execution.status = 'FAILED';
      execution.error = { error: 'LocalWorkflowError', cause: String(error) };
      log.error('cascade workflow could not run', { execution: execution.name, error: String(error) });
    }
  }

  #runOptions(states: Loaded['states']): RunOptions {
    const { client, retryIntervalOverrides, skipWaits } = this.#options;
    return {
      noThrowOnAbort: true,
      overrides: {
        ...(retryIntervalOverrides ? { retryIntervalOverrides } : {}),
        ...(skipWaits ? { waitTimeOverrides: { [states.wait]: 0 } } : {}),
        taskResourceLocalHandlers: {
          // Step Functions' DynamoDB integration sends the state's parameters as the API request
          // and answers with the API's response; its errors are named `DynamoDB.<exception>`.
          [states.recordFailure]: async (input) => {
            await dynamo(() =>
              client.send(new UpdateItemCommand(input as unknown as UpdateItemCommandInput)),
            );
            return {};
          },
          [states.place]: async (input) => {
            if (!this.#task) throw new Error('LocalCascade.attach(deps) was not called');
            const output = (await this.#task(input)) as { waitSeconds?: number };
            if (skipWaits && output.waitSeconds !== undefined) skipWaits(output.waitSeconds);
            return output as never;
          },
        },
      },
    };
  }
}

/**
 * The cascade ASL as `cdk synth` renders it, for a table of this name. Loaded on demand: aws-cdk-lib
 * (about a second to import) is only needed for this.
 */
export async function synthesizeLocalDefinition(
  tableName: string,
  codeValiditySeconds: number,
): Promise<AslDefinition> {
  const { synthesizeCascadeDefinition } = await import('./workflow-definition.ts');
  return synthesizeCascadeDefinition({ tableName, codeValiditySeconds });
}

async function dynamo<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    const named = new Error((error as Error).message);
    named.name = `DynamoDB.${(error as Error).name}`;
    throw named;
  }
}
