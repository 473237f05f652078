import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type { Construct } from 'constructs';
import type { Channel } from '../../functions/core/verification.ts';
import type { OtpCognitoTriggers } from '../cognito-triggers.ts';
import { OtpService } from '../otp-service.ts';
import type { OtpServiceProps } from '../otp-service-props.ts';
import { addPasswordlessSignIn } from '../passwordless.ts';

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
 * The same pool, client and triggers come with `npx cdk deploy -c passwordless=true` (infra/app.ts), in
 * the Onetime stack: see `addPasswordlessSignIn`. Sign-in from an app: docs/cognito.md.
 */
export class PasswordlessStack extends Stack {
  readonly service: OtpService;
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly triggers: OtpCognitoTriggers;

  constructor(scope: Construct, id: string, props: PasswordlessStackProps = {}) {
    super(scope, id, { description: 'onetime: passwordless sign-in with a Cognito user pool', ...props });
    const serviceProps = props.service ?? {};
    this.service = new OtpService(this, 'Otp', serviceProps);

    const signIn = addPasswordlessSignIn(this, this.service, {
      removalPolicy: serviceProps.removalPolicy ?? RemovalPolicy.RETAIN,
      ...(props.allowedChannels ? { allowedChannels: props.allowedChannels } : {}),
    });
    this.userPool = signIn.userPool;
    this.client = signIn.client;
    this.triggers = signIn.triggers;
  }
}
