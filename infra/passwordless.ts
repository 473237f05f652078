import { CfnOutput, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type { Construct } from 'constructs';
import type { Channel } from '../functions/core/verification.ts';
import type { OtpCognitoTriggers } from './cognito-triggers.ts';
import type { OtpService } from './otp-service.ts';

export interface PasswordlessSignInOptions {
  /** Channels a sign-in may use, in order of preference. @default ['sms', 'email', 'voice'] */
  readonly allowedChannels?: readonly Channel[];
  /** What happens to the user pool when it leaves the stack. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export interface PasswordlessSignIn {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly triggers: OtpCognitoTriggers;
}

/**
 * A user pool whose users sign in with a code and no password, on `service`'s engine: the pool, an
 * app client that allows custom auth only, the three triggers, and the `UserPoolId` and
 * `UserPoolClientId` outputs. Made directly in `scope` (a stack), so the example stack and
 * `cdk deploy -c passwordless=true` (OtpStack) deploy the same resources under the same logical ids.
 *
 * Users are created by your backend (AdminCreateUser with a verified phone_number or email: Cognito's
 * SignUp always asks for a password). Sign-in from an app: docs/cognito.md.
 */
export function addPasswordlessSignIn(
  scope: Construct,
  service: OtpService,
  options: PasswordlessSignInOptions = {},
): PasswordlessSignIn {
  const userPool = new cognito.UserPool(scope, 'UserPool', {
    signInAliases: { email: true, phone: true },
    standardAttributes: {
      email: { required: false, mutable: true },
      phoneNumber: { required: false, mutable: true },
    },
    selfSignUpEnabled: false,
    // No password to recover; the code is the factor.
    accountRecovery: cognito.AccountRecovery.NONE,
    mfa: cognito.Mfa.OFF,
    // onetime sends the codes; Cognito itself sends no SMS, so it needs no SNS role.
    enableSmsRole: false,
    // Never used to sign in (the app client allows custom auth only), but Cognito keeps one per user.
    passwordPolicy: {
      minLength: 16,
      requireLowercase: true,
      requireUppercase: true,
      requireDigits: true,
      requireSymbols: true,
    },
    removalPolicy: options.removalPolicy ?? RemovalPolicy.RETAIN,
  });

  const client = userPool.addClient('AppClient', {
    // Custom auth only: InitiateAuth CUSTOM_AUTH, answered with the code (RespondToAuthChallenge).
    authFlows: { custom: true },
    // Unknown usernames get a challenge too, with nothing sent: sign-in does not reveal who has an account.
    preventUserExistenceErrors: true,
    // How long a code may take to arrive and be typed, per round: 3 to 15 minutes.
    authSessionValidity: Duration.minutes(3),
    generateSecret: false,
  });

  // The triggers run on the service's own table, secret, settings and channels.
  const triggers = service.attachCognito(
    userPool,
    options.allowedChannels ? { allowedChannels: options.allowedChannels } : {},
  );

  Validations.of(userPool).acknowledge(
    {
      id: 'AwsSolutions-COG2',
      reason: 'Passwordless: the one-time code sent to a verified phone or email is the sign-in factor.',
    },
    {
      id: 'AwsSolutions-COG8',
      reason:
        'Example pool on the default feature plan; choose the Plus plan (threat protection) for production.',
    },
  );

  new CfnOutput(scope, 'UserPoolId', { value: userPool.userPoolId });
  new CfnOutput(scope, 'UserPoolClientId', { value: client.userPoolClientId });
  return { userPool, client, triggers };
}
