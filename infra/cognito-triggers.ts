import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { Channel } from '../functions/core/verification.ts';
import {
  OTP_COGNITO_ALLOWED_CHANNELS,
  OTP_COGNITO_REQUIRE_VERIFIED,
  OTP_MAX_ATTEMPTS,
  POWERTOOLS_LOG_LEVEL,
  POWERTOOLS_SERVICE_NAME,
  TABLE_NAME,
} from '../functions/env.ts';
import { CHANNEL_VARIABLES, grantChannelSends } from './channels.ts';
import { acknowledgeStarGrants } from './nag.ts';
import { type HandlerName, handlerEntry, OtpFunction } from './otp-function.ts';

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
   * The service's settings and channel variables, as the start function has them:
   * `{ ...settingsEnvironment(props), ...channelEnvironment(props) }` for the props the `OtpService` was
   * given (`OtpService.attachCognito` passes them itself). The create function may send on the channels
   * named here, and gets the grants for them.
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

/**
 * Passwordless sign-in for a Cognito user pool on the onetime engine: the Define, Create and Verify
 * Auth Challenge triggers, attached to the pool, each with only the permissions its code uses.
 *
 * - define decides from the session alone: `OTP_MAX_ATTEMPTS` and its service name only; no table,
 *   no secret, no channel, no grant;
 * - create sends codes: GetItem, PutItem, UpdateItem, BatchGetItem on the table, the secret, and the channels;
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
      [OTP_COGNITO_REQUIRE_VERIFIED]: String(props.requireVerifiedDestination ?? true),
      ...(props.allowedChannels ? { [OTP_COGNITO_ALLOWED_CHANNELS]: props.allowedChannels.join(',') } : {}),
    };
    // A bad setting or channel fails `cdk synth` (OtpFunction) with the message a cold start would give.
    const environment: Record<string, string> = {
      [POWERTOOLS_SERVICE_NAME]: 'onetime',
      [POWERTOOLS_LOG_LEVEL]: 'INFO',
      ...props.environment,
      ...cognitoEnvironment,
      [TABLE_NAME]: table.tableName,
    };
    // Verify sends nothing and reads no Cognito option: it gets the settings and the table only.
    const readOnly = Object.fromEntries(
      Object.entries(environment).filter(
        ([name]) => !CHANNEL_VARIABLES.includes(name) && !(name in cognitoEnvironment),
      ),
    );
    // Define reads `OTP_MAX_ATTEMPTS` and its service name, nothing else (functions/handlers/cognito-define.ts):
    // no table, no other setting, and its JsonLog reads no level setting (bytes its import would pay for).
    const readByDefine = [POWERTOOLS_SERVICE_NAME, OTP_MAX_ATTEMPTS];
    const defineEnvironment = Object.fromEntries(
      Object.entries(readOnly).filter(([name]) => readByDefine.includes(name)),
    );
    const environments: Record<OtpCognitoTriggerName, Record<string, string>> = {
      define: defineEnvironment,
      create: environment,
      verify: readOnly,
    };

    const makeFunction = (
      name: OtpCognitoTriggerName,
      file: HandlerName,
      description: string,
      withSecret: boolean,
    ) => {
      const override = props.functionProps?.[name] ?? {};
      return new OtpFunction(this, `${name[0]!.toUpperCase()}${name.slice(1)}Function`, {
        entry: handlerEntry(file),
        description,
        timeout: Duration.seconds(5),
        logGroupRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
        logGroupRemovalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
        ...(withSecret ? { secret } : {}),
        ...override,
        environment: { ...environments[name], ...override.environment },
      });
    };

    const define = makeFunction('define', 'cognito-define', 'onetime: Cognito Define Auth Challenge', false);
    const create = makeFunction('create', 'cognito-create', 'onetime: Cognito Create Auth Challenge', true);
    const verify = makeFunction('verify', 'cognito-verify', 'onetime: Cognito Verify Auth Challenge', true);
    this.functions = { define, create, verify };

    // The define trigger decides from the session alone: no table, no secret (its handler's note).
    // A TransactWriteItems call is authorised per item: PutItem / UpdateItem for its Put / Update entries.
    // BatchGetItem: a sign-in code counts under the spend brake like any send, and once a shard proved
    // full the others are read at once (counted-write.ts); without it a full brake failed the sign-in.
    table.grant(
      create,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:BatchGetItem',
    );
    table.grant(verify, 'dynamodb:UpdateItem');
    grantChannelSends(create, environment);

    props.userPool.addTrigger(cognito.UserPoolOperation.DEFINE_AUTH_CHALLENGE, define);
    props.userPool.addTrigger(cognito.UserPoolOperation.CREATE_AUTH_CHALLENGE, create);
    props.userPool.addTrigger(cognito.UserPoolOperation.VERIFY_AUTH_CHALLENGE_RESPONSE, verify);

    for (const fn of Object.values(this.functions)) {
      acknowledgeStarGrants(
        fn,
        'on the create function also sns:Publish to a phone number, which has no ARN (topics are denied ' +
          'in the same policy).',
      );
    }
  }
}

/** How `OtpService.attachCognito` sets up the sign-in triggers. */
export type OtpCognitoOptions = Pick<
  OtpCognitoTriggersProps,
  'allowedChannels' | 'requireVerifiedDestination' | 'functionProps'
>;
