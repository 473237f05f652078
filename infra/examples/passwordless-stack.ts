import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type { Construct } from 'constructs';
import type { Channel } from '../../functions/core/verification.ts';
import type { OtpCognitoTriggers } from '../cognito-triggers.ts';
import { OtpService } from '../otp-service.ts';
import type { OtpServiceProps } from '../otp-service-props.ts';

export interface PasswordlessStackProps extends StackProps {
  /** The onetime service behind the sign-in (its channels decide which ones a sign-in may use). */
  readonly service?: OtpServiceProps;
  /** Channels a sign-in may use, in order of preference. @default ['sms', 'email', 'voice'] */
  readonly allowedChannels?: readonly Channel[];
}

/**
 * An example: a user pool whose users sign in with a code sent by SMS, email or voice, and no password.
 * The onetime service (table, secret, API) and the pool's custom-auth triggers share one engine, so a
 * code, its attempts and its send limits are the same whichever door asked for it.
 *
 *   const app = new App();
 *   new PasswordlessStack(app, 'Passwordless', {
 *     service: { email: { fromAddress: 'no-reply@acme.example' }, allowedCountries: ['US', 'CA'] },
 *   });
 *
 * Users are created by your backend (AdminCreateUser with a verified phone_number or email: Cognito's
 * SignUp always asks for a password). Sign-in from an app: docs/cognito.md.
 */
export class PasswordlessStack extends Stack {
  readonly service: OtpService;
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly triggers: OtpCognitoTriggers;

  constructor(scope: Construct, id: string, props: PasswordlessStackProps = {}) {
    super(scope, id, { description: 'onetime: passwordless sign-in with a Cognito user pool', ...props });
    const serviceProps = props.service ?? {};
    const removalPolicy = serviceProps.removalPolicy ?? RemovalPolicy.RETAIN;
    this.service = new OtpService(this, 'Otp', serviceProps);

    this.userPool = new cognito.UserPool(this, 'UserPool', {
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
      removalPolicy,
    });

    this.client = this.userPool.addClient('AppClient', {
      // Custom auth only: InitiateAuth CUSTOM_AUTH, answered with the code (RespondToAuthChallenge).
      authFlows: { custom: true },
      // Unknown usernames get a challenge too, with nothing sent: sign-in does not reveal who has an account.
      preventUserExistenceErrors: true,
      // How long a code may take to arrive and be typed, per round: 3 to 15 minutes.
      authSessionValidity: Duration.minutes(3),
      generateSecret: false,
    });

    // The triggers run on the service's own table, secret, settings and channels.
    this.triggers = this.service.attachCognito(
      this.userPool,
      props.allowedChannels ? { allowedChannels: props.allowedChannels } : {},
    );

    Validations.of(this.userPool).acknowledge(
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

    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.client.userPoolClientId });
  }
}
