import { describeDeployedStack } from '../support/deployed-suite.ts';
import { synthesize } from '../support/synth.ts';

// The stack `cdk deploy` builds with no context: SMS only, the cascade, receipts and activity on.
describeDeployedStack('default', () => synthesize({}), {
  cascade: {
    to: '+14155550103',
    channel: 'sms',
    cascade: [{ channel: 'sms', to: '+14155550104', afterSeconds: 1 }],
  },
});
