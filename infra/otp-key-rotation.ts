import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { KEY_ROTATION_EVERY_SECONDS, KEY_ROTATION_SECRET_ARN } from '../functions/env.ts';
import { acknowledgeStarGrants } from './nag.ts';
import { handlerEntry, OtpFunction } from './otp-function.ts';
import { runbook } from './runbook.ts';

/** The shortest rotation period: each promote retires the key two rotations back. */
export const MIN_ROTATION_PERIOD = Duration.hours(1);

export interface OtpKeyRotationProps {
  /** The key-material secret (OtpService.secret). */
  readonly secret: ISecret;
  /** How old the current key may get before a new one is staged (promoted ten minutes later). */
  readonly every: Duration;
  readonly alarmTopic?: ITopic;
  readonly logRetention?: logs.RetentionDays;
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Rotates the key material on a schedule, with the same two steps as `npm run rotate-key`: a function
 * runs every 15 minutes and, from the secret alone, stages a new key when the current one is `every`
 * old, or promotes a key staged at least ten minutes before (functions/adapters/secret-key-rotation.ts).
 * No pending code is lost (docs/deploy.md, "Rotate the key").
 */
export class OtpKeyRotation extends Construct {
  readonly function: OtpFunction;
  readonly schedule: events.Rule;
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: OtpKeyRotationProps) {
    super(scope, id);
    const every = props.every.toSeconds();
    if (every < MIN_ROTATION_PERIOD.toSeconds()) {
      throw new Error(`keyRotation.every must be at least ${MIN_ROTATION_PERIOD.toHours()} hour`);
    }
    this.function = new OtpFunction(this, 'Function', {
      entry: handlerEntry('key-rotation'),
      description: 'onetime: stages and promotes a new key for the key-material secret on schedule',
      memorySize: 256,
      timeout: Duration.seconds(30),
      ...(props.logRetention ? { logGroupRetention: props.logRetention } : {}),
      ...(props.removalPolicy ? { logGroupRemovalPolicy: props.removalPolicy } : {}),
      environment: {
        [KEY_ROTATION_SECRET_ARN]: props.secret.secretArn,
        [KEY_ROTATION_EVERY_SECONDS]: String(every),
      },
    });
    // Read and write that one secret, nothing else (not its stages, description or policy).
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'RotateKeyMaterial',
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
        resources: [props.secret.secretArn],
      }),
    );
    props.secret.encryptionKey?.grantEncryptDecrypt(this.function);
    acknowledgeStarGrants(this.function, 'the one other grant names the key-material secret.');

    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'onetime: one tick of the key rotation',
      schedule: events.Schedule.rate(Duration.minutes(15)),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 2 })],
    });

    this.alarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      metric: this.function.metricErrors({ period: Duration.hours(1), statistic: cloudwatch.Stats.SUM }),
      threshold: 2,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `onetime: the scheduled key rotation failed twice in an hour. ${runbook('key-rotation')}`,
    });
    if (props.alarmTopic) {
      this.alarm.addAlarmAction(new SnsAction(props.alarmTopic));
      this.alarm.addOkAction(new SnsAction(props.alarmTopic));
    }
  }
}
