import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { App, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { OtpServiceProps } from '../../infra/otp-service-props.ts';
import { OtpStack } from '../../infra/otp-stack.ts';

export const ENV = { account: '123456789012', region: 'eu-west-1' };
export const ALARM_TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:ops-alarms';

/** Every channel and a few settings configured, as a production deploy would be. */
export const FULL_PROPS: OtpServiceProps = {
  appName: 'Acme',
  codeLength: 8,
  codeAlphabet: 'alphanumeric',
  ttl: Duration.minutes(10),
  allowedCountries: ['US', 'CA'],
  sms: { originationNumber: '+18885550100', senderId: 'Acme', originDomain: 'acme.example' },
  email: {
    fromAddress: '"Acme" <no-reply@acme.example>',
    replyTo: 'help@acme.example',
    configurationSetName: 'otp-events',
  },
  voice: { originationIdentity: 'phone-0123456789abcdef', voiceId: 'JOANNA' },
  whatsapp: {
    phoneNumberId: 'phone-number-id-0123456789abcdef0123456789abcdef',
    templateName: 'acme_code',
    templateLanguages: ['en_US', 'es', 'pt_BR'],
  },
  push: {
    platformApplications: [
      'arn:aws:sns:eu-west-1:123456789012:app/APNS/acme-ios',
      'arn:aws:sns:eu-west-1:123456789012:app/GCM/acme-android',
    ],
  },
  api: { rateLimit: 25, burstLimit: 40 },
  functionProps: { check: { memorySize: 2048, environment: { EXTRA: 'yes' } } },
};

/**
 * The phone providers mixed as a team would (issue 12), for the deploy checks and cfn-lint: SMS
 * straight through End User Messaging (your number, a configuration set, the protect configuration
 * the construct makes) with calls by Notify; and SMS by Notify (a template named per locale) with
 * calls from your number.
 */
export const SMS_DIRECT_VOICE_NOTIFY_PROPS: OtpServiceProps = {
  appName: 'Acme',
  allowedCountries: ['US', 'CA'],
  sms: { provider: 'end-user-messaging', originationNumber: '+18885550100', configurationSetName: 'otp-sms' },
  voice: { provider: 'notify' },
};
export const SMS_NOTIFY_VOICE_DIRECT_PROPS: OtpServiceProps = {
  appName: 'Acme',
  allowedCountries: ['US', 'CA'],
  sms: { provider: 'notify' },
  voice: { originationIdentity: 'phone-0123456789abcdef' },
  notify: { templateIds: { en: 'notify-code-verification-english-001' } },
};

export interface Synthesized {
  app: App;
  stack: OtpStack;
  template: Template;
}

/**
 * The stack as `cdk synth` builds it. Bundling is skipped unless asked for (it runs esbuild four
 * times); the bundle tests ask for it and read each asset's path from the resource metadata.
 */
export function synthesize(
  service: OtpServiceProps = FULL_PROPS,
  options: { bundle?: boolean; outdir?: string; alarmTopicArn?: string } = {},
): Synthesized {
  const app = new App({
    ...(options.outdir ? { outdir: options.outdir } : {}),
    context: options.bundle ? { 'aws:cdk:enable-asset-metadata': true } : { 'aws:cdk:bundling-stacks': [] },
  });
  const stack = new OtpStack(app, 'OtpTest', {
    env: ENV,
    service,
    ...(options.alarmTopicArn ? { alarmTopicArn: options.alarmTopicArn } : {}),
  });
  return { app, stack, template: Template.fromStack(stack) };
}

export type Resource = { Type: string; Properties: Record<string, unknown>; [key: string]: unknown };

export function resources(template: Template, type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

export const FUNCTION_NAMES = ['start', 'check', 'status', 'cancel'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** The Lambda function resource of one route, by its construct id (`StartFunction`, …). */
export function functionOf(template: Template, name: FunctionName): [string, Resource] {
  const prefix = `OtpService${name[0]!.toUpperCase()}${name.slice(1)}Function`;
  const found = Object.entries(resources(template, 'AWS::Lambda::Function')).filter(
    ([id]) => id.startsWith(prefix) && !id.startsWith(`${prefix}LogGroup`),
  );
  if (found.length !== 1) throw new Error(`expected one ${name} function, found ${found.length}`);
  return found[0]!;
}

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
  Sid?: string;
}

export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every statement of every identity policy in the template, with the policy's roles. */
export function statements(template: Template): Array<Statement & { roles: unknown[] }> {
  return Object.values(resources(template, 'AWS::IAM::Policy')).flatMap((policy) => {
    const document = policy.Properties['PolicyDocument'] as { Statement: Statement[] };
    const roles = (policy.Properties['Roles'] as unknown[]) ?? [];
    return document.Statement.map((statement) => ({ ...statement, roles }));
  });
}

/** The statements of the role a function runs as. */
export function statementsOf(template: Template, name: FunctionName): Statement[] {
  const [, fn] = functionOf(template, name);
  const roleId = (fn.Properties['Role'] as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return statements(template).filter((s) =>
    s.roles.some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId })),
  );
}

export const actionsOf = (list: Statement[], effect: 'Allow' | 'Deny' = 'Allow') =>
  list.filter((s) => s.Effect === effect).flatMap((s) => asList(s.Action));

/**
 * infra/app.ts as `cdk synth -c …` runs it (the CLI hands context over in CDK_CONTEXT_JSON), in a
 * process of its own, without bundling; the app's own cdk-nag plugin runs too. Answers the template.
 */
export async function synthesizeApp(context: Record<string, string>): Promise<AppTemplate> {
  const outdir = mkdtempSync(join(tmpdir(), 'onetime-app-'));
  try {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ ...context, 'aws:cdk:bundling-stacks': [] }),
      },
      timeout: 110_000,
    });
    return JSON.parse(readFileSync(join(outdir, 'Onetime.template.json'), 'utf8')) as AppTemplate;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export type AppTemplate = { Resources: Record<string, Resource> };
