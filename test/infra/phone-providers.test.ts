/**
 * The construct for each phone provider: the Notify configuration (made, or an existing one), the
 * protect configuration of the direct path with its country rules from `allowedCountries`, each send
 * permission scoped to exactly the resources the functions name, and the variables they read.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OtpServiceProps } from '../../infra/otp-service-props.ts';
import { protectCountryRules } from '../../infra/phone-providers.ts';
import { FULL_PROPS, functionOf, resources, synthesize } from '../support/synth.ts';

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Effect: string };

/** The start function's role statements, and its environment. */
function startOf(props: OtpServiceProps) {
  const { template, stack } = synthesize(props);
  const [, fn] = functionOf(template, 'start');
  const roleRef = (fn.Properties['Role'] as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const statements = Object.values(resources(template, 'AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties['Roles'] as Array<{ Ref: string }>).some((r) => r.Ref === roleRef))
    .flatMap((policy) => (policy.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement);
  const env = (fn.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
  const resolve = (value: unknown) => JSON.stringify(stack.resolve(value));
  return { template, statements, env, resolve };
}

// The first synthesis loads most of aws-cdk-lib: seconds, once, outside any one test's time.
beforeAll(() => void synthesize({}), 120_000);

const actions = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat());

describe('SMS through SNS (the default)', () => {
  it('makes no Notify or protect configuration, and sends SMS by sns:Publish only', () => {
    const { template, statements, env } = startOf({});
    expect(Object.keys(resources(template, 'AWS::SMSVOICE::NotifyConfiguration'))).toHaveLength(0);
    expect(Object.keys(resources(template, 'AWS::SMSVOICE::ProtectConfiguration'))).toHaveLength(0);
    expect(actions(statements)).toContain('sns:Publish');
    expect(actions(statements).filter((a) => a.startsWith('sms-voice:'))).toEqual([]);
    expect(env).not.toHaveProperty('SMS_PROVIDER');
  });
});

describe('SMS through End User Messaging directly', () => {
  const props: OtpServiceProps = {
    allowedCountries: ['US', 'CA'],
    sms: {
      provider: 'end-user-messaging',
      originationNumber: '+18885550100',
      configurationSetName: 'otp-sms',
    },
  };

  it('makes a protect configuration: the allowed countries FILTER, every other country BLOCK, for SMS and voice', () => {
    const { template } = startOf(props);
    const [protect] = Object.values(resources(template, 'AWS::SMSVOICE::ProtectConfiguration'));
    const rules = (protect!.Properties['CountryRuleSet'] as Record<string, Array<Record<string, string>>>)[
      'SMS'
    ]!;
    expect(rules).toContainEqual({ CountryCode: 'US', ProtectStatus: 'FILTER' });
    expect(rules).toContainEqual({ CountryCode: 'CA', ProtectStatus: 'FILTER' });
    expect(rules).toContainEqual({ CountryCode: 'NG', ProtectStatus: 'BLOCK' });
    expect(rules.filter((r) => r.ProtectStatus !== 'BLOCK')).toHaveLength(2);
    expect((protect!.Properties['CountryRuleSet'] as Record<string, unknown>)['VOICE']).toEqual(rules);
  });

  it('sends by SendTextMessage only, through the configuration set and that protect configuration, and not by SNS', () => {
    const { statements, env, resolve } = startOf(props);
    expect(actions(statements)).not.toContain('sns:Publish');
    const direct = statements.find((s) => s.Sid === 'SmsDirect')!;
    expect(direct.Action).toBe('sms-voice:SendTextMessage');
    const resourcesText = resolve(direct.Resource);
    expect(resourcesText).toContain(':configuration-set/otp-sms');
    expect(resourcesText).toContain(':protect-configuration/');
    expect(resourcesText).toContain('ProtectConfiguration');
    expect(env).toMatchObject({ SMS_PROVIDER: 'end-user-messaging', SMS_CONFIGURATION_SET: 'otp-sms' });
    expect(resolve(env['SMS_PROTECT_CONFIGURATION_ID'])).toContain('ProtectConfigurationId');
  });

  it('takes ALLOW for the allowed countries, an existing protect configuration, or none at all', () => {
    const allow = startOf({ ...props, smsProtect: { allowedCountryRule: 'ALLOW' } });
    const [protect] = Object.values(resources(allow.template, 'AWS::SMSVOICE::ProtectConfiguration'));
    expect(JSON.stringify(protect)).toContain('"CountryCode":"US","ProtectStatus":"ALLOW"');

    const existing = startOf({ ...props, smsProtect: { configurationId: 'protect-0123456789abcdef' } });
    expect(Object.keys(resources(existing.template, 'AWS::SMSVOICE::ProtectConfiguration'))).toHaveLength(0);
    expect(existing.env['SMS_PROTECT_CONFIGURATION_ID']).toBe('protect-0123456789abcdef');
    expect(existing.resolve(existing.statements.find((s) => s.Sid === 'SmsDirect')!.Resource)).toContain(
      ':sms-voice:eu-west-1:123456789012:protect-configuration/protect-0123456789abcdef"',
    );

    const none = startOf({ ...props, smsProtect: false });
    expect(Object.keys(resources(none.template, 'AWS::SMSVOICE::ProtectConfiguration'))).toHaveLength(0);
    expect(none.env).not.toHaveProperty('SMS_PROTECT_CONFIGURATION_ID');
  });

  it('attaches the same protect configuration to direct voice calls', () => {
    const { statements, env, resolve } = startOf(FULL_PROPS);
    expect(resolve(env['VOICE_PROTECT_CONFIGURATION_ID'])).toContain('ProtectConfigurationId');
    expect(resolve(statements.find((s) => s.Sid === 'VoiceCalls')!.Resource)).toContain(
      ':protect-configuration/',
    );
  });

  it('allows every country with `*`, and never blocks one it allows', () => {
    expect(protectCountryRules(['*'], 'FILTER').every((r) => r.protectStatus === 'FILTER')).toBe(true);
    expect(protectCountryRules(['GB'], 'ALLOW').find((r) => r.countryCode === 'GB')?.protectStatus).toBe(
      'ALLOW',
    );
  });
});

describe('SMS and voice through Notify', () => {
  const props: OtpServiceProps = {
    appName: 'Acme',
    allowedCountries: ['US', 'CA'],
    sms: { provider: 'notify' },
    voice: { provider: 'notify' },
    notify: { templateIds: { en: 'notify-code-verification-english-001' } },
  };

  it('makes a Notify configuration whose channels and countries follow the settings, with the app name as its brand', () => {
    const { template } = startOf(props);
    template.hasResourceProperties('AWS::SMSVOICE::NotifyConfiguration', {
      DisplayName: 'Acme',
      UseCase: 'CODE_VERIFICATION',
      EnabledChannels: ['SMS', 'VOICE'],
      EnabledCountries: ['US', 'CA'],
    });
    // Notify filters on its own (mandatory): no protect configuration on this path.
    expect(Object.keys(resources(template, 'AWS::SMSVOICE::ProtectConfiguration'))).toHaveLength(0);
    const sms = startOf({ ...props, voice: undefined as never, allowedCountries: ['*'] });
    sms.template.hasResourceProperties('AWS::SMSVOICE::NotifyConfiguration', { EnabledChannels: ['SMS'] });
    const [notify] = Object.values(resources(sms.template, 'AWS::SMSVOICE::NotifyConfiguration'));
    expect(notify!.Properties).not.toHaveProperty('EnabledCountries');
  });

  it('may send through exactly that configuration, and nothing else of SMS-Voice or SNS SMS', () => {
    const { statements, env, resolve } = startOf(props);
    const notify = statements.find((s) => s.Sid === 'NotifyThroughTheConfiguration')!;
    expect(notify.Action).toEqual(['sms-voice:SendNotifyTextMessage', 'sms-voice:SendNotifyVoiceMessage']);
    const [arn, ...others] = notify.Resource as unknown[];
    expect(resolve(arn)).toContain('notify-configuration/');
    expect(resolve(arn)).toContain('NotifyConfigurationId');
    // The voice configuration set delivery receipts read, and nothing else.
    expect(others.map(resolve)).toEqual([expect.stringContaining(':configuration-set/')]);
    expect(actions(statements)).not.toContain('sns:Publish');
    expect(actions(statements)).not.toContain('sms-voice:SendVoiceMessage');
    expect(env).toMatchObject({
      SMS_PROVIDER: 'notify',
      VOICE_PROVIDER: 'notify',
      NOTIFY_TEMPLATE_IDS: '{"en":"notify-code-verification-english-001"}',
    });
  });

  it("passes aws-cdk-lib's template check, acknowledging only that its schemas predate the Notify configuration", () => {
    const outdir = mkdtempSync(join(tmpdir(), 'onetime-notify-'));
    try {
      synthesize(props, { outdir }).app.synth();
      const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
        pluginReports: Array<{
          pluginName: string;
          violations: unknown[];
          suppressedViolations: Array<{
            ruleName: string;
            violatingConstructs: Array<{ constructPath: string }>;
          }>;
        }>;
      };
      const check = report.pluginReports.find((r) => r.pluginName === 'CloudFormation Validate')!;
      expect(check.violations).toEqual([]);
      expect(
        check.suppressedViolations.map((v) => [
          v.ruleName,
          v.violatingConstructs.map((c) => c.constructPath),
        ]),
      ).toEqual([['F3006', ['OtpTest/OtpService/NotifyConfiguration']]]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('uses an existing configuration by id instead, scoped to its ARN', () => {
    const { template, statements, env, resolve } = startOf({
      ...props,
      notify: { configurationId: 'nc-0123456789abcdef0' },
    });
    expect(Object.keys(resources(template, 'AWS::SMSVOICE::NotifyConfiguration'))).toHaveLength(0);
    expect(env['NOTIFY_CONFIGURATION_ID']).toBe('nc-0123456789abcdef0');
    const scoped = statements.find((s) => s.Sid === 'NotifyThroughTheConfiguration')!.Resource as unknown[];
    expect(resolve(scoped[0])).toContain(
      ':sms-voice:eu-west-1:123456789012:notify-configuration/nc-0123456789abcdef0"',
    );
  });
});

describe('the account default protect configuration', () => {
  it('is set only on explicit opt-in, by one call scoped to that protect configuration', () => {
    const direct: OtpServiceProps = { sms: { provider: 'end-user-messaging' } };
    expect(JSON.stringify(startOf(direct).template.toJSON())).not.toContain(
      'SetAccountDefaultProtectConfiguration',
    );
    const { template } = startOf({ ...direct, smsProtect: { accountDefault: true } });
    const [resource] = Object.values(resources(template, 'Custom::AWS'));
    expect(JSON.stringify(resource!.Properties['Create'])).toContain('SetAccountDefaultProtectConfiguration');
    expect(JSON.stringify(resource!.Properties['Delete'])).toContain(
      'DeleteAccountDefaultProtectConfiguration',
    );
    const policy = Object.entries(resources(template, 'AWS::IAM::Policy')).find(([id]) =>
      id.startsWith('OtpServiceProtectAccountDefault'),
    )![1];
    const [statement] = (policy.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement;
    expect(JSON.stringify(statement!.Resource)).toContain('ProtectConfiguration');
  });
});
