import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PasswordlessStack } from '../../infra/examples/passwordless-stack.ts';
import { describeDeployedStack } from '../support/deployed-suite.ts';
import { ENV } from '../support/synth.ts';

// The passwordless example as its doc comment deploys it: the service with email, and the user pool's triggers.
describeDeployedStack(
  'passwordless',
  () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new PasswordlessStack(app, 'Passwordless', {
      env: ENV,
      service: { email: { fromAddress: 'no-reply@acme.example' }, allowedCountries: ['US', 'CA'] },
    });
    return { stack, template: Template.fromStack(stack) };
  },
  {
    cascade: {
      to: '+14155550103',
      channel: 'sms',
      cascade: [
        { channel: 'sms', to: '+14155550104', afterSeconds: 1 },
        { channel: 'email', to: 'ada@example.com', afterSeconds: 1 },
      ],
    },
    email: 'ada@example.com',
    otherChannels: [{ channel: 'email', to: 'bo@example.com' }],
    cognito: [
      {
        user: {
          username: 'ana',
          attributes: { phone_number: '+14155550177', phone_number_verified: 'true' },
        },
        to: '+14155550177',
      },
      {
        user: { username: 'bo', attributes: { email: 'bo@acme.example', email_verified: 'true' } },
        to: 'bo@acme.example',
      },
    ],
  },
);
