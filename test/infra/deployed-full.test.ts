import { Duration } from 'aws-cdk-lib';
import { describeDeployedStack } from '../support/deployed-suite.ts';
import { FULL_PROPS, synthesize } from '../support/synth.ts';

// Every option: every channel, receipts, the cascade, the scheduled key rotation.
describeDeployedStack(
  'full',
  () => synthesize({ ...FULL_PROPS, keyRotation: { every: Duration.days(90) } }),
  {
    cascade: {
      to: '+14155550103',
      channel: 'sms',
      cascade: [
        { channel: 'voice', afterSeconds: 1 },
        { channel: 'email', to: 'ada@example.com', afterSeconds: 1 },
        { channel: 'sms', to: '+14155550104', afterSeconds: 1 },
      ],
    },
    email: 'ada@example.com',
    otherChannels: [
      { channel: 'email', to: 'bo@example.com' },
      { channel: 'voice', to: '+14155550105' },
    ],
    keyRotation: true,
  },
);
