import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { OtpCognitoTriggers } from '../../infra/cognito-triggers.ts';
import { PasswordlessStack } from '../../infra/examples/passwordless-stack.ts';
import { OtpService } from '../../infra/otp-service.ts';
import { OtpStack } from '../../infra/otp-stack.ts';
import { synthesizeApp } from '../support/synth.ts';

/** An app that synthesizes without bundling the functions (esbuild runs in the deploy, not here). */
const offlineApp = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties, read by the assertions below
type Properties = Record<string, any>;

/** The resources of a type, by logical id, with their properties. */
const resources = (template: Template, type: string) =>
  Object.entries(template.findResources(type) as Record<string, { Properties: Properties }>).map(
    ([id, resource]) => ({ id, properties: resource.Properties }),
  );

/** The function whose description names `trigger`. */
function triggerFunction(template: Template, trigger: string) {
  const found = resources(template, 'AWS::Lambda::Function').find((fn) =>
    String(fn.properties['Description']).includes(trigger),
  );
  if (!found) throw new Error(`no function for ${trigger}`);
  return found;
}

const functionId = (template: Template, trigger: string) => triggerFunction(template, trigger).id;

/** Every action the function's role may take, with its effect. */
function actionsOf(template: Template, trigger: string): string[] {
  const roleId: string = triggerFunction(template, trigger).properties['Role']['Fn::GetAtt'][0];
  return resources(template, 'AWS::IAM::Policy')
    .filter((policy) => policy.properties['Roles'].some((role: { Ref: string }) => role.Ref === roleId))
    .flatMap((policy) => policy.properties['PolicyDocument'].Statement)
    .flatMap((statement: { Action: string | string[]; Effect: string }) =>
      [statement.Action].flat().map((action) => `${statement.Effect} ${action}`),
    );
}

describe('Construct: OtpCognitoTriggers', () => {
  let template: Template;

  beforeAll(() => {
    const stack = new Stack(offlineApp(), 'Pool');
    const userPool = new cognito.UserPool(stack, 'UserPool');
    new OtpCognitoTriggers(stack, 'Triggers', {
      userPool,
      table: new dynamodb.Table(stack, 'Table', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      }),
      secret: new secretsmanager.Secret(stack, 'Secret'),
      environment: {
        OTP_CODE_LENGTH: '6',
        OTP_MAX_ATTEMPTS: '4',
        EMAIL_FROM_ADDRESS: 'no-reply@acme.example',
      },
      allowedChannels: ['email', 'sms'],
    });
    template = Template.fromStack(stack);
  });

  it('points the pool’s three custom-auth triggers at the three functions', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: {
        DefineAuthChallenge: { 'Fn::GetAtt': [functionId(template, 'Define Auth'), 'Arn'] },
        CreateAuthChallenge: { 'Fn::GetAtt': [functionId(template, 'Create Auth'), 'Arn'] },
        VerifyAuthChallengeResponse: { 'Fn::GetAtt': [functionId(template, 'Verify Auth'), 'Arn'] },
      },
    });
  });

  it.each(['Define Auth', 'Create Auth', 'Verify Auth'])(
    'lets this pool, and only it, invoke the %s function',
    (trigger) => {
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [functionId(template, trigger), 'Arn'] },
        Principal: 'cognito-idp.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^UserPool'), 'Arn'] },
      });
    },
  );

  it('grants each function only what its code uses', () => {
    const owned = (trigger: string) =>
      actionsOf(template, trigger).filter((action) => !/xray:|logs:/.test(action));

    // The define trigger decides from the session alone: it is granted nothing.
    expect(owned('Define Auth').sort()).toEqual([]);
    expect(owned('Verify Auth').sort()).toEqual(
      [
        'Allow dynamodb:UpdateItem',
        'Allow secretsmanager:DescribeSecret',
        'Allow secretsmanager:GetSecretValue',
      ].sort(),
    );
    expect(owned('Create Auth').sort()).toEqual(
      [
        'Allow dynamodb:BatchGetItem',
        'Allow dynamodb:GetItem',
        'Allow dynamodb:PutItem',
        'Allow dynamodb:UpdateItem',
        'Allow secretsmanager:DescribeSecret',
        'Allow secretsmanager:GetSecretValue',
        'Allow sns:Publish',
        'Deny sns:Publish',
        'Allow ses:SendEmail',
      ].sort(),
    );
  });

  it('gives the functions the settings, and (create and verify only) the table and the secret', () => {
    const env = (trigger: string) => triggerFunction(template, trigger).properties['Environment'].Variables;

    // Define decides from the session: the one setting it uses and its service name, nothing it would
    // not read (its bundle is the smaller for it: bench/peer.ts).
    expect(env('Define Auth')).toMatchObject({ OTP_MAX_ATTEMPTS: '4', POWERTOOLS_SERVICE_NAME: 'onetime' });
    for (const unread of [
      'TABLE_NAME',
      'SECRET_ARN',
      'POWERTOOLS_LOG_LEVEL',
      'EMAIL_FROM_ADDRESS',
      'OTP_CODE_LENGTH',
    ]) {
      expect(env('Define Auth')).not.toHaveProperty(unread);
    }
    expect(env('Verify Auth')).toHaveProperty('TABLE_NAME');
    expect(env('Verify Auth')).toHaveProperty('SECRET_ARN');
    expect(env('Create Auth')).toMatchObject({
      SECRET_ARN: expect.anything(),
      EMAIL_FROM_ADDRESS: 'no-reply@acme.example',
      OTP_COGNITO_ALLOWED_CHANNELS: 'email,sms',
      OTP_COGNITO_REQUIRE_VERIFIED: 'true',
    });
  });

  it('answers within Cognito’s 5-second trigger limit', () => {
    for (const trigger of ['Define Auth', 'Create Auth', 'Verify Auth']) {
      expect(triggerFunction(template, trigger).properties['Timeout']).toBe(5);
    }
  });

  it('refuses a bad setting at synth time', () => {
    const stack = new Stack(offlineApp(), 'Bad');
    new OtpCognitoTriggers(stack, 'Triggers', {
      userPool: new cognito.UserPool(stack, 'UserPool'),
      table: new dynamodb.Table(stack, 'Table', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      }),
      secret: new secretsmanager.Secret(stack, 'Secret'),
      environment: { OTP_COGNITO_ALLOWED_CHANNELS: 'sms,fax' },
    });
    expect(() => Template.fromStack(stack)).toThrow(
      /CreateFunction\] the cognito-create function would fail at cold start: OTP_COGNITO_ALLOWED_CHANNELS holds "fax"/,
    );
  });
});

