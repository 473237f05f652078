/**
 * The checks every deployed stack gets (test/infra/deployed-*.test.ts): its functions run with the
 * template's environment through the contract's flows, then every call each made is held to its
 * role (test/support/deployed-iam.ts).
 */
import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { UserSeed } from '../../local/cognito/users.ts';
import { environmentProblems } from './deployed-environment.ts';
import {
  activityFlow,
  apiFlow,
  cognitoFlow,
  conversionWatchFlow,
  feedbackFlow,
  fillSpendBrake,
  keyRotationFlow,
  phoneNumbersFlow,
  receiptsFlow,
  runCascade,
  startCascade,
} from './deployed-flows.ts';
import { roleProblems } from './deployed-iam.ts';
import { DeployedStack } from './deployed-stack.ts';

export interface SuiteOptions {
  /** A cascade request the stack's channels can place (its steps 1 s apart). */
  cascade: Record<string, unknown>;
  /**
   * Further cascades, for the channels `cascade` leaves out (a cascade has at most three steps): every
   * channel the step function is granted is sent on by one of them.
   */
  otherCascades?: Array<Record<string, unknown>>;
  /** A phone number the stack sends WhatsApp messages to, when its receipts read WhatsApp statuses. */
  whatsAppReceiptsTo?: string;
  /** An email address for the receipts flow, when the stack has email. */
  email?: string;
  /** Users for the Cognito flow, and where their codes go, when the stack has the triggers. */
  cognito?: Array<{ user: UserSeed; to: string }>;
  /** First sends on the stack's other channels (start sends each). */
  otherChannels?: Array<{ channel: string; to: string }>;
  /** Whether the stack has the scheduled key rotation. */
  keyRotation?: boolean;
  /**
   * SMS-Voice sends the stack's phone providers must have made by the end of the flows, each by
   * operation with parameters it carried (asymmetric matchers allowed): the provider really in use.
   */
  providerSends?: Array<{ operation: string; input: Record<string, unknown> }>;
  /** A number to call and approve, when the stack's voice asks for conversion feedback. */
  feedbackTo?: string;
}

/**
 * Generous limits for a loaded 2-core machine (three engineers' runs at once): the setup synthesizes
 * the stack and builds every bundle; each flow cold-starts function processes and waits out the
 * cascade's 1 s steps.
 */
const SETUP_TIMEOUT = 300_000;
const FLOW_TIMEOUT = 90_000;

