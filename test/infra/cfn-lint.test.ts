import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { App, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PasswordlessStack } from '../../infra/examples/passwordless-stack.ts';
import { OtpStack } from '../../infra/otp-stack.ts';
import {
  ALARM_TOPIC_ARN,
  ENV,
  FULL_PROPS,
  SMS_DIRECT_VOICE_NOTIFY_PROPS,
  SMS_NOTIFY_VOICE_DIRECT_PROPS,
  synthesize,
} from '../support/synth.ts';

/**
 * The synthesized templates against CloudFormation's own resource schemas and IAM's list of actions,
 * offline, with cfn-lint: the nearest thing to a deployment this machine can run. It catches what
 * the assertion tests cannot know, such as a property CloudFormation does not accept or a misspelt
 * IAM action, which would otherwise first fail in `cdk deploy` or, worse, at the first send.
 *
 * cfn-lint is a Python tool, not an npm package; it comes with this machine's image (pip). Where it
 * is missing the tests are skipped, and vitest reports them as skipped.
 */
const run = promisify(execFile);

function findCfnLint(): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), join(homedir(), '.pyenv', 'shims')];
  return dirs
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, 'cfn-lint'))
    .find((file) => existsSync(file));
}
const cfnLint = findCfnLint();

// W3005: CDK writes a DependsOn on a function's role policy beside the GetAtt of its role. Redundant
// ordering, harmless, and not ours to change.
const IGNORED = ['W3005'];

/**
 * What this cfn-lint (1.51) does not know yet, and nothing else: the resource type
 * AWS::SMSVOICE::NotifyConfiguration (E3006, for that one resource) and Notify's two send actions in IAM
 * (W3037, for those two actions). Both are in CloudFormation's registry and IAM's service authorization
 * reference since Notify's launch; the data files of this cfn-lint predate it. Every other rule still
 * runs on these templates, and the Notify configuration's own properties are held by the CDK assertions
 * (test/infra/phone-providers.test.ts).
 */
const NOT_YET_IN_CFN_LINT = [
  /^E3006 Resource type 'AWS::SMSVOICE::NotifyConfiguration' does not exist in '[a-z0-9-]+' \(Resources\/OtpServiceNotifyConfiguration[0-9A-F]{8}\/Type\)$/,
  /^W3037 'sendnotify(text|voice)message' is not one of \[.*\] \(Resources\/Otp[A-Za-z]+FunctionRoleDefaultPolicy[0-9A-F]{8}\/Properties\/PolicyDocument\/Statement\/\d+\/Action(\/\d+)?\)$/,
];

interface Finding {
  Rule: { Id: string };
  Message: string;
  Filename: string;
  Location: { Path?: unknown[] };
}

async function lint(files: string[]): Promise<Finding[]> {
  const args = ['--format', 'json', '--ignore-checks', ...IGNORED, '--', ...files];
  // cfn-lint exits non-zero when it finds anything; the findings are on stdout either way.
  const { stdout } = await run(cfnLint!, args, { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
  );
  return JSON.parse(stdout || '[]') as Finding[];
}

const describeIfCfnLint = cfnLint ? describe : describe.skip;

describeIfCfnLint('cfn-lint: the templates CloudFormation would receive', () => {
  let dir: string;
  const templates: Record<string, string> = {};
  let everyOption: Record<string, unknown>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'onetime-cfn-lint-'));
    const write = (name: string, template: Template) => {
      templates[name] = join(dir, `${name}.template.json`);
      writeFileSync(templates[name], JSON.stringify(template.toJSON()));
      return template.toJSON() as Record<string, unknown>;
    };
    write('defaults', synthesize({}).template);
    everyOption = write(
      'every-option',
      synthesize(
        { ...FULL_PROPS, keyRotation: { every: Duration.days(90) } },
        { alarmTopicArn: ALARM_TOPIC_ARN },
      ).template,
    );
    write(
      'sms-direct',
      synthesize({
        allowedCountries: ['US', 'CA'],
        sms: { provider: 'end-user-messaging', senderId: 'Acme' },
      }).template,
    );
    write(
      'notify',
      synthesize({
        allowedCountries: ['US', 'CA'],
        sms: { provider: 'notify' },
        voice: { provider: 'notify' },
      }).template,
    );
    // The providers mixed, as the deploy checks run them (test/infra/deployed-providers.test.ts).
    write('sms-direct-voice-notify', synthesize(SMS_DIRECT_VOICE_NOTIFY_PROPS).template);
    write('sms-notify-voice-direct', synthesize(SMS_NOTIFY_VOICE_DIRECT_PROPS).template);
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    write(
      'passwordless-example',
      Template.fromStack(new PasswordlessStack(app, 'Passwordless', { env: ENV })),
    );
    // `cdk deploy -c passwordless=true`: the same pool, client and triggers in the Onetime stack.
    write(
      'passwordless-context',
      Template.fromStack(
        new OtpStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'OnetimeWithSignIn', {
          env: ENV,
          passwordless: true,
        }),
      ),
    );
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds nothing in the default stack, the stack with every option, each phone provider and their mixes, the passwordless example, and -c passwordless=true', async () => {
    const findings = await lint(Object.values(templates));
    const seen = findings.map((f) => `${f.Rule.Id} ${f.Message} (${f.Location.Path?.join('/')})`);
    expect(seen.filter((finding) => !NOT_YET_IN_CFN_LINT.some((known) => known.test(finding)))).toEqual([]);
    // The acknowledgments are exact: each matches in the templates with a Notify configuration, and only there.
    for (const known of NOT_YET_IN_CFN_LINT) {
      expect(seen.filter((finding) => known.test(finding)).length).toBeGreaterThan(0);
    }
    const ids = (name: string) =>
      findings
        .filter((f) => f.Filename === templates[name])
        .map((f) => f.Rule.Id)
        .sort();
    const withNotify = ['notify', 'sms-direct-voice-notify', 'sms-notify-voice-direct'];
    expect(findings.filter((f) => !withNotify.some((name) => f.Filename === templates[name]))).toEqual([]);
    // One resource; each Notify action granted to each of the two sending functions (start, the cascade's step).
    expect(ids('notify')).toEqual(['E3006', 'W3037', 'W3037', 'W3037', 'W3037']);
    expect(ids('sms-direct-voice-notify')).toEqual(['E3006', 'W3037', 'W3037']);
    expect(ids('sms-notify-voice-direct')).toEqual(['E3006', 'W3037', 'W3037']);
  }, 120_000);

  it('would catch a misspelt IAM action (the rules above are live)', async () => {
    const broken = structuredClone(everyOption) as {
      Resources: Record<string, { Type: string; Properties: { PolicyDocument?: { Statement: unknown[] } } }>;
    };
    const policy = Object.values(broken.Resources).find((r) => r.Type === 'AWS::IAM::Policy')!;
    policy.Properties.PolicyDocument!.Statement.push({
      Effect: 'Allow',
      Action: 'sms-voice:SendVoiceMesage',
      Resource: '*',
    });
    const file = join(dir, 'broken.template.json');
    writeFileSync(file, JSON.stringify(broken));
    const findings = await lint([file]);
    expect(findings.map((f) => f.Rule.Id)).toContain('W3037');
  }, 120_000);
});
