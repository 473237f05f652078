import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { PasswordlessStack } from '../../infra/examples/passwordless-stack.ts';
import { deployedFunctions } from '../support/deployed-stack.ts';
import { gatewayProblems } from '../support/gateway-routes.ts';
import { ENV, FULL_PROPS, synthesize } from '../support/synth.ts';

function passwordless() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new PasswordlessStack(app, 'Passwordless', { env: ENV });
  return { stack, template: Template.fromStack(stack) };
}

/**
 * Each case synthesizes a whole stack: a few seconds alone, but well over the default 20 s on a
 * loaded 2-core machine (three engineers' test runs at once), so each gets its own generous limit.
 */
const SYNTH_TIMEOUT = 180_000;

describe('The gateway has exactly the documented routes (docs/openapi.yaml)', () => {
  it.each([
    ['default', () => synthesize({})],
    ['every option', () => synthesize(FULL_PROPS)],
    ['passwordless example', passwordless],
  ])(
    '%s: methods, API key, integrations, validators and gateway responses',
    (_, make) => {
      const { stack, template } = make();
      expect(gatewayProblems(template, deployedFunctions(stack, template))).toEqual([]);
    },
    SYNTH_TIMEOUT,
  );
});
