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

describe('The gateway has exactly the documented routes (docs/openapi.yaml)', () => {
  it.each([
    ['default', () => synthesize({})],
    ['every option', () => synthesize(FULL_PROPS)],
    ['passwordless example', passwordless],
  ])('%s: methods, API key, integrations, validators and gateway responses', (_, make) => {
    const { stack, template } = make();
    expect(gatewayProblems(template, deployedFunctions(stack, template))).toEqual([]);
  });
});