describe('Method: OtpService.attachCognito', () => {
  let otp: OtpService;
  let triggers: OtpCognitoTriggers;
  let template: Template;

  beforeAll(() => {
    const stack = new Stack(offlineApp(), 'Attached');
    otp = new OtpService(stack, 'Otp', {
      codeLength: 8,
      email: { fromAddress: 'no-reply@acme.example' },
      voice: { originationIdentity: 'phone-0123456789abcdef' },
    });
    const userPool = new cognito.UserPool(stack, 'Users');
    triggers = otp.attachCognito(userPool, { allowedChannels: ['email', 'sms'] });
    template = Template.fromStack(stack);
  });

  it('points the pool’s three custom-auth triggers at the functions it returns', () => {
    const arnOf = (name: 'define' | 'create' | 'verify') => ({
      'Fn::GetAtt': [functionId(template, `${name[0]!.toUpperCase()}${name.slice(1)} Auth`), 'Arn'],
    });
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: {
        DefineAuthChallenge: arnOf('define'),
        CreateAuthChallenge: arnOf('create'),
        VerifyAuthChallengeResponse: arnOf('verify'),
      },
    });
    expect(Object.keys(triggers.functions).sort()).toEqual(['create', 'define', 'verify']);
  });

  it.each(['Define Auth', 'Create Auth', 'Verify Auth'])(
    'lets the pool invoke the %s function',
    (trigger) => {
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [functionId(template, trigger), 'Arn'] },
        Principal: 'cognito-idp.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Users'), 'Arn'] },
      });
    },
  );

  it('runs the triggers on the service’s own table, secret, settings and channels', () => {
    const env = (trigger: string) => triggerFunction(template, trigger).properties['Environment'].Variables;
    const tableRef = { Ref: Stack.of(otp).getLogicalId(otp.table.node.defaultChild as dynamodb.CfnTable) };
    const secretRef = {
      Ref: Stack.of(otp).getLogicalId(otp.secret.node.defaultChild as secretsmanager.CfnSecret),
    };
    expect(env('Create Auth')).toMatchObject({
      TABLE_NAME: tableRef,
      SECRET_ARN: secretRef,
      OTP_CODE_LENGTH: '8',
      EMAIL_FROM_ADDRESS: 'no-reply@acme.example',
      VOICE_ORIGINATION_IDENTITY: 'phone-0123456789abcdef',
      OTP_COGNITO_ALLOWED_CHANNELS: 'email,sms',
    });
    expect(env('Verify Auth')).toMatchObject({ TABLE_NAME: tableRef, SECRET_ARN: secretRef });
    expect(env('Create Auth')).toMatchObject({ OTP_CODE_LENGTH: '8' });
    expect(env('Define Auth')).not.toHaveProperty('OTP_CODE_LENGTH');
    expect(env('Define Auth')).not.toHaveProperty('TABLE_NAME');
    expect(env('Define Auth')).not.toHaveProperty('SECRET_ARN');
  });

  it('grants the create function the service’s channels, voice included', () => {
    expect(actionsOf(template, 'Create Auth')).toEqual(
      expect.arrayContaining([
        'Allow sns:Publish',
        'Allow ses:SendEmail',
        'Allow sms-voice:SendVoiceMessage',
      ]),
    );
    expect(actionsOf(template, 'Define Auth').filter((action) => !/xray:|logs:/.test(action))).toEqual([]);
  });
});

