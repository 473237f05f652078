import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { environmentProblems } from '../support/deployed-environment.ts';
import { apiFlow } from '../support/deployed-flows.ts';
import { roleProblems } from '../support/deployed-iam.ts';
import { DeployedStack, deployedFunctions } from '../support/deployed-stack.ts';
import { gatewayProblems } from '../support/gateway-routes.ts';
import { FULL_PROPS, type Statement, synthesize } from '../support/synth.ts';

/**
 * Each deploy check, shown to fail on the break it exists for: the synthesized template changed as an
 * escape hatch would change it (a grant dropped, widened or added; a variable renamed; a route
 * removed), then checked as the real ones are.
 */
type Json = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

function broken(change: (json: Json, roleOf: (handler: string) => string) => void) {
  const { stack, template } = synthesize(FULL_PROPS);
  const json = structuredClone(template.toJSON()) as Json;
  const functions = deployedFunctions(stack, template);
  change(json, (handler) => functions.find((fn) => fn.handler === handler)!.roleId);
  return { stack, template: Template.fromJSON(json) };
}

/** The statements of the policies attached to a role, editable in place. */
function policyOf(json: Json, roleId: string): Statement[] {
  const policy = Object.values(json.Resources).find(
    (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties['Roles']).includes(`"${roleId}"`),
  )!;
  return (policy.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement;
}
const grants = (statement: Statement, action: string) => [statement.Action].flat().includes(action);

/** Synthesis, every bundle built, and the API flow's function processes started: minutes on a loaded machine. */
const SETUP_TIMEOUT = 300_000;

describe('Deliberate breaks: roles and environment', () => {
  let stack: DeployedStack;
  beforeAll(async () => {
    const synthesized = broken((json, roleOf) => {
      // check: its one UpdateItem grant dropped.
      const check = policyOf(json, roleOf('check'));
      check.splice(
        check.findIndex((s) => grants(s, 'dynamodb:UpdateItem')),
        1,
      );
      // cancel: its UpdateItem widened to every resource.
      const cancel = policyOf(json, roleOf('cancel')).find((s) => grants(s, 'dynamodb:UpdateItem'))!;
      cancel.Resource = 'arn:aws:dynamodb:*:*:table/*';
      // status: a grant its code never uses.
      const status = policyOf(json, roleOf('status'));
      status.push({ ...status.find((s) => grants(s, 'dynamodb:GetItem'))!, Action: 'dynamodb:Scan' });
      // start: the voice's variable renamed (the channel's default voice would hide it).
      const start = Object.values(json.Resources).find(
        (r) =>
          r.Type === 'AWS::Lambda::Function' &&
          JSON.stringify(r.Properties).includes('POST /v1/verifications ('),
      )!;
      const variables = (start.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
      variables['VOICE_NAME'] = variables['VOICE_ID'];
      delete variables['VOICE_ID'];
    });
    stack = await DeployedStack.start('broken', synthesized, inject('dynamodbEndpoint'));
    await apiFlow(stack, '+14155550101', '+14155550102');
  }, SETUP_TIMEOUT);
  afterAll(async () => {
    await stack?.stop();
  });

  it('a dropped grant: the call it allowed is reported denied', () => {
    expect(roleProblems(stack)).toContainEqual(
      expect.stringMatching(
        /^denied: check: dynamodb UpdateItem needs dynamodb:UpdateItem on arn:aws:dynamodb:/,
      ),
    );
  });

  it('a widened grant is reported broader than the calls need', () => {
    expect(roleProblems(stack)).toContain(
      'cancel: dynamodb:UpdateItem on arn:aws:dynamodb:*:*:table/* is broader than the calls need',
    );
  });

  it('a grant no call uses is reported', () => {
    expect(roleProblems(stack)).toContainEqual(
      expect.stringMatching(/^status: dynamodb:Scan on arn:aws:dynamodb:.* is granted but no call uses it$/),
    );
  });

  it('a renamed variable is reported as one the code never reads (a default would have hidden it)', async () => {
    expect(environmentProblems(stack)).toEqual([
      'start: the template sets VOICE_NAME, which its code never reads',
    ]);
    const answer = await stack.api('POST', '/v1/verifications', { to: '+14155550109', channel: 'voice' });
    expect(answer.statusCode).toBe(201);
  }, 60_000);
});

/** Each gateway break synthesizes the every-option stack: seconds alone, far longer on a loaded 2-core machine. */
const SYNTH_TIMEOUT = 180_000;

describe('Deliberate breaks: the gateway', () => {
  const problemsOf = (synthesized: ReturnType<typeof broken>) =>
    gatewayProblems(synthesized.template, deployedFunctions(synthesized.stack, synthesized.template));
  const methodOf = (json: Json, httpMethod: string) =>
    Object.entries(json.Resources).find(
      ([, r]) => r.Type === 'AWS::ApiGateway::Method' && r.Properties['HttpMethod'] === httpMethod,
    )!;

  it(
    'a removed route is reported',
    () => {
      const problems = problemsOf(broken((json) => delete json.Resources[methodOf(json, 'DELETE')[0]]));
      expect(problems).toEqual(['DELETE /v1/verifications/{id}: in docs/openapi.yaml, not in the template']);
    },
    SYNTH_TIMEOUT,
  );

  it(
    'a route without its API key, or without its body validation, is reported',
    () => {
      const problems = problemsOf(
        broken((json) => {
          methodOf(json, 'GET')[1].Properties['ApiKeyRequired'] = false;
          for (const [, method] of Object.entries(json.Resources).filter(
            ([, r]) => r.Type === 'AWS::ApiGateway::Method' && r.Properties['HttpMethod'] === 'POST',
          ))
            delete method.Properties['RequestModels'];
        }),
      );
      expect(problems).toEqual([
        "GET /v1/verifications/{id}: ApiKeyRequired is false, the document's security says true",
        'POST /v1/verifications/{id}/check: the document requires body, the gateway does not validate one',
        'POST /v1/verifications: the document requires body, the gateway does not validate one',
      ]);
    },
    SYNTH_TIMEOUT,
  );

  it(
    'an undocumented route, and a gateway answer outside the envelope, are reported',
    () => {
      const problems = problemsOf(
        broken((json) => {
          const [id, get] = methodOf(json, 'GET');
          json.Resources[`${id}Put`] = structuredClone({
            ...get,
            Properties: { ...get.Properties, HttpMethod: 'PUT' },
          });
          const tooLarge = Object.values(json.Resources).find(
            (r) =>
              r.Type === 'AWS::ApiGateway::GatewayResponse' &&
              r.Properties['ResponseType'] === 'REQUEST_TOO_LARGE',
          )!;
          tooLarge.Properties['ResponseTemplates'] = { 'application/json': '{"message":"too large"}' };
        }),
      );
      expect(problems).toEqual([
        'PUT /v1/verifications/{id}: in the template, not in docs/openapi.yaml',
        "REQUEST_TOO_LARGE: its body is not the contract's error envelope",
      ]);
    },
    SYNTH_TIMEOUT,
  );
});
