import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { OtpService } from './otp-service.ts';
import type { OtpServiceProps } from './otp-service-props.ts';
import {
  addPasswordlessSignIn,
  type PasswordlessSignIn,
  type PasswordlessSignInOptions,
} from './passwordless.ts';

export interface OtpStackProps extends StackProps {
  /** Everything the service is configured with; see `OtpServiceProps`. */
  readonly service?: OtpServiceProps;
  /** An existing SNS topic (e.g. with an email subscription) for alarm notifications. @default none */
  readonly alarmTopicArn?: string;
  /** An existing EventBridge bus, by name, for the status-change events. @default the default bus */
  readonly eventBusName?: string;
  /**
   * Also a user pool whose users sign in with a code (the passwordless example's pool, app client and
   * triggers, on this service), with the `UserPoolId` and `UserPoolClientId` outputs. @default false
   */
  readonly passwordless?: boolean | PasswordlessSignInOptions;
}

/** onetime on its own: the `OtpService` construct and the two outputs a caller needs. */
export class OtpStack extends Stack {
  readonly service: OtpService;
  /** The user pool, client and triggers, when `passwordless` was asked for. */
  readonly passwordless?: PasswordlessSignIn;

  constructor(scope: Construct, id: string, props: OtpStackProps = {}) {
    super(scope, id, {
      description: 'onetime: self-hosted one-time-password verification',
      ...props,
    });
    const { alarmTopicArn, eventBusName } = props;
    this.service = new OtpService(this, 'OtpService', {
      ...props.service,
      ...(alarmTopicArn ? { alarmTopic: Topic.fromTopicArn(this, 'AlarmTopic', alarmTopicArn) } : {}),
      ...(eventBusName ? { eventBus: EventBus.fromEventBusName(this, 'EventBus', eventBusName) } : {}),
    });

    // RestApi's own `Endpoint` output would repeat ApiUrl.
    this.service.api.node.tryRemoveChild('Endpoint');
    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the API; append v1/verifications',
      value: this.service.api.url,
    });
    if (props.passwordless) {
      this.passwordless = addPasswordlessSignIn(this, this.service, {
        ...(props.service?.removalPolicy ? { removalPolicy: props.service.removalPolicy } : {}),
        ...(props.passwordless === true ? {} : props.passwordless),
      });
    }
    new CfnOutput(this, 'ApiKeyId', {
      description: 'Id of the API key; its value: aws apigateway get-api-key --api-key <id> --include-value',
      value: this.service.apiKey.keyId,
    });
    new CfnOutput(this, 'KeyMaterialSecretArn', {
      description: 'The key-material secret (its ARN only): npm run rotate-key -- status --secret-id <arn>',
      value: this.service.secret.secretArn,
    });
  }
}
