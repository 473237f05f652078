import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { cognitoOptionsFromEnv } from '../functions/cognito/challenge.ts';
import { settingsFromEnv } from '../functions/config.ts';
import type { Channel } from '../functions/core/verification.ts';
import { OtpFunction } from './otp-function.ts';
import { emailAddressOf, type OtpServiceProps, voiceResources } from './otp-service.ts';

export type OtpCognitoTriggerName = 'define' | 'create' | 'verify';

export interface OtpCognitoTriggersProps {
  /**
   * The pool whose custom authentication flow signs users in with a code. A pool defined in this app
   * (`addTrigger` exists only there); for an imported pool, wire `functions` yourself.
   */
  readonly userPool: cognito.UserPool;
  /** The onetime table (`OtpService.table`): the same verifications, limits and counters as the API. */
  readonly table: dynamodb.ITable;
  /** The key material (`OtpService.secret`). */
  readonly secret: secretsmanager.ISecret;
  /**
   * The service's settings and channel variables, as the start function has them (see
   * `otpEnvironment`). The create function may send on the channels named here, and gets the grants
   * for them.
   */
  readonly environment: Record<string, string>;
  /**
   * Channels a sign-in may use, in order of preference for the first code. @default ['sms', 'email', 'voice']
   * (each only when its channel is configured)
   */
  readonly allowedChannels?: readonly Channel[];
  /** Send only to verified phone numbers and email addresses. @default true */
  readonly requireVerifiedDestination?: boolean;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** What happens to the log groups when they leave the stack. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** Per-function overrides; `environment` is merged. */
  readonly functionProps?: Partial<Record<OtpCognitoTriggerName, Partial<NodejsFunctionProps>>>;
}

const HANDLERS_DIR = fileURLToPath(new URL('../functions/handlers/', import.meta.url));

/**
 * Passwordless sign-in for a Cognito user pool on the onetime engine: the Define, Create and Verify
 * Auth Challenge triggers, attached to the pool, each with only the permissions its code uses.
 *
 * - define reads a verification (GetItem); no secret, no channel;
 * - create sends codes: GetItem, PutItem, UpdateItem on the table, the secret, and the channels;
 * - verify checks codes: UpdateItem, the secret.
 *
 * Cognito waits 5 seconds for a trigger, so each function times out at 5 seconds (a retried create
 * finds the code it already sent, see functions/cognito/create-auth-challenge.ts).
 */
export class OtpCognitoTriggers extends Construct {
  readonly functions: Readonly<Record<OtpCognitoTriggerName, OtpFunction>>;

  constructor(scope: Construct, id: string, props: OtpCognitoTriggersProps) {
    super(scope, id);
    const { table, secret } = props;
    const cognitoEnvironment: Record<string, string> = {
      OTP_COGNITO_REQUIRE_VERIFIED: String(props.requireVerifiedDestination ?? true),
      ...(props.allowedChannels ? { OTP_COGNITO_ALLOWED_CHANNELS: props.allowedChannels.join(',') } : {}),
    };
    const environment: Record<string, string> = {
      POWERTOOLS_SERVICE_NAME: 'onetime',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ...props.environment,
      ...cognitoEnvironment,
      TABLE_NAME: table.tableName,
    };
    // A bad setting fails `cdk synth` with the message a cold start would have given.
    const resolved = Object.fromEntries(
      Object.entries(environment).filter(([, value]) => !Token.isUnresolved(value)),
    );
    settingsFromEnv(resolved);
    cognitoOptionsFromEnv(resolved);
    const paramsAndSecrets = lambda.ParamsAndSecretsLayerVersion.fromVersion(
      lambda.ParamsAndSecretsVersions.V1_0_103,
      { cacheSize: 10, logLevel: lambda.ParamsAndSecretsLogLevel.WARN },
    );

    const makeFunction = (
      name: OtpCognitoTriggerName,
      file: string,
      description: string,
      withSecret: boolean,
    ) => {
      const override = props.functionProps?.[name] ?? {};
      const fn = new OtpFunction(this, `${name[0]!.toUpperCase()}${name.slice(1)}Function`, {
        entry: `${HANDLERS_DIR}${file}`,
        description,
        timeout: Duration.seconds(5),
        logGroupRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
        logGroupRemovalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
        ...(withSecret ? { paramsAndSecrets } : {}),
        ...override,
        environment: {
          ...environment,
          ...(withSecret ? { SECRET_ARN: secret.secretArn } : {}),
          ...override.environment,
        },
      });
      if (withSecret) secret.grantRead(fn);
      return fn;
    };

    const define = makeFunction(
      'define',
      'cognito-define.ts',
      'onetime: Cognito Define Auth Challenge',
      false,
    );
    const create = makeFunction(
      'create',
      'cognito-create.ts',
      'onetime: Cognito Create Auth Challenge',
      true,
    );
    const verify = makeFunction(
      'verify',
      'cognito-verify.ts',
      'onetime: Cognito Verify Auth Challenge',
      true,
    );
    this.functions = { define, create, verify };

    table.grant(define, 'dynamodb:GetItem');
    // A TransactWriteItems call is authorised per item: PutItem / UpdateItem for its Put / Update entries.
    table.grant(create, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    table.grant(verify, 'dynamodb:UpdateItem');
    grantChannelSends(create, environment);

    props.userPool.addTrigger(cognito.UserPoolOperation.DEFINE_AUTH_CHALLENGE, define);
    props.userPool.addTrigger(cognito.UserPoolOperation.CREATE_AUTH_CHALLENGE, create);
    props.userPool.addTrigger(cognito.UserPoolOperation.VERIFY_AUTH_CHALLENGE_RESPONSE, verify);

    for (const fn of Object.values(this.functions)) {
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-L1',
        reason: 'Pinned to nodejs22.x: the bundles target node22 and are tested on it.',
      });
      Validations.of(fn.role!).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray tracing does not support resource-level permissions; on the create function also ' +
          'sns:Publish to a phone number, which has no ARN (topics are denied in the same policy).',
      });
    }
  }
}

