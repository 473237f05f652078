/**
 * The functions' environment at synth: every variable a construct sets is named in functions/env.ts,
 * and a function deployed with a variable its cold start would refuse (missing, malformed, or set
 * without the channel it belongs to) fails `cdk synth`, with the message the cold start would give.
 */
import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import * as ENV from '../../functions/env.ts';
import { handlerEntry, OtpFunction } from '../../infra/otp-function.ts';
import { OtpService } from '../../infra/otp-service.ts';
import type { OtpServiceProps } from '../../infra/otp-service-props.ts';

/** An app that synthesizes without bundling the functions. */
const offlineApp = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

const EVERY_PART: OtpServiceProps = {
  sms: { originationNumber: '+18885550100', senderId: 'Acme', originDomain: 'acme.example' },
  email: { fromAddress: '"Acme" <no-reply@acme.example>', replyTo: 'help@acme.example' },
  voice: { originationIdentity: 'phone-0123456789abcdef', voiceId: 'JOANNA' },
  keyRotation: { every: Duration.days(90) },
};

/** A stack with an `OtpService` (and its Cognito triggers, when asked); `synth` runs `cdk synth`. */
function service(props: OtpServiceProps, options: { cognito?: boolean } = {}) {
  const app = offlineApp();
  const stack = new Stack(app, 'Env');
  const otp = new OtpService(stack, 'OtpService', props);
  if (options.cognito) otp.attachCognito(new cognito.UserPool(stack, 'Users'));
  return { stack, otp, synth: () => app.synth() };
}

/** One function on its own, as a construct of an app's own would make it. */
function alone(handler: Parameters<typeof handlerEntry>[0], environment: Record<string, string>) {
  const app = offlineApp();
  const stack = new Stack(app, 'Alone');
  const table = new dynamodb.Table(stack, 'Table', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
  });
  const secret = new secretsmanager.Secret(stack, 'Secret');
  new OtpFunction(stack, 'Function', {
    entry: handlerEntry(handler),
    secret,
    environment: { [ENV.TABLE_NAME]: table.tableName, ...environment },
  });
  return () => app.synth();
}

const variablesOf = (fn: lambda.Function, stack: Stack): Record<string, unknown> =>
  (
    stack.resolve((fn.node.defaultChild as lambda.CfnFunction).environment) as {
      variables: Record<string, unknown>;
    }
  ).variables;

describe('Environment: one list of names', () => {
  it('names in functions/env.ts every variable the constructs set, on a stack with every part', () => {
    const { stack, otp, synth } = service(EVERY_PART, { cognito: true });
    synth();
    const named = new Set<string>(Object.values(ENV));
    // The Parameters and Secrets extension's own settings, which CDK sets from the layer's options.
    const extension = /^(PARAMETERS_SECRETS_EXTENSION|SECRETS_MANAGER|SSM_PARAMETER_STORE)_\w+$/;
    const functions = stack.node
      .findAll()
      .filter((construct): construct is OtpFunction => construct instanceof OtpFunction);
    expect(functions.length).toBeGreaterThanOrEqual(11);
    expect(functions).toContain(otp.functions.start);
    for (const fn of functions) {
      for (const name of Object.keys(variablesOf(fn, stack))) {
        if (!extension.test(name)) expect(named, `${fn.node.path}: ${name}`).toContain(name);
      }
    }
  });

  it('spells each name as its own value, once', () => {
    for (const [constant, name] of Object.entries(ENV)) {
      expect(name.replace(/^_/, '')).toBe(constant);
    }
    expect(new Set(Object.values(ENV)).size).toBe(Object.keys(ENV).length);
  });
});