export function describeDeployedStack(
  label: string,
  synthesize: () => { stack: Stack; template: Template },
  options: SuiteOptions,
) {
  describe(`Deployed as synthesized (${label}): the functions with the template's environment`, () => {
    let stack: DeployedStack;
    beforeAll(async () => {
      stack = await DeployedStack.start(label, synthesize(), inject('dynamodbEndpoint'));
    }, SETUP_TIMEOUT);
    afterAll(async () => {
      await stack?.stop();
    });

    it('every variable the template gives a function is one its code reads', () => {
      expect(environmentProblems(stack)).toEqual([]);
    });

    it(
      'start, check (wrong, right), status and cancel, Idempotency-Key replayed and freed',
      async () => {
        await apiFlow(stack, '+14155550101', '+14155550102');
      },
      FLOW_TIMEOUT,
    );

    it(
      'phone numbers with the deployed metadata (no formatting rules): allowed sent, others refused as before',
      async () => {
        await phoneNumbersFlow(stack);
      },
      FLOW_TIMEOUT,
    );

    for (const { channel, to } of options.otherChannels ?? []) {
      it(
        `a first send by ${channel}`,
        async () => {
          const answer = await stack.api('POST', '/v1/verifications', { to, channel });
          expect(answer.statusCode, JSON.stringify(answer.body)).toBe(201);
        },
        FLOW_TIMEOUT,
      );
    }

    it(
      'a cascade: start → delayed SQS message → starter → execution → step task, every step sent',
      async () => {
        const view = await runCascade(stack, await startCascade(stack, options.cascade));
        const steps = view['cascade'] as Array<{ status: string }>;
        expect(steps.map((step) => step.status)).toEqual(steps.map(() => 'sent'));
      },
      FLOW_TIMEOUT,
    );

    for (const [index, request] of (options.otherCascades ?? []).entries()) {
      it(
        `cascade ${index + 2}: ${JSON.stringify((request['cascade'] as Array<{ channel: string }>).map((step) => step.channel))}, every step sent`,
        async () => {
          const view = await runCascade(stack, await startCascade(stack, request));
          const steps = view['cascade'] as Array<{ status: string }>;
          expect(steps.map((step) => step.status)).toEqual(steps.map(() => 'sent'));
        },
        FLOW_TIMEOUT,
      );
    }

    for (const { user, to } of options.cognito ?? []) {
      it(
        `passwordless sign-in of ${user.username} through the define, create and verify triggers`,
        async () => {
          await cognitoFlow(stack, user, to);
        },
        FLOW_TIMEOUT,
      );
    }

    it(
      'delivery receipts from each provider, and the stream records to the activity function',
      async () => {
        await receiptsFlow(stack, '+14155550101', options.email, options.whatsAppReceiptsTo);
        await activityFlow(stack);
      },
      FLOW_TIMEOUT,
    );

    if (options.feedbackTo) {
      it(
        'a code approved after a call that asked for feedback: the activity function reports it RECEIVED',
        async () => {
          await feedbackFlow(stack, options.feedbackTo!);
        },
        FLOW_TIMEOUT,
      );
    }

    it(
      'the hourly conversion watch reads every watched country in one GetMetricData call and names the collapsed one',
      async (context) => {
        if (!stack.has('conversion-watch')) context.skip();
        await conversionWatchFlow(stack);
      },
      FLOW_TIMEOUT,
    );

    if (options.keyRotation) {
      it(
        'the scheduled key rotation stages a new key',
        async () => {
          expect(await keyRotationFlow(stack)).toEqual({ outcome: 'staged' });
        },
        FLOW_TIMEOUT,
      );
    }

    it(
      'a full spend brake: start and the cascade step read the shards (BatchGetItem) and refuse',
      async () => {
        const id = await startCascade(stack, { ...options.cascade, to: '+14155550199' });
        const sent = Date.now();
        expect(await fillSpendBrake(stack)).toBeGreaterThan(0);
        // Started in the brake's minute (or before it, if fillSpendBrake waited for the next).
        expect(sent).toBeLessThan(Date.now());
        expect(stack.callsOf('start', 'dynamodb', 'BatchGetItem').length).toBeGreaterThan(0);
        const view = await runCascade(stack, id);
        expect((view['cascade'] as Array<{ status: string }>)[0]?.status).toBe('skipped');
        if (options.cognito) {
          // A sign-in code counts under the same brake: the create trigger reads the shards too, and refuses.
          const user = {
            username: 'braked',
            attributes: { phone_number: '+14155550178', phone_number_verified: 'true' },
          };
          await expect(cognitoFlow(stack, user, user.attributes.phone_number)).rejects.toThrow();
          expect(stack.callsOf('cognito-create', 'dynamodb', 'BatchGetItem').length).toBeGreaterThan(0);
        }
      },
      2 * FLOW_TIMEOUT,
    );

    it("the functions that serve requests log one JSON object a line, tagged with the invocation's ids", () => {
      const linesOf = (handler: 'start' | 'cognito-create') =>
        (stack.processes.get(handler)?.output.join('') ?? '')
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Record<string, unknown>);
      const start = linesOf('start');
      expect(start.length).toBeGreaterThan(0);
      for (const line of start) {
        expect(line).toMatchObject({
          level: expect.stringMatching(/^(INFO|WARN|ERROR)$/),
          message: expect.any(String),
          service: 'onetime',
          function_request_id: expect.stringMatching(/^request-\d+$/),
          correlationId: expect.any(String),
        });
        expect(Number.isNaN(Date.parse(String(line['timestamp'])))).toBe(false);
      }
      // What the metric filters read (infra/monitoring.ts): the message and the reason.
      expect(start).toContainEqual(
        expect.objectContaining({ message: 'send rate limited', reason: 'spend_limit' }),
      );
      if (options.cognito) {
        const create = linesOf('cognito-create');
        expect(create.length).toBeGreaterThan(0);
        for (const line of create) {
          // The Lambda context's keys, as Powertools Logger's addContext wrote them.
          expect(line).toMatchObject({
            service: 'onetime',
            cold_start: expect.any(Boolean),
            function_name: expect.any(String),
            function_arn: expect.stringMatching(/^arn:aws:lambda:/),
            function_memory_size: '1024',
            function_request_id: expect.stringMatching(/^request-\d+$/),
          });
        }
        expect(create.filter((line) => line['cold_start'] === true)).toHaveLength(1);
      }
    });

    if (options.providerSends) {
      it('each phone provider sent through its own SMS-Voice operation, naming what it must', () => {
        const sent = stack.endpoints.calls.filter((call) => call.service === 'sms-voice');
        for (const { operation, input } of options.providerSends ?? []) {
          expect(sent, operation).toContainEqual(
            expect.objectContaining({ operation, status: 200, input: expect.objectContaining(input) }),
          );
        }
      });
    }

    it('every call each function made is allowed by its own role, and its role grants nothing more', () => {
      expect(roleProblems(stack)).toEqual([]);
    });
  });
}