describe('Stack: PasswordlessStack (example)', () => {
  let stack: PasswordlessStack;
  let template: Template;

  beforeAll(() => {
    stack = new PasswordlessStack(offlineApp(), 'Passwordless', {
      service: { email: { fromAddress: 'no-reply@acme.example' } },
    });
    template = Template.fromStack(stack);
  });

  it('has an app client that signs in with custom auth only and hides whether a user exists', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      PreventUserExistenceErrors: 'ENABLED',
      GenerateSecret: false,
    });
  });

  it('attaches the triggers to the pool, on the service’s own table', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: {
        DefineAuthChallenge: { 'Fn::GetAtt': [functionId(template, 'Define Auth'), 'Arn'] },
        CreateAuthChallenge: { 'Fn::GetAtt': [functionId(template, 'Create Auth'), 'Arn'] },
        VerifyAuthChallengeResponse: { 'Fn::GetAtt': [functionId(template, 'Verify Auth'), 'Arn'] },
      },
    });
    expect(
      template.findResources('AWS::Lambda::Permission', {
        Properties: { Principal: 'cognito-idp.amazonaws.com' },
      }),
    ).toSatisfy((found: object) => Object.keys(found).length === 3);
  });

  it('passes the AWS Solutions checks (cdk-nag): the service, the pool and the triggers', () => {
    const { violations } = new AwsSolutionsChecks(stack).validateScope(stack);
    expect(
      violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`)),
    ).toEqual([]);
  });
});

describe('Context key: cdk deploy -c passwordless=true (infra/app.ts)', () => {
  let template: Template;

  beforeAll(async () => {
    template = Template.fromJSON(await synthesizeApp({ passwordless: 'true' }));
  }, 120_000);

  it('adds the example’s user pool, custom-auth app client and triggers to the Onetime stack', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      UsernameAttributes: ['email', 'phone_number'],
      LambdaConfig: {
        DefineAuthChallenge: { 'Fn::GetAtt': [functionId(template, 'Define Auth'), 'Arn'] },
        CreateAuthChallenge: { 'Fn::GetAtt': [functionId(template, 'Create Auth'), 'Arn'] },
        VerifyAuthChallengeResponse: { 'Fn::GetAtt': [functionId(template, 'Verify Auth'), 'Arn'] },
      },
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      PreventUserExistenceErrors: 'ENABLED',
      AuthSessionValidity: 3,
    });
    // The triggers run on the service's own table.
    const tableId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0];
    expect(triggerFunction(template, 'Create Auth').properties['Environment'].Variables.TABLE_NAME).toEqual({
      Ref: tableId,
    });
  });

  it('prints the pool and client ids beside the API’s outputs', () => {
    expect(Object.keys(template.toJSON()['Outputs']).sort()).toEqual(
      ['ApiKeyId', 'ApiUrl', 'KeyMaterialSecretArn', 'UserPoolClientId', 'UserPoolId'].sort(),
    );
  });

  it('is off by default: the stack has no user pool', () => {
    const plain = Template.fromStack(new OtpStack(offlineApp(), 'Plain'));
    expect(plain.findResources('AWS::Cognito::UserPool')).toEqual({});
  });

  it('passes the AWS Solutions checks (cdk-nag) with the pool and triggers in the stack', () => {
    const stack = new OtpStack(offlineApp(), 'WithSignIn', { passwordless: true });
    const { violations } = new AwsSolutionsChecks(stack).validateScope(stack);
    expect(
      violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`)),
    ).toEqual([]);
  });
});