/**
 * The send permissions for the channels `environment` configures: SMS always (SNS Publish to phone
 * numbers only: "*" allowed, topics and endpoints denied), email from the configured address, voice
 * from the configured origination identity.
 */
export function grantChannelSends(fn: lambda.Function, environment: Record<string, string>): void {
  const stack = Stack.of(fn);
  fn.addToRolePolicy(
    new iam.PolicyStatement({ sid: 'SmsToPhoneNumbers', actions: ['sns:Publish'], resources: ['*'] }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'NoTopicsOrEndpoints',
      effect: iam.Effect.DENY,
      actions: ['sns:Publish'],
      resources: [`arn:${stack.partition}:sns:*:*:*`],
    }),
  );

  const fromAddress = environment['EMAIL_FROM_ADDRESS'];
  if (fromAddress) {
    const address = emailAddressOf(fromAddress);
    const identity = (name: string) =>
      stack.formatArn({ service: 'ses', resource: 'identity', resourceName: name });
    const configurationSet = environment['EMAIL_CONFIGURATION_SET'];
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'EmailFromTheConfiguredAddress',
        actions: ['ses:SendEmail'],
        resources: [
          identity(address),
          identity(address.slice(address.lastIndexOf('@') + 1)),
          ...(configurationSet
            ? [
                stack.formatArn({
                  service: 'ses',
                  resource: 'configuration-set',
                  resourceName: configurationSet,
                }),
              ]
            : []),
        ],
        conditions: { StringEqualsIgnoreCase: { 'ses:FromAddress': address } },
      }),
    );
  }

  const originationIdentity = environment['VOICE_ORIGINATION_IDENTITY'];
  if (originationIdentity) {
    const { resources, scopedToAccount } = voiceResources(stack, originationIdentity);
    fn.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'VoiceCalls', actions: ['sms-voice:SendVoiceMessage'], resources }),
    );
    for (const resource of scopedToAccount) {
      Validations.of(fn.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${flatten(stack.resolve(resource))}]`,
        reason:
          "The voice origination identity names no phone-number or pool id, so calls are scoped to the account's " +
          'own phone numbers and pools; opt-out lists are evaluated on every send.',
      });
    }
  }
}

/** A resolved ARN as cdk-nag names it in a finding: `arn:<AWS::Partition>:…`. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = value as { 'Fn::Join'?: [string, unknown[]]; Ref?: string };
  if (node['Fn::Join']) return node['Fn::Join'][1].map(flatten).join(node['Fn::Join'][0]);
  if (node.Ref) return `<${node.Ref}>`;
  return JSON.stringify(value);
}

/**
 * The variables the sending functions read, for the same props an `OtpService` was given: its
 * settings (`settingsEnvironment`) and its channels.
 */
export function channelVariables(
  props: Pick<OtpServiceProps, 'sms' | 'email' | 'voice'>,
): Record<string, string> {
  const entries: Array<[string, string | undefined]> = [
    ['SMS_SENDER_ID', props.sms?.senderId],
    ['SMS_ORIGINATION_NUMBER', props.sms?.originationNumber],
    ['EMAIL_FROM_ADDRESS', props.email?.fromAddress],
    ['EMAIL_REPLY_TO', props.email?.replyTo],
    ['EMAIL_CONFIGURATION_SET', props.email?.configurationSetName],
    ['VOICE_ORIGINATION_IDENTITY', props.voice?.originationIdentity],
    ['VOICE_ID', props.voice?.voiceId],
  ];
  return Object.fromEntries(entries.filter((entry): entry is [string, string] => Boolean(entry[1])));
}