describe('Environment: checked at synth by the readers the functions run at cold start', () => {
  it('lets a value known only at deploy time through: its presence is what synth can check', () => {
    const app = offlineApp();
    const stack = new Stack(app, 'Parameters');
    const number = new CfnParameter(stack, 'OriginationNumber').valueAsString;
    const identity = new CfnParameter(stack, 'VoiceIdentity').valueAsString;
    new OtpService(stack, 'OtpService', {
      sms: { originationNumber: number },
      voice: { originationIdentity: identity },
    });
    expect(() => app.synth()).not.toThrow();
  });

  it('refuses a malformed channel value, naming the function, the variable and the value', () => {
    expect(() => service({ sms: { originationNumber: '+1 888 555 0100' } }).synth()).toThrow(
      '[Env/OtpService/StartFunction] the start function would fail at cold start: SMS_ORIGINATION_NUMBER ' +
        'must be an E.164 phone number such as +18885550100, or a short code (got "+1 888 555 0100")',
    );
    expect(() => service({ sms: { senderId: 'Acme Corporation' } }).synth()).toThrow(/SMS_SENDER_ID must be/);
    expect(() =>
      service({ voice: { originationIdentity: 'phone-0123456789abcdef', voiceId: 'Joanna' } }).synth(),
    ).toThrow(/CascadeStepFunction\] the cascade-step function would fail at cold start: VOICE_ID must be/);
    expect(() =>
      service({
        email: { fromAddress: 'no-reply@acme.example', configurationSetName: 'otp events' },
      }).synth(),
    ).toThrow(/StartFunction\] .*EMAIL_CONFIGURATION_SET must be a configuration set name/);
  });

  it('refuses the voice channel without an origination identity, in the start and the cascade functions', () => {
    const synth = service({ voice: { originationIdentity: '' } }).synth;
    expect(synth).toThrow(
      /StartFunction\] .*VOICE_CONFIGURATION_SET is set but VOICE_ORIGINATION_IDENTITY is not/,
    );
    expect(synth).toThrow(/CascadeStepFunction\] the cascade-step function would fail at cold start/);
    const withoutReceipts = service({ voice: { originationIdentity: '' }, deliveryReceipts: false }).synth;
    expect(withoutReceipts).toThrow(/voice.originationIdentity is empty/);
  });

  it('refuses a table or secret variable overridden away or malformed', () => {
    expect(() => service({ functionProps: { check: { environment: { TABLE_NAME: '' } } } }).synth()).toThrow(
      '[Env/OtpService/CheckFunction] the check function would fail at cold start: environment variable ' +
        'TABLE_NAME is not set',
    );
    expect(() =>
      service({ functionProps: { start: { environment: { SECRET_ARN: 'onetime-key' } } } }).synth(),
    ).toThrow(/StartFunction\] .*SECRET_ARN must be a Secrets Manager secret ARN \(got "onetime-key"\)/);
  });

  it('refuses a function that lacks what its entry needs at cold start', () => {
    expect(alone('check', { [ENV.TABLE_NAME]: '' })).toThrow(
      '[Alone/Function] the check function would fail at cold start: environment variable TABLE_NAME is not set',
    );
    // The cascade's starter starts the workflow: without its ARN, no step would follow.
    expect(alone('cascade-start', {})).toThrow(
      'the cascade-start function would fail at cold start: environment variable CASCADE_STATE_MACHINE_ARN is not set',
    );
    expect(
      alone('cascade-start', {
        [ENV.CASCADE_STATE_MACHINE_ARN]: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Cascade',
      }),
    ).not.toThrow();
    expect(alone('start', { [ENV.CASCADE_QUEUE_URL]: 'not a queue' })).toThrow(
      /CASCADE_QUEUE_URL must be an SQS queue URL/,
    );
    expect(alone('key-rotation', { [ENV.KEY_ROTATION_EVERY_SECONDS]: '86400' })).toThrow(
      'the key-rotation function would fail at cold start: environment variable KEY_ROTATION_SECRET_ARN is not set',
    );
    // The activity stream reads only names with defaults: nothing to refuse.
    expect(alone('activity', {})).not.toThrow();
    expect(alone('conversion-watch', { [ENV.CONVERSION_WATCH_COUNTRIES]: 'US,CA' })).toThrow(
      'the conversion-watch function would fail at cold start: environment variable CONVERSION_WATCH_MIN_SENDS_PER_HOUR is not set',
    );
    const watch = {
      [ENV.CONVERSION_WATCH_COUNTRIES]: 'US,CA',
      [ENV.CONVERSION_WATCH_MIN_SENDS_PER_HOUR]: '20',
      [ENV.CONVERSION_WATCH_MIN_CONVERSION]: '0.3',
    };
    expect(alone('conversion-watch', watch)).not.toThrow();
    expect(alone('conversion-watch', { ...watch, [ENV.CONVERSION_WATCH_COUNTRIES]: 'US,usa' })).toThrow(
      /CONVERSION_WATCH_COUNTRIES must be ISO 3166 alpha-2 codes, comma separated/,
    );
    expect(alone('conversion-watch', { ...watch, [ENV.CONVERSION_WATCH_MIN_CONVERSION]: '1.5' })).toThrow(
      /CONVERSION_WATCH_MIN_CONVERSION must be a fraction from 0 to 1/,
    );
  });

  it('refuses a bad setting or Cognito option in the function that reads it', () => {
    expect(() => service({ codeLength: 3 }).synth()).toThrow(
      /StatusFunction\] the status function would fail at cold start: OTP_CODE_LENGTH must be an integer from 4 to 10/,
    );
    const { otp, synth } = service({});
    otp.attachCognito(new cognito.UserPool(Stack.of(otp), 'Pool'), {
      functionProps: { create: { environment: { OTP_COGNITO_ALLOWED_CHANNELS: 'sms,fax' } } },
    });
    expect(synth).toThrow(/CreateFunction\] the cognito-create function would fail at cold start: .*"fax"/);
  });
});
